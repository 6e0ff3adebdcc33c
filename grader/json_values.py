"""A submission's values as JSON and back, tagged so that nothing it returns can pass for an array.

An array is `{"$array": {dtype, shape, values}}` (or, past LARGE_ARRAY elements, `{dtype, shape,
summary, window}`: grader.compare.ArraySummary), and a dict with a key starting with `$` is wrapped
as `{"$dict": ...}`. NaN and infinities are the strings "nan", "inf", "-inf". Reading back never
raises: an `$array` that is not valid stays the plain data it is.
"""

from __future__ import annotations

import math


def from_jsonable(value) -> object:
    """Inverse of jsonable: a valid `$array` becomes an array (or an ArraySummary) again; one
    that is not valid stays the plain data it is, never an error."""
    if isinstance(value, list):
        return [from_jsonable(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "$array" in value:
        decoded = _array_from(value["$array"])
        return decoded if decoded is not None else "<an array the report could not read back>"
    if len(value) == 1 and isinstance(value.get("$dict"), dict):
        value = value["$dict"]
    return {key: from_jsonable(item) for key, item in value.items()}


def jsonable(value, *, around: tuple[int, ...] | None = None) -> object:
    """Arrays as `{"$array": ...}` (summarized past LARGE_ARRAY elements, with a window around
    `around`); everything else as plain JSON data, dicts with `$` keys wrapped in `$dict`.

    NaN and infinities become the strings "nan", "inf", "-inf": strict JSON has no such
    numbers, and NumPy reads the strings back.
    """
    import numpy as np

    from grader.compare import LARGE_ARRAY, ArraySummary, as_array, summarize_array

    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        if value.size > LARGE_ARRAY:
            return jsonable(summarize_array(value, around=around))
        return {"$array": {"dtype": str(value.dtype), "shape": list(value.shape), "values": _plain(value)}}
    if isinstance(value, ArraySummary):
        summary = {"min": _finite(value.minimum), "max": _finite(value.maximum), "mean": _finite(value.mean),
                   "nan_count": value.nan_count}
        return {"$array": {"dtype": value.dtype, "shape": list(value.shape), "summary": summary,
                           "window": {"start": list(value.window_start), "values": _plain(value.window)}}}
    if isinstance(value, (list, tuple)):
        if len(value) > 64 and (array := as_array(value)) is not None and array.size > LARGE_ARRAY:
            return jsonable(array, around=around)
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        items = {str(key): jsonable(item) for key, item in value.items()}
        return {"$dict": items} if any(key.startswith("$") for key in items) else items
    if value is None or isinstance(value, (bool, int, float, str)):
        return _finite(value)
    return repr(value)[:300]


def _plain(array) -> object:
    """An array's values as nested lists of JSON numbers (complex ones as strings)."""
    return array.astype(str).tolist() if array.dtype.kind == "c" else _finite(array.tolist())


def _array_from(data) -> object:
    """The array (or ArraySummary) `data` describes, or None when it is not a valid description."""
    import numpy as np

    from grader.compare import ArraySummary

    try:
        dtype, shape = np.dtype(data["dtype"]), tuple(data["shape"])
        if dtype.kind not in "biufc" or not all(type(n) is int and n >= 0 for n in shape):
            return None
        if set(data) == {"dtype", "shape", "values"}:
            values = np.asarray(data["values"], dtype=dtype)
            if values.shape != shape and not (values.size == 0 == int(np.prod(shape))):
                return None
            return values.reshape(shape)
        if set(data) == {"dtype", "shape", "summary", "window"}:
            summary, window = data["summary"], data["window"]
            values = np.asarray(window["values"], dtype=dtype)
            start = tuple(int(index) for index in window["start"])
            if values.ndim != len(shape) or len(start) != len(shape):
                return None
            minimum, maximum, mean = (None if summary[key] is None else float(summary[key])
                                      for key in ("min", "max", "mean"))
            return ArraySummary(str(dtype), shape, minimum, maximum, mean, int(summary["nan_count"]), values, start)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None
    return None


def _finite(value):
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
