"""What the grader verifies itself: the only ground a model check's points stand on.

The worker runs the student's code, and that code can replace the worker's own functions, so
whatever the worker says is a claim. The grader chooses weights (its reference's, randomized
with the run's seed), inputs and steps, and recomputes the answers on its reference:

- outputs: with the grader's weights on the tensors the student declares, the model's outputs
  on the grader's input are the reference's (or, for the structure and count checks, those of
  a reference with the same layers, ModelSpec.same_layers);
- modes: outputs in eval and training mode (torch seeded alike on both sides) and the
  BatchNorm statistics after training-mode passes are the reference's;
- training: the parameters after k SGD steps from the grader's weights are those of the
  grader's own replay of the same steps on its reference.

A claim (a parameter table, a list of changed tensors, a loss) may shape a hint or cost
points; only the values checked here earn them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from grader.bank import is_recording
from grader.checks import Session
from grader.compare import compare_arrays
from grader.models import oracle
from grader.models.reference import agreement, expected_output, expected_trace, tolerance, with_weights
from grader.models.runs import Model, ask
from grader.models.samples import entries, is_sample, shape_of
from grader.models.weights import sample_input
from grader.worker.torch_protocol import ForwardArgs

log = logging.getLogger(__name__)


def best_reference(model: Model, x: np.ndarray, mode: str, actual, mine: dict) -> tuple[np.ndarray, dict]:
    """The reference output that matches `actual`, trying every accepted variant the first time; else
    the variant that agrees with the student's model for the most layers. Either way the choice
    is kept for the model's later inputs: a model is one variant or none."""
    for_every_variant(model, lambda variant: expected_output(model, x, mode, variant))
    if model.variant is not None:
        return expected_output(model, x, mode, model.variant), model.variant
    found = []
    for variant in model.spec.variants:
        expected = expected_output(model, x, mode, variant)
        if _same(expected, actual):
            model.variant = variant
            log.debug("%s computes the reference variant %s", model.spec.call(model.kwargs), variant or "(default)")
            return expected, variant
        found.append((expected, variant))
    if len(found) == 1 or not mine or model.mapping is None or not model.mapping.pairs:  # nothing to choose by
        model.variant = found[0][1]
        return found[0]
    ranked = [(agreement(model, mine, expected_trace(model, x, mode, variant))[0], -index, index)
              for index, (_, variant) in enumerate(found)]
    expected, model.variant = found[max(ranked)[2]]
    return expected, model.variant


def for_every_variant(model: Model, question: Callable[[dict], object]) -> None:
    """While a bank is being recorded (grade release): `question(variant)` for every accepted variant of the
    model's spec, so that the kit judges a model of any of them on this case, not only the recorded one's."""
    if is_recording():
        with oracle.for_the_bank():
            for variant in model.spec.variants:
                question(variant)


def anticipated(session: Session, model: Model, x: np.ndarray, mode: str) -> None:
    """While a bank is being recorded: what the kit needs to explain any model's failure on this case,
    whatever the recorded submission computes: each variant's layer trace (where two models part, and
    which variant is nearest) and the output of each known mistake that `reproduces` (its hint)."""
    if not is_recording():
        return
    changed = [changes for mistake in session.exercise.mistakes  # set by mistakes.reproduces: always a dict
               if mistake.function == model.spec.cls and (changes := getattr(mistake.detect, "changes", None)) is not None]
    with oracle.for_the_bank():
        for variant in model.spec.variants:
            expected_trace(model, x, mode, variant)
            for changes in changed:
                expected_output(model, x, mode, variant, changes=changes)


def _same(expected: np.ndarray, actual) -> bool:
    return isinstance(actual, np.ndarray) and compare_arrays(expected, actual, **tolerance(expected)) is None


def outputs(result, count: int) -> list[np.ndarray]:
    """The first `count` output arrays of a forward reply; an empty array for each one that is missing
    or not an array (a claim the comparison then refutes)."""
    found = result.get("outputs") if isinstance(result, dict) else None
    found = found if isinstance(found, list) else []
    return [item if isinstance(item, np.ndarray) else np.zeros((0,), np.float32) for item in found[:count]] + \
        [np.zeros((0,), np.float32)] * max(0, count - len(found))


def verified_layers(session: Session, model: Model, inputs: dict) -> str:
    """"" when the model, given the grader's weights on the tensors it declares, computes in eval
    mode the reference's outputs (or a `same_layers` variant's) on the grader's input; else why not.

    Once per model and run: the structure and count checks both stand on it.
    """
    key = _verified_key(model)
    if key in session.cache:
        return session.cache[key]
    spec = model.spec
    with_weights(session, model, inputs)
    x = sample_input((2, *spec.input_shape(model.kwargs)), seed=2)
    result = ask(session, model, "forward", ForwardArgs(x=x, mode="eval"), inputs)
    actual = outputs(result, 1)[0]
    reference, variant = best_reference(model, x, "eval", actual, {})
    for other in (entry for entry in spec.same_layers if not callable(entry)):
        for_every_variant(model, lambda each: expected_output(model, x, "eval", each, changes=other))
    verdict = ""
    if not _same(reference, actual):
        matched = False
        for other in spec.same_layers:
            if callable(other):
                expected = np.asarray(other(reference.astype(np.float64)))
            else:
                expected = expected_output(model, x, "eval", variant, changes=other)
            if expected.shape == actual.shape and _same(expected, actual):
                log.debug("%s computes %s: its layers are verified", spec.call(model.kwargs), other)
                model.same_as, matched = other, True
                break
        if not matched:
            verdict = (f"given the grader's weights for the layers it declares, {spec.call(model.kwargs)} does not "
                       "compute the reference's outputs (nor those of a model with the same layers), so the "
                       "grader cannot confirm that these are the layers that run: see the outputs check")
    session.cache[key] = verdict
    return verdict


def layers_verified(session: Session, model: Model) -> bool:
    """Has verified_layers judged `model` already (so that asking again asks the worker nothing)?"""
    return _verified_key(model) in session.cache


def _verified_key(model: Model) -> tuple[str, str]:
    return "verified layers", model.handle


def reference_passes(model: Model, x: np.ndarray, mode: str, *, seed: int, repeat: int,
                     device: str = "cpu") -> tuple[list, dict]:
    """The reference's outputs for `repeat` passes in `mode` (torch seeded with `seed` first, as the
    worker's forward op does) and its floating buffers after them (named as in the base reference),
    computed on `device`, where the student's model runs (dropout masks come from that device's
    generator)."""
    assert model.reference is not None  # given with the student's weights (reference.with_weights)
    found = oracle.passes(model.session, model.reference.but(model.variant), x, mode, seed=seed, repeat=repeat,
                          device=device)
    return found["outputs"], found["buffers"]


def compare_steps(start: dict, expected: dict, returned, names: dict[str, str], *,
                  scale: float | None = None) -> dict[str, list[str]]:
    """Which parameters moved unlike the replay: {"stayed", "moved", "differ", "missing"}, each a list of
    the student's names. `start` and `expected` by the reference's names, `names` student -> reference.

    An expected value may be a bank's sample (grader.models.samples, with the replay's largest and
    total change, delta_max and delta_norm): the student kit then compares the sampled entries and
    the norm of the change, which the whole comparison implies.

    Computed in float64 one tensor at a time (`start` may be float32): the replay's largest change sets the
    tolerance, so it is found first, and each change computed again where it is compared, rather than
    all of them held at once (AlexNet's: 68 MB, besides the start and the replay). `scale`: that largest
    change, where steps_scale has found it already."""
    returned = returned if isinstance(returned, dict) else {}
    atol = 1e-3 * (steps_scale(start, expected, names) if scale is None else scale) + 1e-6
    found: dict[str, list[str]] = {"stayed": [], "moved": [], "differ": [], "missing": []}
    for mine, theirs in names.items():
        after = returned.get(mine)
        if not isinstance(after, np.ndarray) or after.shape != shape_of(expected[theirs]):
            found["missing"].append(mine)
            continue
        mine_delta = after.astype(np.float64) - start[theirs]
        their_delta, their_largest, their_norm = _change(start[theirs], expected[theirs])
        compared = entries(mine_delta, expected[theirs]) if is_sample(expected[theirs]) else mine_delta
        if np.allclose(compared, their_delta, rtol=1e-3, atol=atol) and (
                their_norm is None or abs(np.linalg.norm(mine_delta) - their_norm)
                <= 1e-3 * their_norm + atol * np.sqrt(mine_delta.size)):
            continue
        mine_moves = np.max(np.abs(mine_delta), initial=0.0) > atol
        their_moves = their_largest > atol
        kind = "differ" if mine_moves and their_moves else "moved" if mine_moves else "stayed"
        found[kind].append(mine)
    return found


def steps_scale(start: dict, expected: dict, names: dict[str, str]) -> float:
    """The replay's largest change of a parameter, which sets compare_steps' tolerance."""
    return max((_change(start[theirs], expected[theirs])[1] for theirs in names.values()), default=0.0)


def _change(start: np.ndarray, expected) -> tuple[np.ndarray, float, float | None]:
    """(the replay's change, where known: all of it or the sample's entries; its largest magnitude; its
    norm, None when the change is known whole)."""
    if is_sample(expected):
        change = np.asarray(expected["entries"], np.float64) - entries(start, expected)
        return change, float(expected["delta_max"]), float(expected["delta_norm"])
    change = np.asarray(expected).astype(np.float64) - start
    return change, float(np.max(np.abs(change), initial=0.0)), None


def steps_problems(found: dict[str, list[str]], steps: int) -> list[str]:
    """The verified differences of compare_steps, in words."""
    words = {
        "missing": "came back from the steps without a value of their shape",
        "stayed": "did not move, where the reference's moved (frozen, or not given to the optimizer?)",
        "moved": "moved, where the reference's stayed (not frozen, or given to the optimizer while frozen?)",
        "differ": f"moved differently from the reference's in {steps} steps (the gradient differs)",
    }
    return [f"{len(names)} parameter{'s' if len(names) > 1 else ''} {words[kind]}: {listed(names)}"
            for kind, names in found.items() if names]


def listed(names: list[str]) -> str:
    if not names:
        return "no buffer"
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
