"""Large arrays as a bank keeps them: a fixed sample of their entries and a few statistics.

The course compares whole arrays. A student kit's bank (grader.bank) cannot hold every layer's
activations of every drawn case or AlexNet's 8.5M parameters after SGD steps, so the model
oracle (grader.models.oracle) records an array of more than `keep` entries as a *sample*:

    {"sample_of": shape, "entries": the values at `positions(shape, keep)`, **statistics}

`positions(shape, keep)` are `keep` flat indices (SAMPLE = 256 for parameters after SGD steps,
TRACE_SAMPLE = 64 for a layer's activations) drawn from a generator seeded by the array's size
and `keep`: the same for the release that records and the kit that compares, whatever the
run's seed. A
comparison with a sample compares those entries (and the statistics it was given), a necessary
condition of the whole comparison: the kit never fails what the course would pass, and a wrong
array all but surely differs at one of 64 random positions.
"""

from __future__ import annotations

import numpy as np

SAMPLE = 256  # entries kept of a larger array (a trace's activations keep TRACE_SAMPLE)
TRACE_SAMPLE = 64
TAG = "sample_of"


def positions(shape, keep: int = SAMPLE) -> np.ndarray:
    """The flat indices a sample of `keep` entries of an array of `shape` holds, in increasing order."""
    size = int(np.prod(shape))
    return np.sort(np.random.default_rng([size, keep]).choice(size, size=min(keep, size), replace=False))


def sampled(array: np.ndarray, keep: int = SAMPLE, **statistics: float) -> np.ndarray | dict:
    """`array` itself when it has at most `keep` entries, else a sample of `keep` of them with
    `statistics` (floats) beside it."""
    array = np.asarray(array)
    if array.size <= keep:
        return array
    return {TAG: list(array.shape), "entries": array.reshape(-1)[positions(array.shape, keep)].copy(), **statistics}


def is_sample(value) -> bool:
    return isinstance(value, dict) and TAG in value


def shape_of(value) -> tuple:
    return tuple(value[TAG]) if is_sample(value) else np.shape(value)


def entries(value, sample: dict) -> np.ndarray:
    """The entries of `value` (an array of the sample's shape) at the positions `sample` holds."""
    return np.asarray(value).reshape(-1)[positions(sample[TAG], len(sample["entries"]))]


def picked(expected, actual) -> tuple[np.ndarray, np.ndarray] | None:
    """(expected entries, actual entries) to compare: both whole, or the sample's positions of `actual`;
    None when `actual` is not an array of the expected shape."""
    actual = np.asarray(actual) if isinstance(actual, np.ndarray) else None
    if actual is None or actual.shape != shape_of(expected):
        return None
    if is_sample(expected):
        return np.asarray(expected["entries"]), entries(actual, expected)
    return np.asarray(expected), actual
