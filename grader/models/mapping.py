"""Which tensor of the student's model is which tensor of the reference: the mapping behind every
behaviour check of the PyTorch exercises.

Both models are read the same way (grader.worker.torch_inspect): the modules that own weights
("units": Conv2d, Linear, BatchNorm), in the order forward calls them. Units are matched

1. by call order, when kinds and weight shapes agree one for one (nn.Sequential or named
   attributes, modules or torch.nn.functional for the steps without weights: all alike);
2. else by signature: kind, weight shape, stride and the unit whose output feeds it (a
   residual block that computes its shortcut first);
3. else tensor by tensor in registration order, by shape (weights used through F.conv2d).

A bias one side lacks is set to zero on the other, so a model that differs from the reference
only in a bias still computes the same function: the structure and count checks judge the bias.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from grader.worker.torch_inspect import units

log = logging.getLogger(__name__)

_SKIPPED = ("num_batches_tracked",)


class MappingError(Exception):
    """The student's weights cannot be lined up with the reference's; the message says where."""


@dataclass
class Mapping:
    pairs: list[tuple[dict, dict]]  # (student unit, reference unit), reference call order
    tensors: dict[str, str]  # student tensor name -> reference tensor name
    student_only: list[str] = field(default_factory=list)  # set to zero in the student's model
    reference_only: list[str] = field(default_factory=list)  # set to zero in the reference
    how: str = "call order"

    def student_unit(self, reference_path: str) -> dict | None:
        return next((s for s, r in self.pairs if r["path"] == reference_path), None)


def family(type_name: str) -> str:
    if "BatchNorm" in type_name:
        return "batchnorm"
    if type_name.startswith(("Conv", "LazyConv")):
        return "conv"
    if type_name in ("Linear", "LazyLinear"):
        return "linear"
    return type_name


def main_shape(unit: dict) -> tuple:
    shapes: dict[str, list[int]] = unit.get("shapes", {})
    shape = shapes.get("weight") or shapes.get("running_mean") or next(iter(shapes.values()), [])
    return tuple(shape)


def key(unit: dict) -> tuple:
    stride = unit["attrs"].get("stride") if family(unit["type"]) == "conv" else None
    return family(unit["type"]), main_shape(unit), tuple(stride) if isinstance(stride, list) else stride


def describe(unit: dict) -> str:
    """'Conv2d(3 -> 6, 5x5, stride 1, padding 2)', 'Linear(576 -> 120)', 'BatchNorm2d(96)'."""
    attrs, kind = unit["attrs"], family(unit["type"])
    if kind == "conv" and "in_channels" in attrs:
        kernel = "x".join(str(k) for k in attrs["kernel_size"])
        stride = attrs["stride"][0] if len(set(attrs["stride"])) == 1 else tuple(attrs["stride"])
        padding = attrs["padding"]
        padding = padding[0] if isinstance(padding, list) and len(set(padding)) == 1 else padding
        bias = "" if attrs.get("bias", True) else ", bias=False"
        return (f"{unit['type']}({attrs['in_channels']} -> {attrs['out_channels']}, {kernel}, stride {stride}, "
                f"padding {padding}{bias})")
    if kind == "linear" and "in_features" in attrs:
        bias = "" if attrs.get("bias", True) else ", bias=False"
        return f"{unit['type']}({attrs['in_features']} -> {attrs['out_features']}{bias})"
    if kind == "batchnorm" and "num_features" in attrs:
        return f"{unit['type']}({attrs['num_features']})"
    return f"{unit['type']} {list(main_shape(unit))}"


def map_models(student: dict, reference: dict) -> Mapping:
    """Line up the student's tensors with the reference's (`student`, `reference`: inspect results)."""
    mine, theirs = units(student.get("calls", [])), units(reference.get("calls", []))
    functional = _used_functionally(student, mine)
    mapping = None
    if not functional:
        if [key(u) for u in mine] == [key(u) for u in theirs]:
            mapping = _by_units(list(zip(mine, theirs)), "call order")
        else:
            pairs = _by_signature(mine, theirs)
            mapping = _by_units(pairs, "signature") if pairs is not None else None
    mapping = mapping or _by_registration(student, reference)
    if mapping is None:
        log.debug("no mapping: %d layers with weights against the reference's %d%s", len(mine), len(theirs),
                  f"; used outside a layer module: {', '.join(functional)}" if functional else "")
        raise MappingError(_difference(mine, theirs, functional))
    log.debug("mapped %d tensors by %s (%d only the student's, zeroed; %d only the reference's, zeroed)",
              len(mapping.tensors), mapping.how, len(mapping.student_only), len(mapping.reference_only))
    return mapping


def _used_functionally(student: dict, mine: list[dict]) -> list[str]:
    """Parameters owned by the model itself (not a submodule), so used through torch.nn.functional."""
    covered = {name for unit in mine for name in unit["tensors"].values()}
    return [name for name, *_ in student.get("parameters", []) if name not in covered and "." not in name]


def _by_units(pairs: list[tuple[dict, dict]], how: str) -> Mapping:
    mapping = Mapping(pairs=sorted(pairs, key=lambda pair: pair[1]["index"]), tensors={}, how=how)
    for mine, theirs in pairs:
        for local in sorted(set(mine["tensors"]) | set(theirs["tensors"])):
            if local in _SKIPPED:
                continue
            if local not in theirs["tensors"]:
                mapping.student_only.append(mine["tensors"][local])
            elif local not in mine["tensors"]:
                mapping.reference_only.append(theirs["tensors"][local])
            elif mine["shapes"][local] != theirs["shapes"][local]:
                raise MappingError(f"{describe(mine)} has {local} of shape {mine['shapes'][local]}, "
                                   f"expected {theirs['shapes'][local]}")
            else:
                mapping.tensors[mine["tensors"][local]] = theirs["tensors"][local]
    return mapping


def _by_signature(mine: list[dict], theirs: list[dict]) -> list[tuple[dict, dict]] | None:
    def signatures(found: list[dict]) -> dict:
        by_call = {unit["index"]: unit for unit in found}
        groups = defaultdict(list)
        for unit in found:
            producer = by_call.get(unit["producer"])
            groups[(key(unit), key(producer) if producer else None)].append(unit)
        return groups

    ours, reference = signatures(mine), signatures(theirs)
    if set(ours) != set(reference) or any(len(ours[k]) != len(reference[k]) for k in reference):
        return None
    return [pair for k in reference for pair in zip(ours[k], reference[k])]


def _by_registration(student: dict, reference: dict) -> Mapping | None:
    def tensors(info: dict) -> list[tuple[str, list]]:
        found = [(name, shape) for name, shape, *_ in info.get("parameters", [])]
        found += [(name, shape) for name, shape, floating in info.get("buffers", [])
                  if floating and name.rpartition(".")[2] not in _SKIPPED]
        return found

    mine, theirs = tensors(student), tensors(reference)
    if len(mine) != len(theirs) or any(a[1] != b[1] for a, b in zip(mine, theirs)):
        return None
    return Mapping(pairs=[], tensors={a[0]: b[0] for a, b in zip(mine, theirs)}, how="registration order")


def _difference(mine: list[dict], theirs: list[dict], functional: list[str]) -> str:
    def shown(unit: dict) -> str:
        output = f" -> {tuple(unit['output'])}" if unit.get("output") else ""
        return describe(unit) + output

    head = (f"your model's layers with weights, in the order forward calls them, do not line up with "
            f"the reference's ({len(mine)} against {len(theirs)})")
    if functional:
        head += f", and {', '.join(functional)} are used outside any layer module"
    lines = [head + ":"]
    for index in range(max(len(mine), len(theirs))):
        a = shown(mine[index]) if index < len(mine) else "(none)"
        b = shown(theirs[index]) if index < len(theirs) else "(none)"
        lines.append(f"  {index + 1}. {a}" + ("" if a == b else f"\n     expected: {b}"))
    return "\n".join(lines)
