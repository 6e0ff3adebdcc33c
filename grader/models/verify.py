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

import copy
import logging

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from grader.checks import Session
from grader.compare import compare_arrays
from grader.models.runs import (Model, Run, agreement, ask, reference_model, run_reference, sample_input, tolerance,
                               with_weights)
from grader.worker.torch_protocol import ForwardArgs

log = logging.getLogger(__name__)

# The grader's own losses for its replay of the worker's steps (grader.worker.torch_protocol.StepsArgs).
LOSSES = {
    "cross_entropy": lambda out, y: F.cross_entropy(out, y.long()),
    "bce": F.binary_cross_entropy_with_logits,
    "mse": F.mse_loss,
}


def best_reference(model: Model, x: np.ndarray, mode: str, actual, mine: dict) -> tuple[Run, dict]:
    """The reference run that matches `actual`, trying every accepted variant the first time; else
    the variant that agrees with the student's model for the most layers. Either way the choice
    is kept for the model's later inputs: a model is one variant or none."""
    if model.variant is not None:
        return run_reference(model, x, mode, model.variant), model.variant
    runs = []
    for variant in model.spec.variants:
        run = run_reference(model, x, mode, variant)
        if _same(run.output, actual):
            model.variant = variant
            log.debug("%s computes the reference variant %s", model.spec.call(model.kwargs), variant or "(default)")
            return run, variant
        runs.append((agreement(model, mine, run.units)[0], -len(runs), run, variant))
    _, _, run, model.variant = max(runs, key=lambda entry: entry[:2])
    return run, model.variant


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
    key = ("verified layers", model.handle)
    if key in session.cache:
        return session.cache[key]
    spec = model.spec
    with_weights(session, model, inputs)
    x = sample_input((2, *spec.input_shape(model.kwargs)), seed=2)
    result = ask(session, model, "forward", ForwardArgs(x=x, mode="eval"), inputs)
    actual = outputs(result, 1)[0]
    run, variant = best_reference(model, x, "eval", actual, {})
    verdict = ""
    if not _same(run.output, actual):
        matched = False
        for other in spec.same_layers:
            if callable(other):
                expected = np.asarray(other(run.output.astype(np.float64)))
            else:
                expected = run_reference(model, x, "eval", variant, changes=other).output
            if expected.shape == actual.shape and _same(expected, actual):
                log.debug("%s computes %s: its layers are verified", spec.call(model.kwargs), other)
                matched = True
                break
        if not matched:
            verdict = (f"given the grader's weights for the layers it declares, {spec.call(model.kwargs)} does not "
                       "compute the reference's outputs (nor those of a model with the same layers), so the "
                       "grader cannot confirm that these are the layers that run: see the outputs check")
    session.cache[key] = verdict
    return verdict


def reference_passes(model: Model, x: np.ndarray, mode: str, *, seed: int, repeat: int,
                     device: str = "cpu") -> tuple[list, dict]:
    """The reference's outputs for `repeat` passes in `mode` (torch seeded with `seed` first, as the
    worker's forward op does) and its floating buffers after them, computed on `device` (where the
    student's model runs: dropout masks come from that device's generator); its state is put back."""
    reference = reference_model(model, model.variant)
    saved = {name: buffer.clone() for name, buffer in reference.named_buffers()}
    reference.to(device).train(mode == "train")
    found = []
    torch.manual_seed(seed)
    try:
        with torch.no_grad():
            for _ in range(repeat):
                found.append(reference(torch.from_numpy(x).to(device)).cpu().numpy().copy())
            buffers = {name: buffer.cpu().numpy().copy() for name, buffer in reference.named_buffers()
                       if buffer.dtype.is_floating_point}
    finally:
        reference.to("cpu").eval()
        with torch.no_grad():
            for name, buffer in reference.named_buffers():
                buffer.copy_(saved[name])
    return found, buffers


def replay_steps(reference: nn.Module, x: np.ndarray, y: np.ndarray, *, loss: str, lr: float, weight_decay: float,
                 steps: int, mode: str, seed: int, frozen: set[str] = frozenset()) -> dict[str, np.ndarray]:
    """The grader's own run of the worker's `steps` op on a copy of `reference`: p -= lr * (grad +
    weight_decay * p) on every parameter that requires grad (and is not in `frozen`); the values after."""
    model = copy.deepcopy(reference)
    given = [p for name, p in model.named_parameters() if p.requires_grad and name not in frozen]
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(steps):
        torch.manual_seed(seed)
        model.train(mode == "train")
        model.zero_grad(set_to_none=True)
        LOSSES[loss](model(inputs), targets).backward()
        with torch.no_grad():
            for parameter in given:
                step = weight_decay * parameter
                if parameter.grad is not None:
                    step = step + parameter.grad
                parameter.sub_(lr * step)
    return {name: p.detach().numpy().copy() for name, p in model.named_parameters()}


def compare_steps(start: dict, expected: dict, returned, names: dict[str, str]) -> dict[str, list[str]]:
    """Which parameters moved unlike the replay: {"stayed", "moved", "differ", "missing"}, each a list of
    the student's names. `start` and `expected` by the reference's names, `names` student -> reference."""
    returned = returned if isinstance(returned, dict) else {}
    scale = max((float(np.max(np.abs(expected[theirs] - start[theirs]))) for theirs in names.values()
                 if expected[theirs].size), default=0.0)
    found = {"stayed": [], "moved": [], "differ": [], "missing": []}
    for mine, theirs in names.items():
        after = returned.get(mine)
        if not isinstance(after, np.ndarray) or after.shape != expected[theirs].shape:
            found["missing"].append(mine)
            continue
        mine_delta = after.astype(np.float64) - start[theirs]
        their_delta = expected[theirs].astype(np.float64) - start[theirs]
        if np.allclose(mine_delta, their_delta, rtol=1e-3, atol=1e-3 * scale + 1e-6):
            continue
        mine_moves = np.max(np.abs(mine_delta), initial=0.0) > 1e-3 * scale + 1e-6
        their_moves = np.max(np.abs(their_delta), initial=0.0) > 1e-3 * scale + 1e-6
        kind = "differ" if mine_moves and their_moves else "moved" if mine_moves else "stayed"
        found[kind].append(mine)
    return found


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
