"""Comparing what the submission returned with what the reference computed.

Every comparison ends in `None` (they agree) or a `Mismatch` whose message a student can act
on: the type, the shape, the dtype, or the positions where the values differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.worker.wire import Opaque

RTOL = 1e-5
ATOL = 1e-6
_SHOWN_POSITIONS = 3


@dataclass(frozen=True)
class Mismatch:
    message: str
    differences: str = ""


def as_array(value) -> np.ndarray | None:
    """`value` as a numeric array, or None when it is not array-like (None, a string, an object)."""
    if value is None or isinstance(value, (str, dict, Opaque)):
        return None
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        return None
    return array if array.dtype.kind in "biufc" else None


def describe_value(value) -> str:
    """'a float64 array of shape (2, 3)', 'None', 'a list', ..."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, Opaque):
        return f"a {value.type_name} ({value.text[:60]})"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def compare_arrays(expected: np.ndarray, actual, *, rtol: float = RTOL, atol: float = ATOL,
                   require_float: bool = True) -> Mismatch | None:
    """Compare type, shape, dtype (floating point when `require_float`) and values."""
    expected = np.asarray(expected)
    array = as_array(actual)
    if array is None:
        return Mismatch(f"returned {describe_value(actual)}, expected an array of shape {expected.shape}")
    if array.shape != expected.shape:
        return Mismatch(f"returned shape {array.shape}, expected {expected.shape}")
    if require_float and array.dtype.kind not in "fc":
        return Mismatch(
            f"returned dtype {array.dtype}, expected floating point: convert with .astype(np.float64) "
            "before computing, so that nothing overflows or is truncated"
        )
    return compare_values(expected, array, rtol=rtol, atol=atol)


def compare_values(expected: np.ndarray, actual: np.ndarray, *, rtol: float = RTOL,
                   atol: float = ATOL) -> Mismatch | None:
    """Where two arrays of the same shape differ, in words."""
    close = _close(actual, expected, rtol=rtol, atol=atol)
    if close.all():
        return None
    wrong = np.argwhere(~close)
    shown = "; ".join(
        f"{list(map(int, index))}: expected {_number(expected[tuple(index)])}, got {_number(actual[tuple(index)])}"
        for index in wrong[:_SHOWN_POSITIONS]
    )
    more = f" (and {len(wrong) - _SHOWN_POSITIONS} more)" if len(wrong) > _SHOWN_POSITIONS else ""
    return Mismatch(
        f"returned wrong values at {len(wrong)} of {close.size} positions",
        f"differs at {shown}{more}",
    )


def isclose(actual: np.ndarray, expected: np.ndarray, *, rtol: float, atol: float) -> np.ndarray:
    """np.isclose(actual, expected, rtol=rtol, atol=atol) for two arrays: its own arithmetic, less the
    handling of every kind of argument that made it four times as long (13 us; a student's grade
    compares thousands of times)."""
    expected = np.asanyarray(expected, dtype=np.result_type(expected, 1.0))  # never an integer: abs(MIN_INT)
    return (np.less_equal(np.abs(actual - expected), atol + rtol * np.abs(expected)) & np.isfinite(expected)) \
        | (actual == expected)


def _close(actual: np.ndarray, expected: np.ndarray, *, rtol: float, atol: float) -> np.ndarray:
    """Where `actual`, in float64 (complex128 if complex), is close to `expected`, without warnings."""
    with np.errstate(all="ignore"):
        return isclose(actual.astype(np.complex128 if actual.dtype.kind == "c" else np.float64), expected,
                       rtol=rtol, atol=atol)


def _number(value) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:.6g}" if isinstance(value, float) else str(value)


# -- large arrays, as reports and the gradebook keep them ---------------------------------------

LARGE_ARRAY = 1024  # elements: above this an array is kept as an ArraySummary, not value by value
WINDOW = 8  # elements along each of the last two axes


@dataclass(frozen=True)
class ArraySummary:
    """A large array as a report shows it: shape, dtype, statistics and a small window of values.

    `window` is `array[tuple(slice(start, start + size) for start, size in zip(window_start,
    window.shape))]`: the values around `window_start`, e.g. around the first difference.
    Statistics are over the finite values (None when there are none; magnitudes for complex).
    """

    dtype: str
    shape: tuple[int, ...]
    minimum: float | None
    maximum: float | None
    mean: float | None
    nan_count: int
    window: np.ndarray
    window_start: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


def summarize_array(array: np.ndarray, *, around: tuple[int, ...] | None = None, window: int = WINDOW) -> ArraySummary:
    """`array` summarized, with a window of at most `window` x `window` values around `around`
    (an index of `array`; the first element by default) in its last two axes and just
    `around`'s index along the others."""
    array = np.asarray(array)
    around = tuple(around) if around is not None and len(around) == array.ndim else (0,) * array.ndim
    start, stop = [], []
    for axis, (index, length) in enumerate(zip(around, array.shape)):
        size = min(window, length) if axis >= array.ndim - 2 else min(1, length)
        first = min(max(index - size // 2, 0), max(length - size, 0))
        start.append(first)
        stop.append(first + size)
    values = array[tuple(slice(a, b) for a, b in zip(start, stop))]
    numbers = np.abs(array) if array.dtype.kind == "c" else array.astype(np.float64, copy=False) \
        if array.dtype.kind == "b" else array
    with np.errstate(all="ignore"):
        finite = numbers[np.isfinite(numbers)] if numbers.dtype.kind in "fc" else numbers.ravel()
        nan_count = int(np.isnan(array).sum()) if array.dtype.kind in "fc" else 0
        minimum, maximum, mean = (_plain(finite.min()), _plain(finite.max()), _plain(finite.mean(dtype=np.float64))) \
            if finite.size else (None, None, None)
    return ArraySummary(str(array.dtype), tuple(array.shape), minimum, maximum, mean, nan_count, values.copy(), tuple(start))


def first_difference(expected, actual, *, rtol: float = RTOL, atol: float = ATOL) -> tuple[int, ...] | None:
    """The index of the first position where two same-shaped numeric arrays differ, or None."""
    expected, actual = as_array(expected), as_array(actual)
    if expected is None or actual is None or expected.shape != actual.shape or expected.size == 0:
        return None
    close = _close(actual, expected, rtol=rtol, atol=atol)
    wrong = np.argwhere(~close)
    return tuple(int(index) for index in wrong[0]) if len(wrong) else None


def _plain(value) -> float:
    value = value.item() if isinstance(value, np.generic) else value
    return float(value)
