"""Exercise 1, convolution: what is checked, the lecture's examples, and the mistakes we name.

One feature per check: the core checks draw square float64 images (values in quarter steps);
non-square shapes, batches, a bias and uint8 pixels each have a check of their own, so that a
missing feature costs its own points and never hides another bug. Each named mistake has fixed
examples that expose it whatever the seed; each check family has a case at the lecture's sizes
(a 28x28 MNIST digit, a 32x32x3 CIFAR-10 image).
"""

from dataclasses import replace

import numpy as np

from grader.authoring import (BATCH, BIAS, MAX_SIDE, NON_SQUARE, UINT8_PIXELS, Example, Exercise, Mistake, answer_key,
                              draw_array, draw_conv_arrays, feature_checks, lecture_examples, matches_reference,
                              quarters, returned_array, st, uint8_wrapped, upto)

key = answer_key(__name__)
F64 = np.float64

# --- What hypothesis draws ---------------------------------------------------------------------


@st.composite
def image_and_kernel(draw, dtype=F64, square: bool = True) -> dict:
    """One image (H, W) and one kernel (KH, KW) that fits inside it; square both unless `square` is False."""
    H = draw(upto(MAX_SIDE), label="H")
    W = H if square else draw(upto(MAX_SIDE), label="W")
    KH = draw(upto(H), label="KH")
    KW = KH if square else draw(upto(W), label="KW")
    return {"image": draw_array(draw, dtype, (H, W), label="image"),
            "kernel": draw_array(draw, dtype, (KH, KW), label="kernel")}


@st.composite
def batch_and_filters(draw, dtype=F64, bias: bool = False, batch: bool = False, square: bool = True,
                      max_side: int = MAX_SIDE) -> dict:
    """x (N, C, H, W), w (F, C, KH, KW) with KH <= H and KW <= W, and b (F,) when `bias`.

    N is 1 unless `batch`; H = W and KH = KW unless `square` is False.
    """
    N = draw(upto(3, 2), label="N") if batch else 1
    C, F = draw(upto(3), label="C"), draw(upto(3), label="F")
    H = draw(upto(max_side), label="H")
    W = H if square else draw(upto(max_side), label="W")
    KH = draw(upto(H), label="KH")
    KW = KH if square else draw(upto(W), label="KW")
    return draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias)


# --- Fixed examples: each named mistake's smallest witness, and the lecture's sizes -------------------


def _image_and_kernel(image, kernel) -> dict:
    return {"image": np.asarray(image, dtype=F64), "kernel": np.asarray(kernel, dtype=F64)}


def _batch(x, w, b=None) -> dict:
    return {"x": np.asarray(x, dtype=F64), "w": np.asarray(w, dtype=F64),
            "b": None if b is None else np.asarray(b, dtype=F64)}


MNIST = _image_and_kernel(quarters((28, 28), 28), quarters((3, 3), 3))  # a 28x28 digit, a 3x3 filter
CIFAR = _batch(quarters((1, 3, 32, 32), 32), quarters((2, 3, 5, 5), 5))  # a 32x32x3 image, two 5x5 filters

CORRELATE_FIXED = (
    _image_and_kernel([[1, 2]], [[1, 0]]),  # flipped: [[0, 1]] gives 2 instead of 1
    _image_and_kernel([[0.5]], [[0.5]]),  # 0.25: an integer output array truncates it to 0
    _image_and_kernel([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, 0]]),  # a window too many or too few
    MNIST,
)
CORRELATE_NON_SQUARE = (_image_and_kernel([[1, 2, 3], [4, 5, 6]], [[1, 2]]),)  # H and W read from the wrong axes
CORRELATE_PIXELS = ({"image": np.array([[200, 100]], np.uint8), "kernel": np.array([[2, 3]], np.uint8)},)  # 700

CONV_FIXED = (
    _batch([[[[1, 2]]]], [[[[1, 0]]]]),  # flipped kernel
    _batch(np.ones((1, 1, 4, 4)), [[[[1, 0], [0, 0]]], [[[0, 1], [0, 0]]]]),  # (1, 2, 3, 3), not (1, 3, 3, 2)
    _batch([[[[1.0]], [[2.0]]]], [[[[1.0]], [[1.0]]]]),  # two channels: 1 + 2, not 1
    _batch([[[[0.5]]]], [[[[0.5]]]]),  # 0.25 truncated by an integer array
    CIFAR,
)
CONV_BATCH = (_batch([[[[1.0]]], [[[2.0]]]], [[[[1.0]]]]),)  # two images: the second is not the first
CONV_BIAS = (
    _batch([[[[1.0]]]], [[[[1.0]]]], [0.5]),  # the bias is added at all
    _batch(np.ones((1, 1, 2, 2)), [[[[1.0]]], [[[2.0]]]], [1.0, 10.0]),  # to its channel, not along W'
    {**CIFAR, "b": np.array([0.25, -0.5])},
)
CONV_NON_SQUARE = (_batch([[[[1, 2, 3], [4, 5, 6]]]], [[[[1, 2]]]]),)
CONV_PIXELS = ({"x": np.array([[[[200, 100]]]], np.uint8), "w": np.array([[[[2, 3]]]], np.uint8), "b": None},)

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


def output_rule(inputs: dict) -> str:
    if "image" in inputs:
        (H, W), (KH, KW) = inputs["image"].shape, inputs["kernel"].shape
    else:
        (_, _, H, W), (_, _, KH, KW) = inputs["x"].shape, inputs["w"].shape
    return f"for H={H}, W={W}, KH={KH}, KW={KW}: H' = H - KH + 1, W' = W - KW + 1"


# --- Known mistakes, told by behaviour -----------------------------------------------------------


def _off_by_one(inputs, expected, outcome):
    """H' or W' one too small or too large; or, where no array comes back, an index past the edge
    (IndexError) or a window cut short by the edge that no longer fits its slot (ValueError)."""
    actual = returned_array(outcome)
    if actual is None:
        return outcome.failure is None and (outcome.error or {}).get("type") in ("IndexError", "ValueError") \
            and inputs.get("b") is None
    want, got = np.shape(expected), actual.shape
    return len(got) == len(want) and got[:-2] == want[:-2] and got != want \
        and all(abs(g - w) <= 1 for g, w in zip(got[-2:], want[-2:]))


def _hw_swapped(inputs, expected, outcome):
    """H and W read from the wrong axes: the output's shape or values come out transposed."""
    actual, transposed = returned_array(outcome), np.swapaxes(expected, -1, -2)
    if actual is None or actual.shape != transposed.shape:
        return False
    if actual.shape != np.shape(expected):
        return True
    return np.allclose(actual, transposed) and not np.allclose(actual, expected)


def _channels_last(inputs, expected, outcome):
    actual = returned_array(outcome)
    return actual is not None and np.ndim(expected) == 4 and actual.shape != np.shape(expected) \
        and actual.shape == np.moveaxis(expected, 1, -1).shape


def _integer_output(inputs, expected, outcome):
    """An integer output array: its dtype says so, or its values are the truth cut to integers."""
    actual = returned_array(outcome)
    if actual is None or actual.shape != np.shape(expected):
        return False
    return actual.dtype.kind in "iub" or \
        (not np.allclose(expected, np.round(expected)) and np.array_equal(actual, np.trunc(expected)))


FLIPPED = ("You flipped the kernel: that is true convolution. CNN layers (and this course) compute "
           "cross-correlation, out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel), with no flip.")
OFF_BY_ONE = ("Output size off by one: a KH-tall window fits H - KH + 1 times in H rows "
              "(range(H - KH + 1), not range(H - KH)).")
HW_SWAPPED = "H and W are swapped: the arrays are (..., H, W), so H = shape[-2] and W = shape[-1]."
WRAPPED = ("uint8 arithmetic wraps around at 256 (200 + 100 gives 44): convert the inputs with "
           ".astype(np.float64) before multiplying, and make the output a float array.")
TRUNCATED = ("Your output array holds integers (an integer dtype), so fractions are cut off, and the answer "
             "must be floating point even where it is whole: create it with a float dtype (np.zeros(shape) is "
             "float64).")

# Tried in this order on the failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("flipped_kernel", "correlate2d", FLIPPED, reproduce=key.flipped_correlate2d),
    Mistake("flipped_kernel", "conv2d", FLIPPED, reproduce=key.flipped_conv2d),
    Mistake("channels_last", "conv2d",
            "Your output is channels-last, (N, H', W', F), as in Keras (the lecture's code). "
            "This course uses PyTorch's layout: x is (N, C, H, W) and the output is (N, F, H', W').",
            detect=_channels_last),
    Mistake("hw_swapped", "correlate2d", HW_SWAPPED, detect=_hw_swapped),
    Mistake("hw_swapped", "conv2d", HW_SWAPPED, detect=_hw_swapped),
    Mistake("bias_ignored", "conv2d", "The bias is missing: add b[f] to every position of output channel f.",
            reproduce=key.conv2d_without_bias),
    Mistake("bias_wrong_axis", "conv2d",
            "The bias is added along the wrong axis: `out + b` broadcasts b over the last axis (W'); "
            "reshape it to (1, F, 1, 1) so that b[f] goes to channel f.",
            reproduce=key.bias_on_last_axis),
    Mistake("off_by_one", "correlate2d", OFF_BY_ONE, detect=_off_by_one),
    Mistake("off_by_one", "conv2d", OFF_BY_ONE, detect=_off_by_one),
    Mistake("one_channel", "conv2d",
            "Only the first input channel is used: each output channel sums the windows of all C "
            "input channels, sum(x[n, :, i:i+KH, j:j+KW] * w[f]).",
            reproduce=key.first_channel_only),
    Mistake("integer_output", "correlate2d", TRUNCATED, detect=_integer_output),
    Mistake("integer_output", "conv2d", TRUNCATED, detect=_integer_output),
    Mistake("uint8_overflow", "correlate2d", WRAPPED, detect=uint8_wrapped),
    Mistake("uint8_overflow", "conv2d", WRAPPED, detect=uint8_wrapped),
)

# The features each function must handle besides its core case, in this exercise's words and draws.
NON_SQUARE_KERNELS = replace(NON_SQUARE, title="non-square images and kernels")
PIXELS = replace(UINT8_PIXELS, draws={"dtype": np.uint8})  # these strategies draw one dtype

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
            "correlate2d", CORRELATE_EXAMPLES, points=1, name="correlate2d: the lecture's examples",
            description="The X image and filter (centre 5, see the erratum), the vertical-line filter, "
                        "and the 4x4 and 2x2 filter-size examples."),
        matches_reference(
            "correlate2d", key.correlate2d, image_and_kernel(), points=1,
            name="correlate2d: matches the reference",
            description="Random square float64 images and kernels up to 12x12, and a 28x28 MNIST-sized image.",
            explain=output_rule, examples=CORRELATE_FIXED),
        *feature_checks(
            "correlate2d", key.correlate2d, image_and_kernel, (
                (NON_SQUARE_KERNELS, CORRELATE_NON_SQUARE),
                (replace(PIXELS, description="Images and kernels as uint8 (0-255, section 2): no overflow, a "
                                             "floating-point result."), CORRELATE_PIXELS),
            ), points=1, explain=output_rule),
        lecture_examples(
            "conv2d", CONV_EXAMPLES, points=1, name="conv2d: the lecture's examples",
            description="Two filters on the X image; a colour image summed over its three channels."),
        matches_reference(
            "conv2d", key.conv2d, batch_and_filters(), points=1,
            name="conv2d: matches the reference (no bias)",
            description="One square float64 image of C channels and F filters, b=None; and a 32x32x3 "
                        "CIFAR-10-sized image with two 5x5 filters.",
            explain=output_rule, examples=CONV_FIXED),
        *feature_checks(
            "conv2d", key.conv2d, batch_and_filters, (
                (BATCH, CONV_BATCH), (BIAS, CONV_BIAS),
                (NON_SQUARE_KERNELS, CONV_NON_SQUARE), (PIXELS, CONV_PIXELS),
            ), points=1, explain=output_rule),
    ),
    mistakes=MISTAKES,
)
