"""Calling a submission's functions on PyTorch arguments of the grader's choosing, and judging the result.

The worker (grader.worker.torchcall_ops) builds what the grader describes (models from a layer
spec or the submission's class, with the grader's weights or a seeded fill; loaders; SGD
optimizers; tensors), calls the function and sends back the value and every model's state. All
of that is a claim: the checks built here replay the same call with the reference, from the
same start, on the same batches, and compare values and parameters themselves.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from grader.checks import Falsified, Session, Stop
from grader.compare import describe_value
from grader.models.checks import fail
from grader.models.runs import Evidence, ModelOutcome
from grader.worker.torchcall_ops import build_layers, seeded_factors, seeded_values, statistics

__all__ = ["build_layers", "seeded_factors", "seeded_values", "statistics", "call", "layers_model", "state_of",
           "state_problems", "numbers", "close", "he_uniform_problems", "default_init", "stats_of"]


def call(session: Session, request: dict, *, function: str, inputs: dict, evidence: Evidence | None = None,
         timeout: float | None = None, op: str = "call") -> dict:
    """The worker's answer to `torchcall.<op>` ("call" or "sgd"); its failures are failures of `function`,
    carrying `evidence`."""
    try:
        result = session.request(f"torchcall.{op}", request, function=function, inputs=inputs, timeout=timeout)
    except (Falsified, Stop) as failure:
        falsified = stopped(failure)
        outcome = falsified.outcome
        if outcome is not None and not isinstance(outcome, ModelOutcome):
            fields = {name: getattr(outcome, name) for name in outcome.__dataclass_fields__}
            falsified.outcome = ModelOutcome(**fields, evidence=evidence or Evidence())
        raise
    if not isinstance(result, dict) or not isinstance(result.get("models"), list) or \
            len(result["models"]) != len(request.get("objects") or []) or \
            not all(isinstance(report, dict) for report in result["models"]):
        raise Stop(fail("the worker's reply was malformed", None, inputs, evidence, function=function))
    return result


def layers_model(layers: list, state: dict | None = None, *, dtype=torch.float64) -> torch.nn.Module:
    """The grader's copy of a layer-spec model, with `state` (arrays by name) loaded."""
    model = build_layers(layers).to(dtype)
    if state is not None:
        model.load_state_dict({name: torch.from_numpy(np.array(array)) for name, array in state.items()})
    return model


def state_of(model: torch.nn.Module) -> dict:
    return {name: tensor.detach().cpu().numpy().copy() for name, tensor in model.state_dict().items()}


def close(expected, actual, *, rtol: float, atol: float) -> bool:
    expected, actual = np.asarray(expected, dtype=np.float64), np.asarray(actual)
    if actual.shape != expected.shape or actual.dtype.kind not in "biuf":
        return False
    return bool(np.allclose(actual.astype(np.float64), expected, rtol=rtol, atol=atol, equal_nan=False))


def state_problems(expected: dict, actual, *, rtol: float = 1e-7, atol: float = 1e-9, limit: int = 4) -> list[str]:
    """How the parameters and buffers the worker sent differ from the replay's, one line each."""
    if not isinstance(actual, dict):
        return [f"the model's state came back as {describe_value(actual)}"]
    problems = []
    for name, value in expected.items():
        got = actual.get(name)
        if got is None:
            problems.append(f"{name} is missing from the model")
        elif np.shape(got) != value.shape:
            problems.append(f"{name} has shape {np.shape(got)}, expected {value.shape}")
        elif not close(value, got, rtol=rtol, atol=atol):
            difference = float(np.max(np.abs(np.asarray(got, np.float64) - value)))
            problems.append(f"{name} differs from the replay by up to {difference:.3g}")
    return problems[:limit] + ([f"... and {len(problems) - limit} more"] if len(problems) > limit else [])


def numbers(value, count: int) -> list[float] | None:
    """`value` as `count` floats (numbers, 0-d arrays or 1-element arrays), or None."""
    if not isinstance(value, (tuple, list)) or len(value) != count:
        return None
    found = []
    for item in value:
        array = np.asarray(item) if not isinstance(item, bool) else np.asarray(None)
        if array.dtype.kind not in "iuf" or array.size != 1:
            return None
        found.append(float(array.reshape(-1)[0]))
    return found


def he_uniform_problems(stats: dict) -> list[str]:
    """What breaks Keras's he_uniform in per-parameter statistics ({name: {shape, count, min, max, std}}):
    weights uniform in +-sqrt(6 / fan_in) (fan_in = the product of the shape after the first axis),
    biases zero. With 100 values or more, uniform means a largest |w| near the bound and a standard
    deviation near bound / sqrt(3)."""
    problems = []
    for name, stat in stats.items():
        shape, count = stat["shape"], stat["count"]
        largest = max(abs(stat["min"]), abs(stat["max"]))
        if len(shape) < 2:
            if largest != 0:
                problems.append(f"{name} {tuple(shape)}: biases start at zero, found values up to {largest:.3g}")
            continue
        bound = math.sqrt(6.0 / max(math.prod(shape[1:]), 1))
        if largest > bound * (1 + 1e-5):
            problems.append(f"{name} {tuple(shape)}: values up to {largest:.4g}, beyond sqrt(6 / fan_in) = {bound:.4g}")
        elif count >= 100 and largest < 0.9 * bound:
            problems.append(f"{name} {tuple(shape)}: the largest |value| is {largest:.4g}; uniform in "
                            f"+-sqrt(6 / fan_in) reaches near {bound:.4g}")
        elif count >= 100 and not 0.8 <= stat["std"] / (bound / math.sqrt(3)) <= 1.2:
            problems.append(f"{name} {tuple(shape)}: standard deviation {stat['std']:.4g}; uniform in "
                            f"+-{bound:.4g} has {bound / math.sqrt(3):.4g}")
    return problems


def default_init(stats: dict) -> bool:
    """Do the statistics look like PyTorch's own default (weights and biases in +-1/sqrt(fan_in))?"""
    weights = [s for s in stats.values() if len(s["shape"]) >= 2]
    biases = [s for s in stats.values() if len(s["shape"]) < 2]
    inside = all(max(abs(s["min"]), abs(s["max"])) <= (1 + 1e-5) / math.sqrt(max(math.prod(s["shape"][1:]), 1))
                 for s in weights)
    return bool(weights) and inside and any(s["max"] != 0 or s["min"] != 0 for s in biases)


def stats_of(state: dict) -> dict:
    """statistics() of each parameter in a state the worker sent (the grader computes these itself)."""
    return {name: statistics(torch.from_numpy(np.asarray(array, dtype=np.float64))) for name, array in state.items()
            if np.asarray(array).dtype.kind == "f"}


def stopped(failure) -> Falsified:
    return failure.falsified if isinstance(failure, Stop) else failure
