"""Small pieces that the NumPy declarations' mistake detectors and fixed examples share.

A detector gets `(inputs, expected, outcome)`: the failing input, the reference's answer and
what the worker gave back (a grader.worker.wire.Outcome). These read the outcome the same way
in every exercise; a detector that means something of its own stays in its declaration.
"""

from __future__ import annotations

import numpy as np

from grader.compare import as_array


def returned_array(outcome) -> np.ndarray | None:
    """What the student's function returned, as an array; None where it raised or the worker failed."""
    return as_array(outcome.value) if outcome.ok else None


def raised_error(outcome) -> dict:
    """The student's exception as the worker reports it (`type`, `message`, `line`, `source`); {} where
    the call returned."""
    return (outcome.error or {}) if not outcome.ok else {}


def same_array(actual: np.ndarray | None, expected) -> bool:
    """`actual` has `expected`'s shape and values (np.allclose), whatever its dtype."""
    return actual is not None and actual.shape == np.shape(expected) and np.allclose(actual, expected)


def uint8_wrapped(inputs: dict, expected, outcome) -> bool:
    """A detector: uint8 arithmetic wrapped around. On pixel inputs whose true answer exceeds 255, the
    values come out short of the truth by multiples of 256."""
    actual = returned_array(outcome)
    pixels = any(isinstance(v, np.ndarray) and v.dtype == np.uint8 for v in inputs.values())
    if actual is None or actual.shape != np.shape(expected) or not pixels or np.max(expected) <= 255:
        return False
    short = (np.asarray(expected, dtype=np.float64) - actual) / 256
    return bool(np.any(short > 0.5) and np.allclose(short, np.round(short)) and np.all(short > -1e-9))


def quarters(shape: tuple, seed: int, dtype=np.float64) -> np.ndarray:
    """Deterministic values in quarter steps in [-2, 2]: a fixed example's arrays."""
    return (np.random.default_rng(seed).integers(-8, 9, size=shape) / 4).astype(dtype)


def per_axis(value) -> tuple:
    """A size, stride or padding as (for H, for W): an int stands for both."""
    return (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
