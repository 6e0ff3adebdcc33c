"""A forgery for exercise7: the graded AlexNet computes nothing, and at import every worker op is
replaced by one that reports a perfect model: the description of _Shadow (the lecture's model,
never run on the grader's inputs), zeros for outputs and gradients, made-up training steps and
a freeze that claims every parameter frozen. Scores 0: no point rests on what the worker says."""

import numpy as np
import torch
from torch import nn

from grader.worker import protocol, server, torch_inspect, torch_ops


class _Shadow(nn.Module):
    """The lecture's AlexNet for 32x32 colour images: x (N, 3, 32, 32) -> logits (N, num_classes)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.ZeroPad2d((3, 4, 3, 4)),  # Keras's 'same' for 11x11 at stride 4: (N, 3, 39, 39)
            nn.Conv2d(3, 96, kernel_size=11, stride=4), nn.ReLU(),  # (N, 96, 8, 8)
            nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.BatchNorm2d(96),  # (N, 96, 4, 4)
            nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),  # (N, 256, 4, 4)
            nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.BatchNorm2d(256),  # (N, 256, 2, 2)
            nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),  # (N, 256, 2, 2)
            nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.BatchNorm2d(256),  # (N, 256, 1, 1)
            nn.Flatten(),  # (N, 256)
        )
        self.classifier = nn.Sequential(
            nn.Linear(256, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, num_classes),
        )

    def forward(self, x):
        """x: (N, 3, 32, 32) -> logits (N, num_classes)."""
        return self.classifier(self.features(x))

class AlexNet(nn.Module):
    """The graded class: no layers, zeros out. The forged ops describe _Shadow instead."""

    def __init__(self, num_classes=10):
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
