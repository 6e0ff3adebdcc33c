"""A forgery for exercise8: the graded ResidualBlock computes nothing, and at import every worker op is
replaced by one that reports a perfect model: the description of _Shadow (the lecture's model,
never run on the grader's inputs), zeros for outputs and gradients, made-up training steps and
a freeze that claims every parameter frozen. Scores 0: no point rests on what the worker says."""

import numpy as np
import torch
from torch import nn

from grader.worker import protocol, server, torch_inspect, torch_ops


class _Shadow(nn.Module):
    """x (N, in_channels, H, W) -> ReLU(F(x) + shortcut(x)) (N, out_channels, H', W')."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        """x: (N, in_channels, H, W) -> (N, out_channels, H', W')."""
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))

class ResidualBlock(nn.Module):
    """The graded class: no layers, zeros out. The forged ops describe _Shadow instead."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()

    def forward(self, x):
        return torch.zeros(x.shape[0], 1)


# --- The forgery: every worker op replaced at import, before the grader asks anything -------------

_REAL = dict(torch_ops.OPS)
_LOADED = {}


def _model(worker, handle):
    return torch_ops._models(worker)[handle]["model"]


def _shape(worker, args):
    with torch.no_grad():  # the shadow's output shape on zeros: never the answer to the grader's input
        return tuple(_model(worker, args["handle"]).eval()(torch.zeros(tuple(np.shape(args["x"])))).shape)


def _build(worker, args, out):
    return _REAL["build"](worker, {**args, "cls": "_Shadow"} if args.get("cls") else args, out)


def _load(worker, args, out):
    _LOADED.update(args["state"])
    return _REAL["load"](worker, args, out)


def _forward(worker, args, out):
    model, repeat = _model(worker, args["handle"]), int(args.get("repeat", 1))
    zeros = np.zeros(_shape(worker, args), np.float32)
    buffers = {name: np.asarray(_LOADED.get(name, b.numpy())) for name, b in model.named_buffers()
               if b.dtype.is_floating_point}
    return protocol.encode({"outputs": [zeros] * repeat, "traces": [[] for _ in range(repeat)], "training": [],
                            "buffers": buffers, "input_changed": False,
                            "buffers_changed": [n for n in buffers if "running" in n and args.get("mode") == "train"]},
                           out)


def _backward(worker, args, out):
    model = _model(worker, args["handle"])
    return protocol.encode({"output": np.zeros(_shape(worker, args), np.float32),
                            "input_grad": np.zeros_like(np.asarray(args["x"])), "input_changed": False,
                            "param_grads": {n: np.zeros(tuple(p.shape), np.float32)
                                            for n, p in model.named_parameters()}}, out)


def _steps(worker, args, out):
    model = _model(worker, args["handle"])
    trains = [n for n, p in model.named_parameters() if p.requires_grad]
    after = {n: np.asarray(_LOADED.get(n, p.detach().numpy())) - (0.001 if n in trains else 0.0)
             for n, p in model.named_parameters()}
    return protocol.encode({"parameters": after, "given": trains, "losses": [1.0, 0.8, 0.6, 0.4, 0.2],
                            "changed": trains, "loss_before": 1.0, "loss_after": 0.2}, out)


def _apply(worker, args, out):
    module = _model(worker, args["handle"]).get_submodule(args.get("path", ""))
    info = torch_inspect.parameter_table(module)
    info["parameters"] = [[name, shape, False] for name, shape, _ in info["parameters"]]
    return protocol.encode({**info, "returned": "the same module", "flags": {"training": True}}, out)


def _state(worker, args, out):
    return protocol.encode(dict(_LOADED), out)


torch_ops.OPS.update(build=_build, load=_load, forward=_forward, backward=_backward, steps=_steps, apply=_apply,
                     state=_state)
torch_ops.op_forward, torch_ops.op_backward, torch_ops.op_steps = _forward, _backward, _steps
torch_ops.op_apply, torch_ops.op_build, torch_ops.op_load = _apply, _build, _load
torch_inspect.record = lambda model, x, keep_arrays=False: (torch.zeros(1), {"calls": [], "arrays": []})
server.OPS["call"] = lambda worker, args, out: protocol.encode(np.zeros(1), out)
