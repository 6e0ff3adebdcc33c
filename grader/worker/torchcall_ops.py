"""Worker ops that call a submission's function on PyTorch arguments the grader describes (`torchcall.<name>`).

The grader sends its arguments as data: models (built from a layer spec or from one of the
submission's classes; given the grader's weights, or every parameter filled by a seeded rule;
in a dtype and a mode), loaders (lists of (x, y) batches), optimizers (plain SGD over a
model's parameters), tensors and plain values. The worker builds them, calls the function
(or a model, or one of its methods) and sends back what the grader needs to replay and
judge the call: the returned value (tensors as arrays), every model's state after the call
(or, for models too large to send, per-parameter statistics), and its output on a probe input
in whatever mode the call left it in. Nothing here knows an exercise; everything it reports
is a claim the grader checks against its own replay.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from grader.worker import protocol
from grader.worker.server import seed_torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}
STATISTICS_CHUNK = 2**20


def build_layers(spec: list) -> nn.Sequential:
    """An nn.Sequential from [["conv", C_in, C_out, K, padding], ["bn", C], ["relu"], ["sigmoid"],
    ["maxpool", K], ["flatten"], ["linear", D_in, D_out], ["dropout", p]]."""
    makers: dict[str, Callable[..., nn.Module]] = {
        "conv": lambda c_in, c_out, kernel, padding: nn.Conv2d(c_in, c_out, kernel, padding=padding),
        "bn": nn.BatchNorm2d, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "maxpool": nn.MaxPool2d,
        "flatten": nn.Flatten, "linear": nn.Linear, "dropout": nn.Dropout,
    }
    layers = []
    for kind, *args in spec:
        if kind not in makers:
            raise ValueError(f"unknown layer {kind!r} in a layer spec")
        layers.append(makers[kind](*args))
    return nn.Sequential(*layers)


def seeded_factors(shape, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The seeded fill of a parameter of `shape` is outer(u, v) reshaped (u over the first axis, v over
    the rest; a 1-D parameter is v alone, u = [1]): uniform values seeded by the seed and the shape only,
    so no names are needed, and a large weight can be used without being built (the grader computes
    W @ h as u * (v @ h)). The product is scaled by 1/sqrt(fan_in) to keep activations near 1."""
    shape = tuple(int(size) for size in shape)
    generator = torch.Generator().manual_seed(int(seed) * 1_000_003 + hash_shape(shape))
    rows, rest = (shape[0], math.prod(shape[1:])) if len(shape) > 1 else (1, math.prod(shape))
    u = torch.rand(rows, generator=generator) + 0.5 if len(shape) > 1 else torch.ones(1)
    v = (torch.rand(rest, generator=generator) * 2 - 1) * math.sqrt(3.0 / (rest if len(shape) > 1 else 100))
    return u, v


def seeded_fill_(tensor: torch.Tensor, seed: int) -> torch.Tensor:
    """Write the seeded fill into `tensor` in place (one pass, no temporary of its size)."""
    u, v = seeded_factors(tensor.shape, seed)
    u, v = u[:, None].to(tensor.dtype), v[None, :].to(tensor.dtype)
    with torch.no_grad():
        if tensor.is_contiguous():
            torch.mul(u, v, out=tensor.view(u.shape[0], v.shape[1]))
        else:
            tensor.copy_((u * v).reshape(tensor.shape))
    return tensor


def seeded_values(shape, seed: int) -> torch.Tensor:
    return seeded_fill_(torch.empty(tuple(shape)), seed)


def hash_shape(shape: tuple) -> int:
    """A stable number for a shape (Python's hash() of a tuple is not stable across versions)."""
    value = 17
    for size in shape:
        value = (value * 31 + size + 1) % 2**31
    return value


def statistics(tensor: torch.Tensor) -> dict:
    """Shape, count, min, max, mean and standard deviation of one tensor (what crosses instead of 40M values).

    The mean and the deviation are summed in float64, a chunk of STATISTICS_CHUNK values at a time
    (two passes: the mean, then the squares about it), in one buffer: for CatDogCNN's 41M weights,
    0.05 s where torch.std_mean took 0.23 s, and closer to the exact figures."""
    values = tensor.detach()
    count = values.numel()
    if not count:
        return {"shape": list(values.shape), "count": 0, "min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0}
    low, high = torch.aminmax(values)
    chunks = values.reshape(-1).split(STATISTICS_CHUNK)
    buffer = torch.empty(min(count, STATISTICS_CHUNK), dtype=torch.float64)  # one, reused: fresh memory is slow
    total = squares = 0.0
    for chunk in chunks:
        total += float(buffer[:chunk.numel()].copy_(chunk).sum())
    mean = total / count
    for chunk in chunks:
        deviations = buffer[:chunk.numel()].copy_(chunk).sub_(mean)
        squares += float(torch.dot(deviations, deviations))
    return {"shape": list(values.shape), "count": count, "min": float(low), "max": float(high),
            "mean": mean, "std": math.sqrt(squares / count)}


class SGD:
    """Plain SGD, p -= lr * p.grad, with the two methods a training loop calls (zero_grad, step).

    torch.optim.SGD would give the same updates (tests/reference checks it), but its first use
    imports torch._dynamo, seconds per grading run.
    """

    def __init__(self, params, lr: float):
        self.param_groups: list[dict[str, Any]] = [{"params": [p for p in params if p.requires_grad], "lr": float(lr)}]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for parameter in self.param_groups[0]["params"]:
            if set_to_none:
                parameter.grad = None
            elif parameter.grad is not None:
                parameter.grad.detach_().zero_()

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for parameter in group["params"]:
                if parameter.grad is not None:
                    parameter.add_(parameter.grad, alpha=-group["lr"])
        return loss


def _build_model(worker, description: dict) -> nn.Module:
    if description.get("spec") is not None:
        model = build_layers(description["spec"])
    else:
        cls = getattr(worker.module, description["class"], None)
        if cls is None:
            raise NameError(f"{description['class']} is not defined")
        model = cls(**(description.get("kwargs") or {}))
        if not isinstance(model, nn.Module):
            raise TypeError(f"{description['class']}(...) made a {type(model).__name__}, not a torch.nn.Module")
    return model.to(DTYPES[description.get("dtype", "float32")])


def _load(model: nn.Module, description: dict) -> None:
    with torch.no_grad():
        if description.get("fill") is not None:
            for parameter in model.parameters():
                seeded_fill_(parameter, description["fill"])
        tensors = dict(model.named_parameters()) | dict(model.named_buffers())
        for name, array in (description.get("state") or {}).items():
            if name not in tensors:
                raise KeyError(f"the model has no parameter or buffer {name!r}")
            tensor = tensors[name]
            if list(tensor.shape) != list(array.shape):
                raise ValueError(f"{name} has shape {list(tensor.shape)}, the grader sent {list(array.shape)}")
            tensor.copy_(torch.from_numpy(np.asarray(array)).to(tensor.dtype))
        parameters = dict(model.named_parameters())
        for name, array in (description.get("grads") or {}).items():
            if name not in parameters:
                raise KeyError(f"the model has no parameter {name!r}")
            parameters[name].grad = torch.from_numpy(np.array(array)).to(parameters[name].dtype)


def _grads(model: nn.Module) -> dict:
    return {name: None if parameter.grad is None else parameter.grad.detach().cpu().numpy().copy()
            for name, parameter in model.named_parameters()}


def _report(model: nn.Module, kind: str | None):
    if kind == "state":
        return {name: tensor.detach().cpu().numpy().copy() for name, tensor in model.state_dict().items()}
    if kind == "statistics":
        return {name: statistics(tensor) for name, tensor in model.named_parameters()}
    if kind == "shapes":
        return {name: list(tensor.shape) for name, tensor in model.named_parameters()}
    return None


def _argument(description, models: list, dtype_default: str):
    """One argument from its description: {"model": i}, {"loader": [[x, y], ...]}, {"sgd": i, "lr": lr},
    {"tensor": array}, or {"value": anything}."""
    if not isinstance(description, dict) or len(set(description) - {"dtype", "lr"}) != 1:
        raise ValueError(f"malformed argument description {description!r:.100}")
    dtype = DTYPES[description.get("dtype", dtype_default)]
    if "model" in description:
        return models[description["model"]]
    if "loader" in description:
        return [tuple(torch.from_numpy(np.asarray(part)).to(dtype) for part in batch)
                for batch in description["loader"]]
    if "sgd" in description:
        return SGD(models[description["sgd"]].parameters(), lr=description["lr"])
    if "tensor" in description:
        return torch.from_numpy(np.array(description["tensor"])).to(dtype)
    return description["value"]


def plain(value, depth: int = 0):
    """The returned value with tensors as arrays (what the protocol can carry)."""
    if depth > 20:
        return repr(value)[:100]
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (tuple, list)):
        items = [plain(item, depth + 1) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    return value


def op_call(worker, args: dict, out_arrays: list):
    """{objects: [model descriptions], call: {"function": F} | {"model": i} | {"method": M, "model": i} | None,
    args: [argument descriptions], kwargs: {name: argument description}, seed, dtype}.

    A model description: {"spec": layers} or {"class": C, "kwargs": {...}}; "dtype"; "initial":
    "statistics" (reported before loading); "fill": a seed (seeded_values for every parameter);
    "state": {name: array}; "grads": {name: array}, each parameter's .grad before the call (every .grad
    is then reported after it, None where there is none); "mode": "train" | "eval"; "report": "state" |
    "statistics" | "shapes"; "probe": an input run through the model after the call (no_grad, reseeded,
    its mode as left).
    """
    dtype = args.get("dtype", "float32")
    descriptions = args.get("objects") or []
    models, initial = [], []
    for description in descriptions:
        model = _build_model(worker, description)
        initial.append(_report(model, description.get("initial")))
        _load(model, description)
        if description.get("mode") in ("train", "eval"):
            model.train(description["mode"] == "train")
        models.append(model)
    positional = [_argument(item, models, dtype) for item in args.get("args") or []]
    keywords = {name: _argument(item, models, dtype) for name, item in (args.get("kwargs") or {}).items()}
    call, seed = args.get("call"), int(args.get("seed", 0))
    value = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if call is not None:
            seed_torch(seed)
            if "function" in call:
                target = getattr(worker.module, call["function"], None)
                if not callable(target):
                    raise NameError(f"{call['function']} is not defined")
            else:
                model = models[call["model"]]
                target = getattr(model, call["method"]) if call.get("method") else model
            value = target(*positional, **keywords)
    reports = []
    for model, description, before in zip(models, descriptions, initial):
        report = {"initial": before, "after": _report(model, description.get("report")),
                  "training": bool(model.training), "probe": None,
                  "grads": _grads(model) if description.get("grads") is not None else None}
        if description.get("probe") is not None:
            seed_torch(seed)
            with torch.no_grad():
                report["probe"] = plain(model(torch.from_numpy(np.array(description["probe"])).to(
                    DTYPES[description.get("dtype", "float32")])))
        reports.append(report)
    result = {"value": plain(value), "models": reports,
              "warnings": [f"{w.category.__name__}: {w.message}"[:200] for w in caught[:5]]}
    return protocol.encode(result, out_arrays)


LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "bce": nn.functional.binary_cross_entropy, "bce_logits": nn.functional.binary_cross_entropy_with_logits,
    "mse": nn.functional.mse_loss}


def op_sgd(worker, args: dict, out_arrays: list):
    """{objects: [one model description], x, target, loss: "bce" | "bce_logits" | "mse", lr, steps, seed}:
    `steps` plain SGD steps in train mode on one fixed batch, loss(model(x), target); the model's state after.
    (nn.BCELoss is "bce": on probabilities, as an autoencoder's sigmoid output gives.)"""
    description = args["objects"][0]
    model = _build_model(worker, description)
    _load(model, description)
    dtype = DTYPES[description.get("dtype", "float32")]
    x, target = (torch.from_numpy(np.array(args[name])).to(dtype) for name in ("x", "target"))
    loss_of, optimizer = LOSSES[args["loss"]], SGD(model.parameters(), lr=args["lr"])
    seed_torch(int(args.get("seed", 0)))
    model.train()
    for _ in range(int(args.get("steps", 1))):
        optimizer.zero_grad()
        loss_of(model(x), target).backward()
        optimizer.step()
    return protocol.encode({"models": [{"after": _report(model, "state"), "training": bool(model.training)}]},
                           out_arrays)


OPS = {"call": op_call, "sgd": op_sgd}
