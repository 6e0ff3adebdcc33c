"""Worker ops `meta.<name>`: what a model is made of, without its weights.

A model built under torch.device("meta") has every parameter's shape and no storage: VGG16's
138M parameters cost milliseconds this way (1.5 s and 550 MB for real), and nothing crosses
but a table. What this reports is the submission's claim about its own size: a check may lose
points on it, never earn them (the grader verifies outputs of real models elsewhere).
"""

from __future__ import annotations


import torch
from torch import nn

from grader.worker import protocol
from grader.worker.torch_inspect import parameter_table


def op_table(worker, args: dict, out_arrays: list):
    """{class, kwargs, attributes}: the parameter table of `class(**kwargs)` built on the meta device,
    each module's own parameter count in registration order, and the type of each named attribute."""
    cls = getattr(worker.module, args["class"], None)
    if cls is None:
        raise NameError(f"{args['class']} is not defined")
    with torch.device("meta"):
        model = cls(**(args.get("kwargs") or {}))
    if not isinstance(model, nn.Module):
        raise TypeError(f"{args['class']}(...) made a {type(model).__name__}, not a torch.nn.Module")
    info = parameter_table(model)
    info["modules"] = [[path, type(module).__name__, sum(p.numel() for p in module.parameters(recurse=False))]
                       for path, module in model.named_modules() if module._parameters]
    info["attributes"] = {name: _kind(getattr(model, name, None)) for name in args.get("attributes", [])}
    return protocol.encode(info, out_arrays)


def op_values(worker, args: dict, out_arrays: list):
    """{names}: the submission's module-level values of these names (constants such as VGG16_ARCH);
    a missing name is None. Plain data and arrays only: anything else crosses as a description."""
    return protocol.encode({name: getattr(worker.module, name, None) for name in args["names"]}, out_arrays)


def _kind(value) -> str | None:
    """'Module' for any nn.Module, None when missing, else the type's name."""
    if value is None:
        return None
    return "Module" if isinstance(value, nn.Module) else type(value).__name__


OPS = {"table": op_table, "values": op_values}
