"""What a PyTorch model is made of, read the same way in the worker (the student's model) and the grader
(the reference): parameters, buffers, and the modules its forward pass calls, in call order.

A "unit" is a called module that owns parameters or buffers itself (a Conv2d, a Linear, a
BatchNorm); units are what the grader maps between the student's model and the reference.
Parameter-free steps (activations, pooling, flatten, dropout) may be modules or
torch.nn.functional calls; they are judged by their effect on the units' inputs and outputs.
Also here: models built from a JSON layer spec (the worker sees only the grader package, so
a model the grader hands to the submission, exercise 9's base, is described, not imported).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

# Attributes worth reporting, per module; each is read only where the module has it.
_ATTRIBUTES = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
               "in_features", "out_features", "num_features", "eps", "momentum", "affine",
               "track_running_stats", "p", "ceil_mode", "count_include_pad", "inplace", "start_dim", "dim")


def _plain(value):
    if isinstance(value, torch.Size):
        return list(value)
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)


def attributes(module: nn.Module) -> dict:
    found = {name: _plain(getattr(module, name)) for name in _ATTRIBUTES if hasattr(module, name)}
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        found["bias"] = module.bias is not None
    return found


def owns_tensors(module: nn.Module) -> bool:
    return bool(module._parameters) or any(buffer is not None for buffer in module._buffers.values())


def parameter_table(model: nn.Module) -> dict:
    """Names, shapes and requires_grad of every parameter; names and shapes of every buffer."""
    return {
        "parameters": [[name, list(p.shape), bool(p.requires_grad)] for name, p in model.named_parameters()],
        "buffers": [[name, list(b.shape), b.dtype.is_floating_point] for name, b in model.named_buffers()],
    }


class CallRecorder:
    """Forward hooks on every module: which ran, in which order, on which shapes.

    With `keep_arrays`, also the input and output of every unit, as NumPy arrays. Outputs are
    held until the end so that no tensor's memory is reused while producers are matched.
    """

    def __init__(self, model: nn.Module, *, keep_arrays: bool = False):
        self.model = model
        self.keep_arrays = keep_arrays
        self.calls: list[dict] = []
        self.arrays: list[tuple] = []
        self._held: list = []
        self._pointers: dict[int, int] = {}
        names = {id(module): name for name, module in model.named_modules()}
        self._handles = [module.register_forward_hook(self._hook(names.get(id(module), "?")))
                         for module in model.modules() if module is not model]

    def _hook(self, path: str):
        def hook(module, inputs, output):
            tensors = [item for item in inputs if isinstance(item, torch.Tensor)]
            first = tensors[0] if tensors else None
            out = output[0] if isinstance(output, (tuple, list)) and output else output
            out = out if isinstance(out, torch.Tensor) else None
            unit = owns_tensors(module)
            producer = None
            if first is not None and first.numel():
                producer = self._pointers.get(first.data_ptr())
            call = {
                "path": path, "type": type(module).__name__, "attrs": attributes(module),
                "inputs": [list(t.shape) for t in tensors], "output": list(out.shape) if out is not None else None,
                "unit": unit, "training": bool(module.training), "producer": producer,
            }
            if unit:
                call["tensors"] = {local: f"{path}.{local}" if path else local
                                   for local, value in [*module._parameters.items(), *module._buffers.items()]
                                   if value is not None}
                call["shapes"] = {local: list(value.shape)
                                  for local, value in [*module._parameters.items(), *module._buffers.items()]
                                  if value is not None}
                if out is not None and out.numel():
                    self._pointers[out.data_ptr()] = len(self.calls)
                if self.keep_arrays:
                    self.arrays.append((path, _array(first), _array(out)))
            self._held.append(out)
            self.calls.append(call)
        return hook

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._held.clear()

    def __enter__(self) -> CallRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _array(tensor):
    import numpy as np

    if tensor is None:
        return np.zeros((0,), np.float32)
    return tensor.detach().to("cpu", torch.float32).numpy().copy()


def record(model: nn.Module, x: torch.Tensor, *, keep_arrays: bool = False) -> tuple[Any, dict]:
    """Run `model(x)` (no_grad) and return its output and {"calls", "arrays"}; forward's errors propagate
    with the calls made so far in `error.recorded`."""
    with CallRecorder(model, keep_arrays=keep_arrays) as recorder, torch.no_grad():
        try:
            output = model(x)
        except Exception as error:
            # setattr: an exception of any type carries them, which no type declares
            setattr(error, "recorded", {"calls": recorder.calls, "arrays": recorder.arrays})  # noqa: B010
            raise
    return output, {"calls": recorder.calls, "arrays": recorder.arrays}


def units(calls: list[dict]) -> list[dict]:
    """The calls of modules that own tensors, first call of each module only, in call order."""
    seen, found = set(), []
    for index, call in enumerate(calls):
        if call["unit"] and call["path"] not in seen:
            seen.add(call["path"])
            found.append({**call, "index": index})
    return found


# --- Models described as JSON ---------------------------------------------------------------------

def build_base(spec: list) -> nn.Sequential:
    """An nn.Sequential from a layer spec (grader.worker.torch_protocol): [["conv", C_in, C_out, K, padding],
    ["bn", C], ["relu"], ["dropout", p], ["maxpool", K], ["avgpool", K], ["flatten"], ["linear", in, out],
    ["sequential", spec]]."""
    layers: list[nn.Module] = []
    for kind, *args in spec:
        if kind == "conv":
            c_in, c_out, kernel, padding = args
            layers.append(nn.Conv2d(c_in, c_out, kernel, padding=padding))
        elif kind == "bn":
            layers.append(nn.BatchNorm2d(*args))
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "dropout":
            layers.append(nn.Dropout(*args))
        elif kind == "maxpool":
            layers.append(nn.MaxPool2d(*args))
        elif kind == "avgpool":
            layers.append(nn.AvgPool2d(*args))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        elif kind == "linear":
            layers.append(nn.Linear(*args))
        elif kind == "sequential":
            layers.append(build_base(*args))
        else:
            raise ValueError(f"unknown layer {kind!r} in a layer spec")
    return nn.Sequential(*layers)
