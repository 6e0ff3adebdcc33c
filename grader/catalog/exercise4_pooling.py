"""Exercise 4, pooling: what is checked, the lecture's examples, and the mistakes we name."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from hypothesis import strategies as st

from grader.checks import Falsified, lecture_examples, matches_reference, satisfies_property
from grader.compare import as_array, compare_arrays
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import FLOATS, FLOATS_AND_PIXELS, draw_array, draw_per_axis, one_of, quarters, upto
from reference import pooling as ref
from reference.padding import pair

# --- What hypothesis draws ---------------------------------------------------------------------

POOL_FORMS = ("size and stride", "stride=None", "stride left out", "size and stride left out")


@st.composite
def pooling_inputs(draw, dtypes=FLOATS_AND_PIXELS, max_side: int = 9, max_size: int = 4,
                   max_stride: int = 4, constant: bool = False) -> dict:
    """x (N, C, H, W) with size and stride (int or pair) that fit, or left to their defaults.

    Strides below the size overlap the windows, above it skip pixels. With `constant`, also
    `c`, a quarter step in [-8, 8] (for the invariant max_pool2d(x + c) == max_pool2d(x) + c).
    """
    N, C = draw(upto(2), label="N"), draw(upto(3), label="C")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    inputs = {"x": draw_array(draw, dtype, (N, C, H, W), label="x")}
    form = draw(one_of(POOL_FORMS if min(H, W) >= 2 else POOL_FORMS[:3]), label="form")
    if form != POOL_FORMS[3]:
        inputs["size"], _ = draw_per_axis(draw, 1, (min(H, max_size), min(W, max_size)), "size")
    if form == POOL_FORMS[0]:
        inputs["stride"], _ = draw_per_axis(draw, 1, (max_stride, max_stride), "stride")
    elif form == POOL_FORMS[1]:
        inputs["stride"] = None
    if constant:
        inputs["c"] = draw(quarters(8), label="c")
    return inputs


# --- The lecture's worked examples (section 6) ------------------------------------------------

FEATURE_MAP = np.array([[5, 2, 4, 1],
                        [3, 2, 2, 9],
                        [4, 1, 1, 3],
                        [1, 2, 0, 0]])

MAX_EXAMPLES = [
    Example("max pooling, 2x2 windows, stride 2", {"x": FEATURE_MAP[None, None]}, np.array([[[[5, 9], [4, 3]]]]),
            note="Each 2x2 block keeps its largest value: max(5, 2, 3, 2) = 5, max(4, 1, 2, 9) = 9, "
                 "max(4, 1, 1, 2) = 4, max(1, 3, 0, 0) = 3."),
]
AVG_EXAMPLES = [
    Example("average pooling, 2x2 windows, stride 2", {"x": FEATURE_MAP[None, None]}, np.array([[[[3, 4], [2, 1]]]]),
            note="Each 2x2 block becomes its mean: (5 + 2 + 3 + 2) / 4 = 3, (4 + 1 + 2 + 9) / 4 = 4, "
                 "(4 + 1 + 1 + 2) / 4 = 2, (1 + 3 + 0 + 0) / 4 = 1."),
]


def _pool_rule(inputs: dict) -> str:
    H, W = inputs["x"].shape[2:]
    size = inputs.get("size", 2)
    stride = inputs.get("stride")
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    return (f"for H={H}, W={W}, size={size!r}, stride={stride!r}: H' = (H - {KH}) // {sh} + 1 = "
            f"{(H - KH) // sh + 1}, W' = (W - {KW}) // {sw} + 1 = {(W - KW) // sw + 1}")


def _shift_commutes(session, drawn: dict) -> None:
    """max_pool2d(x + c) == max_pool2d(x) + c: the max picks a value, it does not compute one."""
    inputs, c = {key: value for key, value in drawn.items() if key != "c"}, drawn["c"]
    base = as_array(session.call("max_pool2d", inputs))
    shifted_inputs = {**inputs, "x": inputs["x"] + inputs["x"].dtype.type(c)}
    shifted = session.call("max_pool2d", shifted_inputs)
    expected = base + c if base is not None and base.dtype.kind in "fiu" else ref.max_pool2d(**shifted_inputs)
    mismatch = compare_arrays(expected, shifted, require_float=False)
    if mismatch is not None:
        raise Falsified(f"adding c = {c:g} to x should add {c:g} to max_pool2d(x), but max_pool2d(x + c) "
                        f"{mismatch.message} (below: x + c, and your max_pool2d(x) + c as expected)",
                        function="max_pool2d", inputs=shifted_inputs,
                        expected=expected, outcome=session.last_outcome, differences=mismatch.differences)


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _same(a, b) -> bool:
    return a is not None and a.shape == np.shape(b) and np.allclose(a, b)


def _sizes(x, size=2, stride=None):
    """(KH, KW), (sh, sw) and the float image, with the defaults applied."""
    return pair(size), pair(size if stride is None else stride), np.asarray(x, dtype=np.float64)


def _stride_one_default(pool):
    return lambda x, size=2, stride=None: pool(x, size, 1 if stride is None else stride)


def _max_over_positions(x, size=2, stride=None):
    """The windows' max over axes (2, 3), the window positions, instead of the window's own axes."""
    (KH, KW), (sh, sw), x = _sizes(x, size, stride)
    return sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw].max(axis=(2, 3))


def _last_element(x, size=2, stride=None):
    """The bottom-right element of each window: what a loop that assigns instead of compares keeps."""
    (KH, KW), (sh, sw), x = _sizes(x, size, stride)
    return sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw, -1, -1]


def _divided_by_side(inputs, expected, outcome):
    actual = _actual(outcome)
    if actual is None or _same(actual, expected):
        return False
    KH, KW = pair(inputs.get("size", 2))
    return any(_same(expected * (KH * KW) / side, actual) for side in {KH, KW, KH + KW})


def _truncated(inputs, expected, outcome):
    """Integer arithmetic in the average: an integer array, or the mean rounded down."""
    actual = _actual(outcome)
    if actual is None:
        return "Cannot cast ufunc" in (outcome.error or {}).get("message", "")
    return actual.shape == np.shape(expected) and not _same(actual, expected) and (
        actual.dtype.kind in "iub" or _same(np.floor(expected), actual) or _same(np.trunc(expected), actual))


def _window_count(reduce):
    """Windows at every stride from 0 while they start inside the image, kept even when cut off
    by the edge (H // stride of them, or ceil(H / stride)): fitting windows are not what is counted."""
    def detect(inputs, expected, outcome):
        actual = _actual(outcome)
        if actual is None or actual.ndim != 4 or actual.shape == np.shape(expected):
            return False
        (KH, KW), (sh, sw), x = _sizes(**inputs)
        rows, cols = actual.shape[2:]
        if (rows - 1) * sh >= x.shape[2] or (cols - 1) * sw >= x.shape[3]:
            return False
        wrong = np.empty(actual.shape)
        for i in range(rows):
            for j in range(cols):
                wrong[:, :, i, j] = reduce(x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW], axis=(2, 3))
        return _same(wrong, actual)
    return detect


def _pair_refused(inputs, expected, outcome):
    """A (for H, for W) size or stride reached code written for ints: a TypeError that mentions tuple."""
    error = (outcome.error or {}) if not outcome.ok and outcome.failure is None else {}
    return error.get("type") == "TypeError" and "tuple" in error.get("message", "") \
        and any(isinstance(inputs.get(name), tuple) for name in ("size", "stride"))


def _loop_bound_h_over_stride(inputs, expected, outcome):
    """The loops run to H // sh and W // sw: past the last window (IndexError, an empty max), or short of it."""
    error = (outcome.error or {}) if not outcome.ok and outcome.failure is None else {}
    if error:
        message = error.get("message", "")
        return error.get("type") in ("IndexError", "ValueError") and ("out of bounds" in message or "zero-size" in message)
    actual = _actual(outcome)
    if actual is None or actual.shape != np.shape(expected) or _same(actual, expected):
        return False
    (_, (sh, sw), x) = _sizes(**inputs)
    wrong = np.array(expected, dtype=np.float64)
    wrong[:, :, x.shape[2] // sh:, :] = 0
    wrong[:, :, :, x.shape[3] // sw:] = 0
    return _same(actual, wrong)


DEFAULT_STRIDE = ("The stride defaults to the window size, not 1: with stride=None, 2x2 windows move 2 pixels "
                  "at a time and do not overlap (section 6), so stride = size when stride is None.")
WINDOW_COUNT = ("Wrong number of windows: only windows that fit are used, and all of them, "
                "H' = (H - KH) // stride + 1. H // stride is right only when stride == size, and "
                "range(0, H, stride) also starts windows that run past the edge.")

H_OVER_STRIDE = ("The loops run over range(H // stride): that counts windows that START in the image, not those "
                 "that fit. out has H' = (H - KH) // sh + 1 rows, so i runs over range(H'); H // sh goes past the "
                 "last window (NumPy's 'out of bounds', or a max over an empty window) or stops short of it "
                 "(the last rows stay 0). The two agree only when the stride is the window size.")
PAIRS = ("size and stride may be pairs, (for H, for W), as well as ints: turn each into two ints first, "
         "KH, KW = (size, size) if isinstance(size, int) else size (the same for stride), and use KH, sh for "
         "rows and KW, sw for columns.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("stride_defaults_to_1", "max_pool2d", DEFAULT_STRIDE, reproduce=_stride_one_default(ref.max_pool2d)),
    Mistake("stride_defaults_to_1", "avg_pool2d", DEFAULT_STRIDE, reproduce=_stride_one_default(ref.avg_pool2d)),
    Mistake("max_over_wrong_axes", "max_pool2d",
            "The max is taken over the wrong axes: the windows array (N, C, H', W', KH, KW) has the window's "
            "own pixels on its last two axes, so reduce with axis=(-2, -1); axes 2 and 3 are the positions.",
            reproduce=_max_over_positions),
    Mistake("max_last_element", "max_pool2d",
            "Your max pool returns the last element of each window, not its largest: compare as you go "
            "(best = max(best, value)) or use window.max().",
            reproduce=_last_element),
    Mistake("max_starts_at_zero", "max_pool2d",
            "The running maximum starts at 0, so a window of negative numbers gives 0: start from the "
            "window's first value (or -np.inf), or use window.max().",
            reproduce=lambda x, size=2, stride=None: np.maximum(ref.max_pool2d(x, size, stride), 0)),
    Mistake("window_count", "max_pool2d", WINDOW_COUNT, detect=_window_count(np.max)),
    Mistake("window_count", "avg_pool2d", WINDOW_COUNT, detect=_window_count(np.mean)),
    Mistake("avg_divides_by_side", "avg_pool2d",
            "The average divides by the window's side, not its area: a KH x KW window holds KH * KW "
            "values (len(window) is only KH, its number of rows).",
            detect=_divided_by_side),
    Mistake("avg_integer_truncation", "avg_pool2d",
            "The average is truncated to an integer: // (or an integer output array) drops the fraction. "
            "Divide with / into a float array: (5 + 2 + 3 + 3) / 4 is 3.25, not 3.",
            detect=_truncated),
    Mistake("loop_bound_h_over_stride", "max_pool2d", H_OVER_STRIDE, detect=_loop_bound_h_over_stride),
    Mistake("loop_bound_h_over_stride", "avg_pool2d", H_OVER_STRIDE, detect=_loop_bound_h_over_stride),
    Mistake("pair_not_handled", "max_pool2d", PAIRS, detect=_pair_refused),
    Mistake("pair_not_handled", "avg_pool2d", PAIRS, detect=_pair_refused),
)

EXERCISE = Exercise(
    id="exercise4",
    module=__name__.rpartition(".")[2],
    title="Pooling",
    section="6. Pooling",
    summary="max_pool2d(x, size=2, stride=None) and avg_pool2d(x, size=2, stride=None): no padding, floor",
    points=10,
    functions=("max_pool2d", "avg_pool2d"),
    checks=(
        lecture_examples(
            "max_pool2d", MAX_EXAMPLES, points=1, name="max_pool2d: the lecture's example",
            description="The 4x4 feature map of section 6, 2x2 windows: [[5, 9], [4, 3]]."),
        matches_reference(
            "max_pool2d", ref.max_pool2d, pooling_inputs(), points=3,
            name="max_pool2d: matches the reference",
            description="Random batches; sizes and strides up to 4, ints or (for H, for W), overlapping "
                        "(stride < size) or skipping pixels (stride > size), or left to their defaults; "
                        "windows that do not fit are dropped. float32, float64 and uint8 pixels.",
            explain=_pool_rule),
        satisfies_property(
            "max_pool2d", _shift_commutes, pooling_inputs(FLOATS, constant=True), points=1,
            name="max_pool2d: commutes with adding a constant",
            description="max_pool2d(x + c) == max_pool2d(x) + c, for negative and positive c: the max "
                        "picks one of the window's values, it does not compute a new one.",
            max_examples=20),
        lecture_examples(
            "avg_pool2d", AVG_EXAMPLES, points=1, name="avg_pool2d: the lecture's example",
            description="The 4x4 feature map of section 6, 2x2 windows: [[3, 4], [2, 1]]."),
        matches_reference(
            "avg_pool2d", ref.avg_pool2d, pooling_inputs(FLOATS), points=3,
            name="avg_pool2d: matches the reference",
            description="Random float32 and float64 batches, the same sizes and strides as max_pool2d.",
            explain=_pool_rule),
        matches_reference(
            "avg_pool2d", ref.avg_pool2d, pooling_inputs((np.uint8,)), points=1,
            name="avg_pool2d: uint8 pixel images",
            description="Pixels 0-255: sums past 255 do not wrap around, fractions are kept, the result is "
                        "floating point.",
            explain=_pool_rule, max_examples=20),
    ),
    mistakes=MISTAKES,
)
