"""Arrays as pictures: the view models the HTML reports draw (templates render, this decides).

A grid is one 2-D table per leading index (`[0, 1, :, :]`), each cell holding its value, a
fill colour on a shared scale and whether it differs from what was expected. Expected and got
share one sequential scale (viridis, readable by colour-blind people); their difference has a
diverging one (blue for below, orange for above, white for equal). Colour never carries meaning
alone: differing cells are outlined and marked, and every cell shows its value. Up to
MAX_SIDE x MAX_SIDE cells per channel show every value; a larger plane is a heat map without
digits, plus a window of values around the first difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_SIDE = 16
WINDOW = 7  # cells on each side of a large plane's window
MAX_PLANES = 6  # planes drawn per array; the rest are counted
MAX_HEAT = 128 * 128  # cells of the largest plane drawn as a heat map; past it, only the window
# viridis at nine evenly spaced points (matplotlib's table): dark purple -> yellow.
_VIRIDIS = ((68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
            (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37))
_BELOW, _EQUAL, _ABOVE = (33, 102, 172), (247, 247, 247), (179, 88, 6)  # PuOr-like: blue, white, orange


@dataclass
class Cell:
    text: str
    fill: str
    ink: str  # text colour that stays readable on `fill`
    differs: bool = False
    index: str = ""  # "[0, 1, 2, 3]" for a tooltip


@dataclass
class Plane:
    label: str
    rows: list[list[Cell]]
    values: bool = True  # False: a heat map, cells carry no digits
    window: str = ""  # "rows 3-9, columns 0-6 of 40 x 40" for a window into a large plane


@dataclass
class Grid:
    title: str
    dtype: str
    shape: tuple
    planes: list[Plane] = field(default_factory=list)
    more: int = 0  # planes not drawn
    text: str = ""  # what is not an array, as text
    scale: tuple[str, str] = ("", "")  # the legend's two ends


@dataclass
class Comparison:
    """What a failed check with arrays shows: the inputs, expected, got, and their difference."""

    inputs: list[Grid]
    expected: Grid | None
    actual: Grid | None
    difference: Grid | None = None
    shapes: dict | None = None  # a shape mismatch: {"expected": [...], "actual": [...], "axes": {i, ...}}
    differing: int = 0
    total: int = 0


def numeric(value) -> np.ndarray | None:
    """`value` as a real-valued array, or None for anything else (None, text, objects, summaries,
    empty arrays)."""
    array = _real_array(value)
    return None if array is None or array.size == 0 else array


def compare(inputs: dict, expected, actual, *, rtol: float = 1e-5, atol: float = 1e-6) -> Comparison:
    """The pictures for one counterexample: numbers as text, arrays as grids (and differing cells
    counted only where there are grids to outline them in)."""
    want, got = _real_array(expected), _real_array(actual)
    drawn_inputs = [grid(name, value) for name, value in inputs.items()]
    if want is None or got is None or (want.ndim == 0 and got.ndim == 0):
        return Comparison(drawn_inputs, grid("expected", expected) if expected is not None else None,
                          grid("got", actual) if actual is not None else None)
    if want.shape != got.shape:
        return Comparison(drawn_inputs, grid("expected", want), grid("got", got), shapes=shape_mismatch(want.shape, got.shape))
    if want.size == 0:
        return Comparison(drawn_inputs, grid("expected", want), grid("got", got))
    want64, got64 = want.astype(np.float64), got.astype(np.float64)
    differs = ~np.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=True)
    finite = np.concatenate([want64[np.isfinite(want64)], got64[np.isfinite(got64)]])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    focus = tuple(int(i) for i in np.argwhere(differs)[0]) if differs.any() else None
    difference = np.where(np.isfinite(got64 - want64), got64 - want64, 0.0)
    return Comparison(
        drawn_inputs,
        grid("expected", want, low=low, high=high, differs=differs, focus=focus),
        grid("got", got, low=low, high=high, differs=differs, focus=focus),
        grid("got - expected", difference, differs=differs, focus=focus, diverging=True),
        differing=int(differs.sum()), total=int(differs.size),
    )


def _real_array(value) -> np.ndarray | None:
    """`value` as a real-valued array, empty ones included; None for anything else."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(value)
    except Exception:
        return None
    return array if array.dtype.kind in "biuf" else None


def shape_mismatch(expected: tuple, actual: tuple) -> dict:
    """Both shapes, and the axes where they part (all of the longer one's extra axes too)."""
    axes = {axis for axis in range(max(len(expected), len(actual)))
            if axis >= len(expected) or axis >= len(actual) or expected[axis] != actual[axis]}
    return {"expected": list(expected), "actual": list(actual), "axes": sorted(axes)}


def grid(title: str, value, *, low: float | None = None, high: float | None = None, differs=None,
         focus: tuple | None = None, diverging: bool = False) -> Grid:
    """One array as planes of cells; anything else as text."""
    array = numeric(value)
    if array is None or array.ndim == 0:  # a number is clearer as text than as a 1x1 grid
        empty = _real_array(value)
        if empty is not None and empty.ndim > 0:
            return Grid(title, str(empty.dtype), tuple(empty.shape), text="no values (an empty array)")
        return Grid(title, type(value).__name__, (), text=_text(value))
    shape = tuple(array.shape)
    array = array.astype(np.float64)
    if array.ndim == 1:
        array, differs = array[None], None if differs is None else differs[None]
    mask = np.zeros(array.shape, bool) if differs is None else np.asarray(differs).reshape(array.shape)
    finite = array[np.isfinite(array)]
    if diverging:
        bound = float(np.abs(finite).max()) if finite.size else 0.0
        low, high = -bound, bound
    else:
        low = float(finite.min()) if low is None and finite.size else (0.0 if low is None else low)
        high = float(finite.max()) if high is None and finite.size else (1.0 if high is None else high)
    # The first difference, as (plane index, (row, column)) in the 2-D view of the array.
    if focus is not None and len(focus) == len(shape) and len(shape) >= 1:
        focus = (tuple(focus[:-2]), tuple(focus[-2:])) if len(shape) >= 2 else ((), (0, focus[0]))
    else:
        focus = None
    indices = list(np.ndindex(*array.shape[:-2]))
    if focus is not None:  # the plane that differs first
        indices.sort(key=lambda index: index != focus[0])
    drawn = Grid(title, str(np.asarray(value).dtype), shape, more=max(0, len(indices) - MAX_PLANES),
                 scale=(_number(low), _number(high)))
    for index in indices[:MAX_PLANES]:
        label = "[" + ", ".join([*map(str, index), ":", ":"]) + "]" if index else ""
        in_plane = focus[1] if focus is not None and focus[0] == index else None
        drawn.planes += _planes(label, index, array[index], mask[index], low, high, diverging, in_plane)
    return drawn


def _planes(label, index, plane, mask, low, high, diverging, focus) -> list[Plane]:
    height, width = plane.shape
    cells = lambda rows, cols, values: [  # noqa: E731
        [_cell(plane[r, c], low, high, diverging, bool(mask[r, c]), [*index, r, c], values) for c in cols] for r in rows]
    if height <= MAX_SIDE and width <= MAX_SIDE:
        return [Plane(label, cells(range(height), range(width), True))]
    heat = [Plane(label, cells(range(height), range(width), False), values=False)] if height * width <= MAX_HEAT else []
    centre = focus or (0, 0)
    top, left = max(0, centre[0] - WINDOW), max(0, centre[1] - WINDOW)
    bottom, right = min(height, top + 2 * WINDOW + 1), min(width, left + 2 * WINDOW + 1)
    window = Plane(label, cells(range(top, bottom), range(left, right), True),
                   window=f"rows {top}-{bottom - 1}, columns {left}-{right - 1} of {height} x {width}"
                   + (", around the first difference" if focus else ""))
    return [*heat, window]


def _cell(value: float, low: float, high: float, diverging: bool, differs: bool, index: list, values: bool) -> Cell:
    if not np.isfinite(value):
        return Cell(_number(value) if values else "", "#ffffff", "#1f2328", differs, _index(index))
    if diverging:
        colour = _diverging(value / high if high else 0.0)
    else:
        colour = _viridis((value - low) / (high - low) if high > low else 0.5)
    ink = "#000000" if _luminance(colour) > 0.4 else "#ffffff"
    return Cell(_number(value) if values else "", _hex(colour), ink, differs, _index(index))


def _viridis(t: float) -> tuple:
    t = min(max(t, 0.0), 1.0) * (len(_VIRIDIS) - 1)
    i = min(int(t), len(_VIRIDIS) - 2)
    return _mix(_VIRIDIS[i], _VIRIDIS[i + 1], t - i)


def _diverging(t: float) -> tuple:
    t = min(max(t, -1.0), 1.0)
    return _mix(_EQUAL, _ABOVE, t) if t >= 0 else _mix(_EQUAL, _BELOW, -t)


def _mix(a: tuple, b: tuple, t: float) -> tuple:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _luminance(rgb: tuple) -> float:
    r, g, b = (channel / 255 for channel in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hex(rgb: tuple) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _index(index: list) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _number(value: float) -> str:
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    return f"{int(value)}" if value.is_integer() and abs(value) < 1e9 else f"{value:.3g}"


def _text(value) -> str:
    """A value as text; a NumPy number as the number (`4`, `-1.0`), not `array(4)`."""
    if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
        value = value.item()
    text = repr(value)
    return text if len(text) <= 400 else text[:400] + " ..."
