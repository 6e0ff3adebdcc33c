"""Exercise 1, convolution: what is checked, the lecture's examples, and the mistakes we name."""

import numpy as np
from hypothesis import strategies as st

from grader.checks import lecture_examples, matches_reference, same_shape_as_reference
from grader.compare import as_array
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import FLOATS, FLOATS_AND_PIXELS, MAX_SIDE, arrays, draw_array, draw_conv_arrays, one_of, upto
from reference import convolution as ref

# --- What hypothesis draws ---------------------------------------------------------------------


@st.composite
def image_and_kernel(draw, dtypes=FLOATS) -> dict:
    """One image (H, W) and one kernel (KH, KW) that fits inside it; non-square both."""
    H, W = draw(upto(MAX_SIDE), label="H"), draw(upto(MAX_SIDE), label="W")
    KH, KW = draw(upto(H), label="KH"), draw(upto(W), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {"image": draw_array(draw, dtype, (H, W), label="image"),
            "kernel": draw_array(draw, dtype, (KH, KW), label="kernel")}


@st.composite
def batch_and_filters(draw, dtypes=FLOATS, bias: bool | None = False, max_side: int = MAX_SIDE) -> dict:
    """x (N, C, H, W), w (F, C, KH, KW) with KH <= H and KW <= W, and b (F,) or None.

    `bias`: True always draws b, False never, None either.
    """
    N, C, F = draw(upto(2), label="N"), draw(upto(3), label="C"), draw(upto(3), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    KH, KW = draw(upto(H), label="KH"), draw(upto(W), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias)


# --- The lecture's worked examples (section 4) ------------------------------------------------

X_IMAGE = np.array([[1, 0, 0, 0, 1],
                    [0, 1, 0, 1, 0],
                    [0, 0, 1, 0, 0],
                    [0, 1, 0, 1, 0],
                    [1, 0, 0, 0, 1]])
LINE_IMAGE = np.array([[0, 0, 1, 0, 0]] * 5)
X_KERNEL = np.array([[1, 0, 1],
                     [0, 1, 0],
                     [1, 0, 1]])
VERTICAL_KERNEL = np.array([[0, 1, 0]] * 3)
WIDE_KERNEL = np.array([[0, 1, 1, 0]] * 4)
SMALL_KERNEL = np.array([[1, 0],
                         [1, 0]])

ERRATUM = ("Lecture erratum: the slide prints 3 in the centre of this feature map; the true value "
           "is 5, because the centre window equals the filter and all five of its ones meet a one.")

X_FEATURE_MAP = np.array([[3, 0, 3],
                          [0, 5, 0],
                          [3, 0, 3]])

CORRELATE_EXAMPLES = [
    Example("X image, X filter", {"image": X_IMAGE, "kernel": X_KERNEL}, X_FEATURE_MAP, note=ERRATUM),
    Example("X image, vertical-line filter", {"image": X_IMAGE, "kernel": VERTICAL_KERNEL},
            np.array([[1, 1, 1], [2, 1, 2], [1, 1, 1]])),
    Example("vertical line, vertical-line filter", {"image": LINE_IMAGE, "kernel": VERTICAL_KERNEL},
            np.array([[0, 3, 0]] * 3)),
    Example("filter size 4x4", {"image": LINE_IMAGE, "kernel": WIDE_KERNEL}, np.array([[4, 4], [4, 4]])),
    Example("filter size 2x2", {"image": LINE_IMAGE, "kernel": SMALL_KERNEL}, np.array([[0, 0, 2, 0]] * 4)),
]

CONV_EXAMPLES = [
    Example("many filters: X and vertical line on the X image",
            {"x": X_IMAGE[None, None], "w": np.stack([X_KERNEL, VERTICAL_KERNEL])[:, None], "b": None},
            np.stack([X_FEATURE_MAP, [[1, 1, 1], [2, 1, 2], [1, 1, 1]]])[None], note=ERRATUM),
    Example("colour image: the X in all three channels, the X filter in each",
            {"x": np.stack([X_IMAGE] * 3)[None], "w": np.stack([X_KERNEL] * 3)[None], "b": np.array([1.0])},
            3 * X_FEATURE_MAP[None, None] + 1),
]


def _output_rule(inputs: dict) -> str:
    if "image" in inputs:
        (H, W), (KH, KW) = inputs["image"].shape, inputs["kernel"].shape
    else:
        (_, _, H, W), (_, _, KH, KW) = inputs["x"].shape, inputs["w"].shape
    return f"for H={H}, W={W}, KH={KH}, KW={KW}: H' = H - KH + 1, W' = W - KW + 1"


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _error_message(outcome) -> str:
    return (outcome.error or {}).get("message", "")


def _off_by_one(inputs, expected, outcome):
    """A window past the edge: H' or W' one too small or too large, or the error that raises."""
    actual = _actual(outcome)
    if actual is None:
        message = _error_message(outcome)
        return "out of bounds" in message or ("broadcast" in message and inputs.get("b") is None)
    want, got = np.shape(expected), actual.shape
    return len(got) == len(want) and got[:-2] == want[:-2] and got != want \
        and all(abs(g - w) <= 1 for g, w in zip(got[-2:], want[-2:]))


def _hw_swapped(inputs, expected, outcome):
    """H and W read from the wrong axes: the output's shape or values come out transposed."""
    actual, transposed = _actual(outcome), np.swapaxes(expected, -1, -2)
    if actual is None or actual.shape != transposed.shape:
        return False
    if actual.shape != np.shape(expected):
        return True
    return np.allclose(actual, transposed) and not np.allclose(actual, expected)


def _channels_last(inputs, expected, outcome):
    actual = _actual(outcome)
    return actual is not None and np.ndim(expected) == 4 and actual.shape != np.shape(expected) \
        and actual.shape == np.moveaxis(expected, 1, -1).shape


def _integer_inputs(inputs):
    return any(isinstance(v, np.ndarray) and v.dtype.kind in "iu" for v in inputs.values())


def _wrapped(inputs, expected, outcome):
    """uint8 arithmetic wrapped around: the values come out smaller than the truth, never larger."""
    actual = _actual(outcome)
    if actual is None or actual.shape != np.shape(expected) or not _integer_inputs(inputs):
        return False
    return bool(np.any(actual < expected) and np.all(actual <= expected))


def _integer_output(inputs, expected, outcome):
    """An integer output array: the dtype says so, the values are truncated, or NumPy refused a float."""
    actual = _actual(outcome)
    if actual is None:
        return "Cannot cast ufunc" in _error_message(outcome)
    return actual.shape == np.shape(expected) and (actual.dtype.kind in "iub" or np.array_equal(actual, np.trunc(expected)))


def _bias_wrong_axis(inputs, expected, outcome):
    if inputs.get("b") is None:
        return False
    actual = _actual(outcome)
    if actual is None:
        return "broadcast" in _error_message(outcome)
    wrong = ref.conv2d(inputs["x"], inputs["w"]) + inputs["b"]  # b broadcast along W', not F
    return actual.shape == wrong.shape and np.allclose(actual, wrong)


FLIPPED = ("You flipped the kernel: that is true convolution. CNN layers (and this course) compute "
           "cross-correlation, out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel), with no flip.")
OFF_BY_ONE = ("Output size off by one: a KH-tall window fits H - KH + 1 times in H rows "
              "(range(H - KH + 1), not range(H - KH)).")
HW_SWAPPED = "H and W are swapped: the arrays are (..., H, W), so H = shape[-2] and W = shape[-1]."
WRAPPED = ("uint8 arithmetic wraps around at 256 (200 + 100 gives 44): convert the inputs with "
           ".astype(np.float64) before multiplying, and make the output a float array.")
TRUNCATED = ("Your output array holds integers, so fractions are cut off: create it with a float dtype "
             "(np.zeros(shape) is float64).")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("flipped_kernel", "correlate2d", FLIPPED, reproduce=lambda image, kernel: ref.correlate2d(image, kernel[::-1, ::-1])),
    Mistake("flipped_kernel", "conv2d", FLIPPED, reproduce=lambda x, w, b=None: ref.conv2d(x, w[:, :, ::-1, ::-1], b)),
    Mistake("channels_last", "conv2d",
            "Your output is channels-last, (N, H', W', F), as in Keras (the lecture's code). "
            "This course uses PyTorch's layout: x is (N, C, H, W) and the output is (N, F, H', W').",
            detect=_channels_last),
    Mistake("hw_swapped", "correlate2d", HW_SWAPPED, detect=_hw_swapped),
    Mistake("hw_swapped", "conv2d", HW_SWAPPED, detect=_hw_swapped),
    Mistake("bias_ignored", "conv2d", "The bias is missing: add b[f] to every position of output channel f.",
            reproduce=lambda x, w, b=None: ref.conv2d(x, w)),
    Mistake("bias_wrong_axis", "conv2d",
            "The bias is added along the wrong axis: `out + b` broadcasts b over the last axis (W'); "
            "reshape it to (1, F, 1, 1) so that b[f] goes to channel f.",
            detect=_bias_wrong_axis),
    Mistake("off_by_one", "correlate2d", OFF_BY_ONE, detect=_off_by_one),
    Mistake("off_by_one", "conv2d", OFF_BY_ONE, detect=_off_by_one),
    Mistake("one_channel", "conv2d",
            "Only the first input channel is used: each output channel sums the windows of all C "
            "input channels, sum(x[n, :, i:i+KH, j:j+KW] * w[f]).",
            reproduce=lambda x, w, b=None: ref.conv2d(x[:, :1], w[:, :1], b)),
    Mistake("integer_output", "correlate2d", TRUNCATED, detect=_integer_output),
    Mistake("integer_output", "conv2d", TRUNCATED, detect=_integer_output),
    Mistake("uint8_overflow", "correlate2d", WRAPPED, detect=_wrapped),
    Mistake("uint8_overflow", "conv2d", WRAPPED, detect=_wrapped),
)

EXERCISE = Exercise(
    id="exercise1",
    module=__name__.rpartition(".")[2],
    title="Convolution",
    section="4. Convolutional Layer",
    summary="correlate2d(image, kernel) and conv2d(x, w, b=None): valid cross-correlation in NumPy",
    points=10, hidden_points=1,
    functions=("correlate2d", "conv2d"),
    checks=(
        lecture_examples(
            "correlate2d", CORRELATE_EXAMPLES, points=2, name="correlate2d: the lecture's examples",
            description="The X image and filter (centre 5, see the erratum), the vertical-line filter, "
                        "and the 4x4 and 2x2 filter-size examples."),
        matches_reference(
            "correlate2d", ref.correlate2d, image_and_kernel(FLOATS_AND_PIXELS),
            points=2, name="correlate2d: matches the reference",
            description="Random non-square images and kernels up to 12x12: float32, float64 and uint8 "
                        "pixels (0-255), always a floating-point result.",
            explain=_output_rule),
        lecture_examples(
            "conv2d", CONV_EXAMPLES, points=1, name="conv2d: the lecture's examples",
            description="Two filters on the X image; a colour image summed over its three channels."),
        same_shape_as_reference(
            "conv2d", ref.conv2d, batch_and_filters(), points=1, name="conv2d: output shape",
            description="(N, F, H - KH + 1, W - KW + 1) for drawn N, C, F, H, W, KH, KW.",
            explain=_output_rule),
        matches_reference(
            "conv2d", ref.conv2d, batch_and_filters(), points=2,
            name="conv2d: matches the reference (no bias)",
            description="Random batches and filter banks, float32 and float64, b=None.",
            explain=_output_rule),
        matches_reference(
            "conv2d", ref.conv2d, batch_and_filters(bias=True), points=1,
            name="conv2d: one bias per output channel",
            description="b[f] is added to every position of output channel f.", explain=_output_rule),
        matches_reference(
            "conv2d", ref.conv2d, batch_and_filters(dtypes=(np.uint8,), bias=None), points=1,
            name="conv2d: uint8 pixel images",
            description="Images and filters as uint8 (0-255, section 2): no overflow, no truncation, "
                        "a floating-point result.",
            explain=_output_rule),
        matches_reference(
            "conv2d", ref.conv2d, batch_and_filters(bias=None, max_side=24), points=1,
            name="conv2d: images up to 24x24", hidden=True, max_examples=10,
            description="Hidden until grading: larger images, so that code fitted to the visible "
                        "checks' sizes fails.",
            explain=_output_rule),
    ),
    mistakes=MISTAKES,
)
