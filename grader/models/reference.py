"""The reference model beside the student's, with the same weights: build it, randomize it, give the
student's model its weights through the mapping (grader.models.mapping), run it, say where the
two part.

The reference is given random weights (BatchNorm statistics and signs included, so that a
misplaced layer shows), and the same weights are copied into the student's model; outputs,
layer by layer, are then compared here.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from grader.checks import Falsified, Session, Stop
from grader.compare import compare_arrays
from grader.models.mapping import MappingError, describe, map_models
from grader.models.runs import Evidence, Model, ModelOutcome, ModelSpec, ask, copied, sample_input
from grader.worker.torch_inspect import parameter_table, record

log = logging.getLogger(__name__)

RTOL = 1e-4
ATOL = 1e-4

# The references are small and the worker runs beside this process: more than one thread
# here only makes both wait for each other (a LeNet forward pass took 100x longer with two).
torch.set_num_threads(1)


# --- The reference, with weights the student's model also gets ----------------------------------------

def randomize(model: nn.Module, seed: int) -> nn.Module:
    """Random weights that keep activations near 1, BatchNorm scales of both signs, running
    statistics away from (0, 1): a BatchNorm before a max pool or a ReLU then shows."""
    generator = torch.Generator().manual_seed(seed)

    def normal(tensor, std):
        tensor.copy_(torch.randn(tensor.shape, generator=generator) * std)

    def uniform(tensor, low, high):
        tensor.copy_(low + (high - low) * torch.rand(tensor.shape, generator=generator))

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                if module.weight is not None:
                    uniform(module.weight, 0.5, 1.5)
                    signs = torch.rand(module.weight.shape, generator=generator) < 0.3
                    module.weight.mul_(torch.where(signs, -1.0, 1.0))
                    normal(module.bias, 0.3)
                if module.running_mean is not None:
                    normal(module.running_mean, 0.3)
                    uniform(module.running_var, 0.5, 2.0)
                continue
            for name, parameter in module.named_parameters(recurse=False):
                if name == "weight" and parameter.dim() > 1:
                    normal(parameter, math.sqrt(2.0 / parameter[0].numel()))
                else:
                    normal(parameter, 0.1)
    return model


def reference_structure(session: Session, spec: ModelSpec, kwargs: dict) -> dict:
    """The reference's parameters and calls on the input get_model inspects, once per run; the
    model built for it is kept for with_weights (an AlexNet takes a tenth of a second to build)."""
    key = (spec.cls, repr(sorted(kwargs.items())))
    if ("reference structure", *key) not in session.cache:
        reference = spec.build_reference(kwargs, spec.variants[0]).eval()
        output, recorded = record(reference, torch.from_numpy(sample_input((2, *spec.input_shape(kwargs)), seed=1)))
        session.cache[("reference structure", *key)] = {**parameter_table(reference), "calls": recorded["calls"],
                                                        "output": list(output.shape)}
        session.cache[("reference model", *key)] = reference
    return session.cache[("reference structure", *key)]


def with_weights(session: Session, model: Model, inputs: dict) -> Model:
    """Give the student's model the reference's random weights (once per model), through the mapping."""
    if model.mapping is not None:
        return model
    failed = session.cache.get(("mapping", model.handle))
    if failed is not None:
        raise Stop(copied(failed))
    spec, kwargs = model.spec, model.kwargs
    shown = dict(kwargs)
    reference_info = reference_structure(session, spec, kwargs)
    reference = session.cache.pop(("reference model", spec.cls, repr(sorted(kwargs.items()))), None)
    reference = randomize(reference or spec.build_reference(kwargs, spec.variants[0]), seed=session.seed).eval()
    try:
        mapping = map_models(model.info, reference_info)
    except MappingError as error:
        lines = str(error).splitlines()
        first = next((f"; the first difference, layer {lines[index - 1].strip()}, {line.strip()}"
                      for index, line in enumerate(lines)
                      if index and line.strip().startswith("expected:")), "")
        falsified = Falsified(f"the grader cannot give {spec.call(kwargs)} the reference's weights to compare "
                              f"outputs: {lines[0].rstrip(':')}{first}", function=spec.cls, inputs=shown,
                              outcome=ModelOutcome(True, evidence=Evidence(model=model)))
        session.cache[("mapping", model.handle)] = falsified
        raise Stop(falsified) from None
    state = {name: tensor.detach() for name, tensor in [*reference.named_parameters(), *reference.named_buffers()]}
    with torch.no_grad():
        for name in mapping.reference_only:
            state[name].zero_()
    shapes = {name: shape for name, shape, *_ in [*model.info["parameters"], *model.info["buffers"]]}
    sent = {mine: state[theirs].numpy().copy() for mine, theirs in mapping.tensors.items()}
    sent.update({name: np.zeros(shapes[name], np.float32) for name in mapping.student_only})
    ask(session, model, "load", {"state": sent}, inputs)
    log.debug("%s: the reference's weights go to %d of its tensors, mapped by %s", spec.call(kwargs), len(sent),
              mapping.how)
    model.reference, model.reference_info, model.mapping, model.sent = reference, reference_info, mapping, sent
    return model


@dataclass
class Run:
    """One forward pass: the output, each unit's first (input, output) by path, every call made."""

    output: np.ndarray
    units: dict
    calls: list
    buffers_changed: list = field(default_factory=list)


def reference_model(model: Model, variant: dict | None = None, changes: dict | None = None) -> nn.Module:
    """The reference with the student's weights; another variant (or a known mistake's `changes`)
    is built afresh and given the same state."""
    spec = model.spec
    if (variant is None or variant == spec.variants[0]) and not changes:
        return model.reference
    wanted = {**(variant or spec.variants[0]), **(changes or {})}
    key = repr(sorted(wanted.items()))
    if key not in model.built:  # an AlexNet takes a tenth of a second to build: once per variant
        model.built[key] = spec.build_reference(model.kwargs, wanted)
        copy_state(model.reference, model.built[key])
    return model.built[key].eval()


def copy_state(source: nn.Module, target: nn.Module) -> None:
    """Parameters and buffers in registration order: variants wrap layers differently, so their
    names differ ('features.0.weight', 'features.0.1.weight'), never their order or shapes."""
    mine = [*source.parameters(), *source.buffers()]
    theirs = [*target.parameters(), *target.buffers()]
    if [t.shape for t in mine] != [t.shape for t in theirs]:
        raise ValueError(f"{type(target).__name__} variant does not hold the same tensors as the reference")
    with torch.no_grad():
        for a, b in zip(mine, theirs):
            b.copy_(a)


def run_reference(model: Model, x: np.ndarray, mode: str, variant: dict | None = None, *,
                  changes: dict | None = None) -> Run:
    """The reference's forward pass on `x` in `mode` (train or eval); its buffers are put back."""
    reference = reference_model(model, variant, changes)
    saved = {name: buffer.clone() for name, buffer in reference.named_buffers()}
    reference.train(mode == "train")
    output, recorded = record(reference, torch.from_numpy(x), keep_arrays=True)
    changed = []
    with torch.no_grad():
        for name, buffer in reference.named_buffers():
            if not torch.equal(buffer, saved[name]):
                changed.append(name)
                buffer.copy_(saved[name])
    reference.eval()
    return Run(output.numpy(), first_calls(recorded["arrays"]), recorded["calls"], changed)


def first_calls(arrays: list) -> dict:
    found = {}
    for path, given, produced in arrays:
        found.setdefault(path, (np.asarray(given), np.asarray(produced)))
    return found


def tolerance(expected: np.ndarray) -> dict:
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return {"rtol": RTOL, "atol": ATOL * (1.0 + scale)}


def agreement(model: Model, mine: dict, theirs: dict) -> tuple[int, str]:
    """How many layers with weights, in the reference's order, give the reference's output; and
    where they part, in words. A layer whose output agrees counts even if its input does not
    (padding done before the conv on one side and inside it on the other)."""
    if model.mapping is None or not model.mapping.pairs:
        return 0, ""
    previous = "the input x"
    for count, (student_unit, reference_unit) in enumerate(model.mapping.pairs):
        if student_unit["path"] not in mine or reference_unit["path"] not in theirs:
            return count, ""
        (my_in, my_out), (their_in, their_out) = mine[student_unit["path"]], theirs[reference_unit["path"]]
        name = describe(reference_unit)
        if compare_arrays(their_out, my_out, **tolerance(their_out)) is None:
            previous = f"the output of {name}"
            continue
        if compare_arrays(their_in, my_in, **tolerance(their_in)) is not None:
            return count, (f"Layer by layer, your model agrees with the reference up to {previous}; the input of "
                           f"{name} already differs, so look at what comes between them (activation, pooling, "
                           f"flatten, BatchNorm or Dropout, and their order).")
        return count, (f"Layer by layer, the input of {name} agrees with the reference but its output differs "
                       f"(its padding, stride, or the mode it runs in?).")
    return len(model.mapping.pairs), (
        f"Every layer with weights agrees with the reference, up to {previous}: what differs is computed "
        f"after it.")


def where_they_part(model: Model, mine: dict, theirs: dict) -> str:
    return agreement(model, mine, theirs)[1]
