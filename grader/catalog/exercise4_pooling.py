"""Exercise 4, pooling: what is checked, the lecture's examples, and the mistakes we name.

One feature per check: the core checks draw one square float64 image (values in quarter steps),
an int window size and stride = size, so windows tile the image; the default stride, strides
other than the size (overlapping or skipping windows), (for H, for W) pairs, batches and uint8
pixels each have a check of their own. Each named mistake has fixed examples that expose it
whatever the seed; each function's core check has a 28x28 MNIST-sized and a 32x32x3
CIFAR-10-sized image.
"""


from typing import Any

import numpy as np

from grader.authoring import (FLOATS_AND_PIXELS, Example, Exercise, Mistake, Probe, answer_key, draw_array,
                              lecture_examples, matches_reference, one_of, per_axis, quarters, returned_array,
                              same_array, st, upto)

key = answer_key(__name__)
F64 = np.float64

# --- What hypothesis draws ---------------------------------------------------------------------

DEFAULT_FORMS = ("stride=None", "stride left out", "size and stride left out")


@st.composite
def pool_inputs(draw, dtype=F64, *, stride: str = "size", pairs: bool = False, batch: bool = False,
                max_side: int = 9, max_size: int = 4) -> dict:
    """x (N, C, H, W) and the window arguments of one feature.

    N is 1 unless `batch`; H = W and an int size unless `pairs` (then size is (KH, KW) and the
    stride the same pair). `stride`: "size" passes stride=size, "other" an int stride that is
    not the size (overlapping or skipping windows), "default" leaves it to its default.
    """
    N = draw(upto(3, 2), label="N") if batch else 1
    C, H = draw(upto(3), label="C"), draw(upto(max_side), label="H")
    W = draw(upto(max_side), label="W") if pairs else H
    x = draw_array(draw, dtype, (N, C, H, W), label="x")
    if pairs:
        size = (draw(upto(min(H, max_size)), label="KH"), draw(upto(min(W, max_size)), label="KW"))
        return {"x": x, "size": size, "stride": size}
    size = draw(upto(min(H, max_size)), label="size")
    if stride == "size":
        return {"x": x, "size": size, "stride": size}
    if stride == "other":
        others = tuple(value for value in range(1, max_size + 1) if value != size)
        return {"x": x, "size": size, "stride": draw(one_of(others), label="stride")}
    form = draw(one_of(DEFAULT_FORMS if H >= 2 else DEFAULT_FORMS[:2]), label="form")
    if form == DEFAULT_FORMS[2]:
        return {"x": x}
    return {"x": x, "size": size, "stride": None} if form == DEFAULT_FORMS[0] else {"x": x, "size": size}


FEATURES: tuple[dict[str, Any], ...] = ({}, {"stride": "default"}, {"stride": "other"}, {"pairs": True}, {"batch": True})


def pooling_inputs(dtypes=FLOATS_AND_PIXELS) -> st.SearchStrategy[dict]:
    """Every form of input the checks draw, in each of `dtypes` (for testing the reference)."""
    return st.one_of([pool_inputs(dtype, **feature) for dtype in dtypes for feature in FEATURES])


# --- Fixed examples: each named mistake's smallest witness, and the lecture's sizes -------------------


def _one_plane(plane, dtype=F64, **arguments) -> dict:
    """One image of one channel, (1, 1, H, W), and its window arguments."""
    return {"x": np.asarray(plane, dtype=dtype)[None, None], **arguments}


MNIST = {"x": quarters((1, 1, 28, 28), 28), "size": 2, "stride": 2}  # a 28x28 digit, 2x2 windows
CIFAR = {"x": quarters((1, 3, 32, 32), 32), "size": 2, "stride": 2}  # a 32x32x3 image
SPREAD = [[1, 2, 3], [4, 9, 5], [6, 7, 8]]  # distinct values

MAX_CORE = (
    _one_plane([[1, 0], [0, 0]], size=2, stride=2),  # the last element (0), or the max over the positions
    _one_plane([[-1, -2], [-3, -4]], size=2, stride=2),  # a running maximum that starts at 0 gives 0
    MNIST, CIFAR,
)
AVG_CORE = (
    _one_plane([[1, 1], [1, 1]], size=2, stride=2),  # divided by the side, 2: 2 instead of 1
    _one_plane([[1, 2], [2, 2]], size=2, stride=2),  # 1.75, not 1: no // and no integer output
    MNIST, CIFAR,
)
DEFAULT_STRIDE_FIXED = (
    _one_plane(np.arange(16).reshape(4, 4) % 5, size=2),  # stride left out: 2x2, not the 3x3 of stride 1
    _one_plane(np.arange(16).reshape(4, 4) % 5, size=2, stride=None),
)
OTHER_STRIDE_FIXED = (
    _one_plane(SPREAD, size=2, stride=1),  # overlapping: 2x2 windows, not the 3x3 that start in the image
    _one_plane(SPREAD, size=1, stride=2),  # skipping: 2x2, not the 1x1 of 3 // 2
    {"x": quarters((1, 3, 32, 32), 33), "size": 3, "stride": 2},  # 15x15 windows on a CIFAR-10 image
)
PAIRS_FIXED = (
    _one_plane([[0]], size=(1, 1), stride=(1, 1)),  # a pair at all (the smallest input of this check)
    _one_plane([[1, 2, 3], [4, 5, 6]], size=(2, 1), stride=(2, 1)),  # KH from size[0], KW from size[1]
)
BATCH_FIXED = ({"x": np.array([[[[1.0, 2.0]]], [[[4.0, 3.0]]]]), "size": 1, "stride": 1},)
PIXELS_FIXED = (
    _one_plane([[1, 2], [2, 2]], np.uint8, size=2, stride=2),  # 1.75, not 1
    _one_plane([[255, 255], [255, 255]], np.uint8, size=2, stride=2),  # the sum 1020 is past 255
)

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


def _windows(inputs: dict) -> tuple:
    """(KH, KW), (sh, sw) of an input, defaults applied."""
    size = inputs.get("size", 2)
    stride = inputs.get("stride")
    return per_axis(size), per_axis(size if stride is None else stride)


def windows_that_fit(inputs: dict) -> tuple[int, int]:
    """H' and W', as the docstring states them: H' = (H - KH) // sh + 1."""
    (H, W), ((KH, KW), (sh, sw)) = inputs["x"].shape[2:], _windows(inputs)
    return (H - KH) // sh + 1, (W - KW) // sw + 1


def _pool_rule(inputs: dict) -> str:
    (H, W), ((KH, KW), (sh, sw)) = inputs["x"].shape[2:], _windows(inputs)
    rows, cols = windows_that_fit(inputs)
    return (f"for H={H}, W={W}, size={inputs.get('size', 2)!r}, stride={inputs.get('stride')!r}: "
            f"H' = (H - {KH}) // {sh} + 1 = {rows}, W' = (W - {KW}) // {sw} + 1 = {cols}")


# --- Known mistakes, told by behaviour -----------------------------------------------------------

def _divided_by_side(inputs, expected, outcome):
    """Each mean is the truth times KH * KW / side, for the side KH, KW or KH + KW."""
    actual = returned_array(outcome)
    if actual is None or same_array(actual, expected):
        return False
    KH, KW = _windows(inputs)[0]
    return any(same_array(expected * (KH * KW) / side, actual) for side in {KH, KW, KH + KW})


def _truncated(inputs, expected, outcome):
    """Integer arithmetic in the average: an integer array, or the mean rounded down, where a mean has a fraction."""
    actual = returned_array(outcome)
    return actual is not None and actual.shape == np.shape(expected) and not same_array(actual, expected) and (
        actual.dtype.kind in "iub" or same_array(np.floor(expected), actual) or same_array(np.trunc(expected), actual))


def _loops_to_h_over_stride(inputs, expected, outcome):
    """The loops run to H // sh and W // sw instead of H' and W': where that passes the windows that fit,
    an index past the end of out or a reduction over an empty window (IndexError, ValueError); where it
    falls short, out's last rows (columns) stay 0."""
    (sh, sw), (H, W) = _windows(inputs)[1], inputs["x"].shape[2:]
    rows, cols = windows_that_fit(inputs)
    if (H // sh, W // sw) == (rows, cols):
        return False
    if not outcome.ok:
        return outcome.failure is None and (outcome.error or {}).get("type") in ("IndexError", "ValueError") \
            and (H // sh > rows or W // sw > cols)
    actual, short = returned_array(outcome), np.array(expected, dtype=F64)
    short[:, :, H // sh:] = 0
    short[:, :, :, W // sw:] = 0
    return actual is not None and not same_array(actual, expected) and same_array(actual, short)


def _pairs_as_ints(inputs: dict) -> dict | None:
    """The same input with each (k, k) pair passed as the int k; None where a pair's two values differ."""
    changed, pairs = dict(inputs), False
    for name in ("size", "stride"):
        value = inputs.get(name)
        if isinstance(value, tuple):
            if value[0] != value[1]:
                return None
            changed[name], pairs = value[0], True
    return changed if pairs else None


DEFAULT_STRIDE = ("The stride defaults to the window size, not 1: with stride=None, 2x2 windows move 2 pixels "
                  "at a time and do not overlap (section 6), so stride = size when stride is None.")
WINDOW_COUNT = ("Wrong number of windows: only windows that fit are used, and all of them, "
                "H' = (H - KH) // stride + 1. H // stride is right only when stride == size, and "
                "range(0, H, stride) also starts windows that run past the edge.")
H_OVER_STRIDE = ("The loops run over range(H // stride): that counts windows that START in the image, not those "
                 "that fit. out has H' = (H - KH) // sh + 1 rows, so i runs over range(H'); H // sh goes past the "
                 "last window (an index past the end of out, or a max over an empty window) or stops short of it "
                 "(the last rows stay 0). The two agree only when the stride is the window size.")
PAIRS = ("size and stride may be pairs, (for H, for W), as well as ints: your code takes 2 but not (2, 2). Turn "
         "each into two ints first, KH, KW = (size, size) if isinstance(size, int) else size (the same for "
         "stride), and use KH, sh for rows and KW, sw for columns.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("stride_defaults_to_1", "max_pool2d", DEFAULT_STRIDE, reproduce=key.max_pool2d_stride_1_by_default),
    Mistake("stride_defaults_to_1", "avg_pool2d", DEFAULT_STRIDE, reproduce=key.avg_pool2d_stride_1_by_default),
    Mistake("max_over_wrong_axes", "max_pool2d",
            "The max is taken over the wrong axes: the windows array (N, C, H', W', KH, KW) has the window's "
            "own pixels on its last two axes, so reduce with axis=(-2, -1); axes 2 and 3 are the positions.",
            reproduce=key.max_over_positions),
    Mistake("max_last_element", "max_pool2d",
            "Your max pool returns the last element of each window, not its largest: compare as you go "
            "(best = max(best, value)) or use window.max().",
            reproduce=key.last_element),
    Mistake("max_starts_at_zero", "max_pool2d",
            "The running maximum starts at 0, so a window of negative numbers gives 0: start from the "
            "window's first value (or -np.inf), or use window.max().",
            reproduce=key.max_from_zero),
    Mistake("window_count", "max_pool2d", WINDOW_COUNT, reproduce=key.max_pool2d_started_windows),
    Mistake("window_count", "avg_pool2d", WINDOW_COUNT, reproduce=key.avg_pool2d_started_windows),
    Mistake("avg_divides_by_side", "avg_pool2d",
            "The average divides by the window's side, not its area: a KH x KW window holds KH * KW "
            "values (len(window) is only KH, its number of rows).",
            detect=_divided_by_side),
    Mistake("avg_integer_truncation", "avg_pool2d",
            "The average is truncated to an integer: // (or an integer output array) drops the fraction. "
            "Divide with / into a float array: (1 + 2 + 2 + 2) / 4 is 1.75, not 1.",
            detect=_truncated),
    Mistake("loop_bound_h_over_stride", "max_pool2d", H_OVER_STRIDE, detect=_loops_to_h_over_stride),
    Mistake("loop_bound_h_over_stride", "avg_pool2d", H_OVER_STRIDE, detect=_loops_to_h_over_stride),
    Mistake("pair_not_handled", "max_pool2d", PAIRS, probe=Probe(_pairs_as_ints, key.max_pool2d)),
    Mistake("pair_not_handled", "avg_pool2d", PAIRS, probe=Probe(_pairs_as_ints, key.avg_pool2d)),
)


def _checks(function: str, reference, core: tuple, lecture: list, mean: str) -> tuple:
    """The checks both functions share: the lecture's example, the core, and one check per feature."""
    return (
        lecture_examples(
            function, lecture, points=1, name=f"{function}: the lecture's example",
            description=f"The 4x4 feature map of section 6, 2x2 windows: {lecture[0].expected[0, 0].tolist()}."),
        matches_reference(
            function, reference, pool_inputs(), points=1.5 if function == "max_pool2d" else 1,
            name=f"{function}: matches the reference",
            description=f"One square float64 image of C channels, an int size and stride = size: {mean}; windows "
                        "that do not fit are dropped. A 28x28 MNIST-sized and a 32x32x3 CIFAR-10-sized image.",
            explain=_pool_rule, examples=core, max_examples=20),
        matches_reference(
            function, reference, pool_inputs(stride="default"), points=0.5,
            name=f"{function}: the stride defaults to the size",
            description="stride=None, the stride left out, or size and stride both left out: the windows move by "
                        "their own size and do not overlap.",
            explain=_pool_rule, examples=DEFAULT_STRIDE_FIXED, max_examples=10),
        matches_reference(
            function, reference, pool_inputs(stride="other"), points=1,
            name=f"{function}: overlapping and skipping windows",
            description="An int stride other than the size: below it the windows overlap, above it pixels are "
                        "skipped; only windows that fit count, H' = (H - KH) // stride + 1.",
            explain=_pool_rule, examples=OTHER_STRIDE_FIXED, max_examples=15),
        matches_reference(
            function, reference, pool_inputs(pairs=True), points=0.5,
            name=f"{function}: (for H, for W) pairs",
            description="Non-square images, size (KH, KW) and stride (sh, sw): rows use KH and sh, columns KW and sw.",
            explain=_pool_rule, examples=PAIRS_FIXED, max_examples=10),
        matches_reference(
            function, reference, pool_inputs(batch=True), points=0.5,
            name=f"{function}: a batch of images",
            description="N = 2 or 3 images at once, each pooled on its own.",
            explain=_pool_rule, examples=BATCH_FIXED, max_examples=10),
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
        *_checks("max_pool2d", key.max_pool2d, MAX_CORE, MAX_EXAMPLES, "each window's largest value"),
        *_checks("avg_pool2d", key.avg_pool2d, AVG_CORE, AVG_EXAMPLES, "each window's mean"),
        matches_reference(
            "avg_pool2d", key.avg_pool2d, pool_inputs(np.uint8), points=0.5,
            name="avg_pool2d: uint8 pixel images",
            description="Pixels 0-255: sums past 255 do not wrap around, fractions are kept, the result is "
                        "floating point.",
            explain=_pool_rule, examples=PIXELS_FIXED, max_examples=10),
    ),
    mistakes=MISTAKES,
)
