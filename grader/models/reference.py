"""The reference beside the student's model, with the same weights: give the student's model the
grader's weights through the mapping (grader.models.mapping), ask the oracle what the reference
computes with them, say where the two part.

The weights are random (BatchNorm statistics and signs included, so that a misplaced layer
shows), drawn from the reference's init table and the run's seed (grader.models.weights); the
reference is only ever reached through grader.models.oracle, so the student kit, which holds
the oracle's recorded answers and no reference, judges the same way.
"""

from __future__ import annotations

import logging

import numpy as np

from grader.bank import NotInBank
from grader.checks import Falsified, Session, Stop
from grader.compare import compare_arrays
from grader.models import oracle
from grader.models.mapping import MappingError, describe, map_models
from grader.models.runs import Evidence, Model, ModelOutcome, ask, repeated
from grader.models.samples import is_sample, picked
from grader.models.weights import randomized_state

log = logging.getLogger(__name__)

RTOL = 1e-4
ATOL = 1e-4


def with_weights(session: Session, model: Model, inputs: dict) -> Model:
    """Give the student's model the grader's random weights (once per model), through the mapping."""
    if model.mapping is not None:
        return model
    failed = session.cache.get(("mapping", model.handle))
    if failed is not None:
        raise Stop(repeated(failed))
    spec, kwargs = model.spec, model.kwargs
    shown = dict(kwargs)
    reference_info = oracle.structure(session, spec, kwargs)
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
    state = randomized_state(reference_info["init"], session.seed)
    state.update({name: np.zeros_like(state[name]) for name in mapping.reference_only})
    shapes = {name: shape for name, shape, *_ in [*model.info["parameters"], *model.info["buffers"]]}
    sent = {mine: state[theirs].copy() for mine, theirs in mapping.tensors.items()}
    sent.update({name: np.zeros(shapes[name], np.float32) for name in mapping.student_only})
    ask(session, model, "load", {"state": sent}, inputs)
    log.debug("%s: the reference's weights go to %d of its tensors, mapped by %s", spec.call(kwargs), len(sent),
              mapping.how)
    model.reference = oracle.Reference(spec, dict(kwargs), session.seed, tuple(sorted(mapping.reference_only)))
    model.reference_info, model.mapping, model.sent, model.state = reference_info, mapping, sent, state
    return model


def expected_output(model: Model, x: np.ndarray, mode: str, variant: dict | None = None, *,
                    changes: dict | None = None) -> np.ndarray:
    """The reference's output on `x` in `mode` (train or eval), with the student's weights; as `variant`
    (None: the spec's first), changed by a known mistake's `changes`."""
    assert model.reference is not None  # given with the student's weights (with_weights)
    return oracle.output(model.session, model.reference.but(variant, changes), x, mode)


def expected_trace(model: Model, x: np.ndarray, mode: str, variant: dict | None = None) -> dict:
    """Each reference unit's first (input, output) on `x`, by path; {} where the kit's bank holds none
    (then no message says where the two models part)."""
    assert model.reference is not None  # given with the student's weights (with_weights)
    try:
        return oracle.trace(model.session, model.reference.but(variant), x, mode)
    except NotInBank:
        return {}


def tolerance(expected: np.ndarray) -> dict:
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return {"rtol": RTOL, "atol": ATOL * (1.0 + scale)}


def agrees(expected, actual) -> bool:
    """Does `actual` equal the reference's `expected` (an array, or a bank's sample of one) within tolerance?"""
    pair = picked(expected, actual)
    if pair is None:
        return False
    wanted, got = pair
    scale = expected["max_abs"] if is_sample(expected) else (float(np.max(np.abs(wanted))) if wanted.size else 0.0)
    return compare_arrays(wanted, got, rtol=RTOL, atol=ATOL * (1.0 + scale)) is None


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
        if agrees(their_out, my_out):
            previous = f"the output of {name}"
            continue
        if not agrees(their_in, my_in):
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


def first_calls(arrays: list) -> dict:
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for path, given, produced in arrays:
        found.setdefault(path, (np.asarray(given), np.asarray(produced)))
    return found
