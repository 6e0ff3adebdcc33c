"""Exercise 3, stride: what is checked, the lecture's examples, and the mistakes we name."""

import math

import numpy as np
from hypothesis import strategies as st

from grader.checks import (Falsified, lecture_examples, matches_reference, same_shape_as_reference,
                           satisfies_property)
from grader.compare import Mismatch, as_array, compare_arrays, describe_value
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import FLOATS, FLOATS_AND_PIXELS, draw_conv_arrays, draw_per_axis, one_of, upto
from reference import stride as ref
from reference.lecture import IMAGE, PADDED_FEATURE_MAP, X_KERNEL
from reference.padding import pair

# --- What hypothesis draws ---------------------------------------------------------------------


@st.composite
def strided_conv_inputs(draw, dtypes=FLOATS, bias: bool | None = None, max_side: int = 8,
                        max_stride: int = 4, max_padding: int = 3) -> dict:
    """x, w, b, stride, padding (each stride and padding an int or a pair).

    Strides may exceed the kernel (pixels skipped), padding may exceed it (windows of zeros
    only); the kernel fits in the padded image, so there is at least one output position.
    """
    N, C, F = draw(upto(2), label="N"), draw(upto(3), label="C"), draw(upto(3), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    padding, (ph, pw) = draw_per_axis(draw, 0, (max_padding, max_padding), "padding")
    KH, KW = draw(upto(min(H + 2 * ph, 7)), label="KH"), draw(upto(min(W + 2 * pw, 7)), label="KW")
    stride, _ = draw_per_axis(draw, 1, (max_stride, max_stride), "stride")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {**draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias), "stride": stride, "padding": padding}


@st.composite
def output_size_inputs(draw, max_size: int = 40) -> dict:
    """size, kernel (fits in the padded size), stride and padding: the ints of one axis."""
    size, padding = draw(upto(max_size), label="size"), draw(upto(5, 0), label="padding")
    kernel = draw(upto(min(size + 2 * padding, 11)), label="kernel")
    stride = draw(upto(6), label="stride")
    return {"size": size, "kernel": kernel, "stride": stride, "padding": padding}


# --- Output sizes: ints, judged exactly ------------------------------------------------------------


def _formula(size, kernel, stride=1, padding=0) -> str:
    """'(5 + 2*1 - 3) // 2 + 1 = 4 // 2 + 1 = 3': the rule with this input's numbers."""
    return (f"(size + 2*padding - kernel) // stride + 1 = ({size} + 2*{padding} - {kernel}) // {stride} + 1 "
            f"= {size + 2 * padding - kernel} // {stride} + 1 = {ref.output_size(size, kernel, stride, padding)}")


def _as_int(value) -> int | None:
    """`value` if it is an int (a Python int, or a NumPy integer, which arrives as a 0-d array)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    array = as_array(value)
    if array is not None and array.ndim == 0 and array.dtype.kind in "iu":
        return int(array)
    return None


def _int_mismatch(expected: int, actual) -> Mismatch | None:
    got = _as_int(actual)
    if got == expected:
        return None
    if got is None:
        number = as_array(actual)
        if number is not None and number.ndim == 0 and number.dtype.kind == "f":
            return Mismatch(f"returned {float(number)!r}, a float; expected the int {expected} "
                            "(use floor division, //, not /)")
        return Mismatch(f"returned {describe_value(actual)}, expected the int {expected}")
    return Mismatch(f"returned {got}, expected {expected}")


def _exact_output_size(session, drawn: dict) -> None:
    expected = ref.output_size(**drawn)
    mismatch = _int_mismatch(expected, session.call("output_size", drawn))
    if mismatch is not None:
        raise Falsified(f"output_size {mismatch.message}: {_formula(**drawn)}", function="output_size",
                        inputs=drawn, expected=expected, outcome=session.last_outcome)


def _size_example(name: str, size: int, kernel: int, stride: int = 1, padding: int = 0) -> Example:
    inputs = {"size": size, "kernel": kernel, "stride": stride, "padding": padding}
    return Example(name, inputs, ref.output_size(**inputs), note=_formula(**inputs))


# --- The lecture's worked examples (sections 5, 6 and 10) -----------------------------------------

SIZE_EXAMPLES = [
    _size_example("CNN problem 1: a 2x2 filter turns 5 pixels into 4", 5, 2),
    _size_example("CNN problem 1: three 2x2 filters later, 2 pixels become 1", 2, 2),
    _size_example("LeNet's first Conv2D, padding='same': padding 2 keeps 32 with a 5x5 filter", 32, 5, padding=2),
    _size_example("padding 1 keeps 5 pixels with a 3x3 filter", 5, 3, padding=1),
    _size_example("stride 2 on the padded 5x5 image", 5, 3, stride=2, padding=1),
    _size_example("LeNet: 5x5 filter, no padding, 16 -> 12", 16, 5),
    _size_example("LeNet: 2x2 average pooling, stride 2, 12 -> 6", 12, 2, stride=2),
    _size_example("cats and dogs: 2x2 max pooling, 200 -> 100", 200, 2, stride=2),
    _size_example("VGG16 block4_pool: 25 -> 12, the last row has no partner and is dropped", 25, 2, stride=2),
]

STRIDED_EXAMPLES = [
    Example("stride 1 on the padded image", {"x": IMAGE[None, None], "w": X_KERNEL[None, None], "b": None,
                                             "stride": 1, "padding": 1},
            PADDED_FEATURE_MAP[None, None]),
    Example("stride 2 on the padded image", {"x": IMAGE[None, None], "w": X_KERNEL[None, None], "b": None,
                                             "stride": 2, "padding": 1},
            PADDED_FEATURE_MAP[None, None, ::2, ::2],
            note="With stride 2 the X filter visits every other position of the padded image: rows and "
                 "columns 0, 2 and 4 of the stride-1 feature map, [[4, 4, 4], [4, 10, 4], [4, 4, 4]]."),
    Example("how many times each pixel is used without padding (2x2 filter)",
            {"x": np.ones((1, 1, 4, 4)), "w": np.ones((1, 1, 2, 2)), "b": None, "stride": 1, "padding": 1},
            np.outer([1, 2, 2, 2, 1], [1, 2, 2, 2, 1])[None, None],
            note="A 2x2 filter fits 4x4 times in the 5x5 image of CNN problem 2. Spreading a 1 from each of "
                 "those 4x4 positions over its 2x2 window is correlating the 4x4 map of ones, padded by 1, "
                 "with a 2x2 filter of ones: 1 in a corner, 2 on an edge, 4 inside, the lecture's map."),
]


def _strided_rule(inputs: dict) -> str:
    (_, _, H, W), (_, _, KH, KW) = inputs["x"].shape, inputs["w"].shape
    (sh, sw), (ph, pw) = pair(inputs["stride"]), pair(inputs["padding"])
    return (f"for H={H}, W={W}, KH={KH}, KW={KW}, stride={inputs['stride']!r}, padding={inputs['padding']!r}: "
            f"H' = (H + 2*{ph} - KH) // {sh} + 1 = {ref.output_size(H, KH, sh, ph)}, "
            f"W' = (W + 2*{pw} - KW) // {sw} + 1 = {ref.output_size(W, KW, sw, pw)}")


def _subsampled(session, drawn: dict) -> None:
    """conv2d_strided(..., stride=(sh, sw)) == conv2d_strided(..., stride=1)[:, :, ::sh, ::sw]."""
    sh, sw = pair(drawn["stride"])
    dense = as_array(session.call("conv2d_strided", {**drawn, "stride": 1}))
    if dense is None or dense.ndim != 4:
        raise Falsified(f"with stride=1, conv2d_strided returned {describe_value(dense)}, expected a 4-d array",
                        function="conv2d_strided", inputs={**drawn, "stride": 1},
                        expected=ref.conv2d_strided(**{**drawn, "stride": 1}), outcome=session.last_outcome)
    expected = dense[:, :, ::sh, ::sw]
    mismatch = compare_arrays(expected, session.call("conv2d_strided", drawn), require_float=False)
    if mismatch is not None:
        raise Falsified(f"with stride={drawn['stride']!r}, conv2d_strided is not your stride-1 output "
                        f"subsampled, out[:, :, ::{sh}, ::{sw}]: it {mismatch.message}",
                        function="conv2d_strided", inputs=drawn, expected=expected,
                        outcome=session.last_outcome, differences=mismatch.differences)


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _float_answer(inputs, expected, outcome):
    """output_size used true division, /, and returned a float (4.5, or 4.0 where it divides)."""
    number = _actual(outcome)
    return number is not None and number.ndim == 0 and number.dtype.kind == "f" \
        and math.isclose(float(number), (inputs["size"] + 2 * inputs["padding"] - inputs["kernel"]) / inputs["stride"] + 1)


def _output_positions(x, w, stride, padding) -> tuple[int, int]:
    (_, _, H, W), (_, _, KH, KW) = np.shape(x), np.shape(w)
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    return ref.output_size(H, KH, sh, ph), ref.output_size(W, KW, sw, pw)


def _stride_not_applied(x, w, b=None, stride=1, padding=0):
    """Output positions counted with the stride, but window (i, j) read at row i, column j."""
    H_out, W_out = _output_positions(x, w, stride, padding)
    return ref.conv2d_strided(x, w, b, 1, padding)[:, :, :H_out, :W_out]


def _stride_one_axis(inputs, expected, outcome):
    """Window (i, j) read at (i*sh, j) or (i, j*sw), or with one stride for both axes."""
    actual = _actual(outcome)
    if actual is None or actual.shape != np.shape(expected) or np.allclose(actual, expected):
        return False
    (sh, sw), (H_out, W_out) = pair(inputs["stride"]), expected.shape[2:]
    dense = ref.conv2d_strided(inputs["x"], inputs["w"], inputs["b"], 1, inputs["padding"])
    for steps in {(sh, 1), (1, sw), (sh, sh), (sw, sw)} - {(sh, sw)}:
        wrong = dense[:, :, ::steps[0], ::steps[1]][:, :, :H_out, :W_out]
        if wrong.shape == actual.shape and np.allclose(wrong, actual):
            return True
    return False


def _error(outcome) -> dict:
    return (outcome.error or {}) if not outcome.ok and outcome.failure is None else {}


def _padding_forgotten(inputs, expected, outcome):
    """x used unpadded: windows run off its edge (NumPy's broadcast error), or the output lost 2*padding."""
    if pair(inputs["padding"]) == (0, 0):
        return False
    if "could not be broadcast" in _error(outcome).get("message", ""):
        return True
    unpadded = {**inputs, "padding": 0}
    try:
        wrong = ref.conv2d_strided(**unpadded)
    except ValueError:  # the filter does not fit the unpadded image
        return False
    actual = _actual(outcome)
    return actual is not None and actual.shape == wrong.shape != np.shape(expected) and np.allclose(actual, wrong)


def _window_past_the_end(inputs, expected, outcome):
    """A window or an output index past the end: NumPy's broadcast or IndexError.

    With padding, a broadcast error may as well be padding forgotten: drawn inputs shrink to
    padding 0 when padding has nothing to do with it; a lecture example cannot shrink, so there
    both hints are given.
    """
    message = _error(outcome).get("message", "")
    lecture_example = any(inputs is example.inputs for example in STRIDED_EXAMPLES)
    return (pair(inputs["padding"]) == (0, 0) or lecture_example) \
        and ("could not be broadcast" in message or "out of bounds" in message)


def _last_row_or_column_missing(inputs, expected, outcome):
    """range(H_out - 1) or range(W_out - 1): the last output row or column is never written (stays 0)."""
    actual = _actual(outcome)
    if actual is None or actual.shape != np.shape(expected) or np.allclose(actual, expected):
        return False
    candidates = []
    for rows, cols in ((slice(-1, None), slice(None)), (slice(None), slice(-1, None))):
        without = np.array(expected, dtype=np.float64)
        without[:, :, rows, cols] = 0
        candidates.append(without)
    both = candidates[0].copy()
    both[:, :, :, -1] = 0
    return any(np.allclose(actual, wrong) for wrong in candidates + [both])


def _wrapped(inputs, expected, outcome):
    """uint8 arithmetic wrapped around: each value is short of the truth by a multiple of 256."""
    actual = _actual(outcome)
    pixels = any(isinstance(v, np.ndarray) and v.dtype == np.uint8 for v in inputs.values())
    if actual is None or actual.shape != np.shape(expected) or not pixels:
        return False
    short = (np.asarray(expected, dtype=np.float64) - actual) / 256
    return bool(np.any(short > 0.5) and np.allclose(short, np.round(short)) and np.all(short > -1e-9))


def _pair_refused(names):
    """A (for H, for W) pair reached code written for ints only: a TypeError that mentions tuple."""
    def detect(inputs, expected, outcome):
        error = _error(outcome)
        return error.get("type") == "TypeError" and "tuple" in error.get("message", "") \
            and any(isinstance(inputs.get(name), tuple) for name in names)
    return detect


PLUS_ONE = ("The + 1 is missing: the window at position 0 counts too. (size + 2*padding - kernel) // stride "
            "is the number of whole strides that still fit AFTER the first window; a 2x2 filter on 5 pixels "
            "fits 4 times, (5 - 2) // 1 + 1.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("true_division", "output_size",
            "output_size returned a float: / is true division (5 / 2 = 2.5). Use floor division, //, so that "
            "the answer is an int and a window that does not fit is not counted.",
            detect=_float_answer),
    Mistake("no_plus_one", "output_size", PLUS_ONE,
            reproduce=lambda size, kernel, stride=1, padding=0: (size + 2 * padding - kernel) // stride),
    Mistake("ceil_division", "output_size",
            "Rounded up instead of down: a window that would run past the edge is dropped, so the division "
            "is floor division, (size + 2*padding - kernel) // stride + 1, not math.ceil(...).",
            reproduce=lambda size, kernel, stride=1, padding=0: -(-(size + 2 * padding - kernel) // stride) + 1),
    Mistake("padding_counted_once", "output_size",
            "The padding is counted once: `padding` zeros go on EACH side, so the padded size is "
            "size + 2*padding.",
            reproduce=lambda size, kernel, stride=1, padding=0: (size + padding - kernel) // stride + 1),
    Mistake("stride_not_applied", "conv2d_strided",
            "The stride is not applied to the input: output position (i, j) reads the window at row i*sh and "
            "column j*sw of the padded image, x_padded[:, :, i*sh:i*sh+KH, j*sw:j*sw+KW], not at row i.",
            reproduce=_stride_not_applied),
    Mistake("stride_one_axis", "conv2d_strided",
            "The stride is applied along one axis only (or one stride is used for both): with "
            "stride=(sh, sw), window (i, j) starts at row i*sh and column j*sw; an int stride means "
            "sh = sw = stride.",
            detect=_stride_one_axis),
    Mistake("padding_forgotten", "conv2d_strided",
            "x is not padded: with padding p the windows slide over x_padded, (N, C, H + 2*ph, W + 2*pw), with "
            "ph zeros above and below and pw left and right. Unpadded, the last windows run off x's edge and come "
            "out smaller than the filter (hence NumPy's 'could not be broadcast'), or the output loses 2*padding "
            "rows. Pad first, e.g. np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).",
            detect=_padding_forgotten),
    Mistake("loop_bound_off_by_one", "conv2d_strided",
            "The last output row or column is never computed (it stays 0): the loop must visit every output "
            "position, for i in range(H_out) and for j in range(W_out), not range(H_out - 1).",
            detect=_last_row_or_column_missing),
    Mistake("loop_past_the_end", "conv2d_strided",
            "The loop over output positions goes one step too far: the last window, at row (H_out - 1)*sh, "
            "must still fit, so i runs over range(H_out), with H_out = (H + 2*ph - KH) // sh + 1. A window "
            "that runs past the edge comes out smaller than the filter (NumPy's 'could not be broadcast'), "
            "and out[:, :, H_out] does not exist ('out of bounds').",
            detect=_window_past_the_end),
    Mistake("uint8_overflow", "conv2d_strided",
            "uint8 arithmetic wraps around at 256 (200 * 2 gives 144): convert x and w with .astype(np.float64) "
            "before multiplying (np.pad keeps uint8), and make the output a float array.",
            detect=_wrapped),
    Mistake("pair_not_handled", "conv2d_strided",
            "stride and padding may be pairs, (for H, for W), as well as ints: turn each into two ints first, "
            "sh, sw = (stride, stride) if isinstance(stride, int) else stride, and use sh for rows, sw for "
            "columns.",
            detect=_pair_refused(("stride", "padding"))),
)

EXERCISE = Exercise(
    id="exercise3",
    module=__name__.rpartition(".")[2],
    title="Stride",
    section="5. Padding / Stride",
    summary="output_size(size, kernel, stride=1, padding=0) and conv2d_strided(x, w, b=None, stride=1, padding=0)",
    points=10,
    functions=("output_size", "conv2d_strided"),
    checks=(
        lecture_examples(
            "output_size", SIZE_EXAMPLES, points=1, name="output_size: the lecture's numbers",
            description="The sizes in sections 5 and 6 and in the Keras summaries of section 10 "
                        "(LeNet 16 -> 12 -> 6, VGG16's 25 -> 12).",
            compare=_int_mismatch),
        satisfies_property(
            "output_size", _exact_output_size, output_size_inputs(), points=2,
            name="output_size: the formula, exactly",
            description="An int, (size + 2*padding - kernel) // stride + 1, for drawn sizes up to 40, kernels "
                        "up to 11, strides up to 6 and padding up to 5.",
            max_examples=40),
        lecture_examples(
            "conv2d_strided", STRIDED_EXAMPLES, points=1, name="conv2d_strided: the lecture's examples",
            description="The padded 5x5 image with the X filter at stride 1 and 2; how many times each pixel "
                        "is used by a 2x2 filter without padding."),
        same_shape_as_reference(
            "conv2d_strided", ref.conv2d_strided, strided_conv_inputs(), points=1,
            name="conv2d_strided: output shape",
            description="(N, F, H', W') for strides up to 4 and padding up to 3, ints or (for H, for W).",
            explain=_strided_rule, max_examples=20),
        matches_reference(
            "conv2d_strided", ref.conv2d_strided, strided_conv_inputs(FLOATS_AND_PIXELS),
            points=3, name="conv2d_strided: matches the reference",
            description="Random batches and filters, strides larger than the filter, padding larger than the "
                        "filter, non-square everything; float32, float64 and uint8, with and without a bias.",
            explain=_strided_rule),
        satisfies_property(
            "conv2d_strided", _subsampled, strided_conv_inputs(), points=2,
            name="conv2d_strided: the stride-1 output, subsampled",
            description="Stride s keeps every s-th row and column of the stride-1 output: "
                        "conv2d_strided(x, w, b, (sh, sw), p) == conv2d_strided(x, w, b, 1, p)[:, :, ::sh, ::sw].",
            max_examples=20),
    ),
    mistakes=MISTAKES,
)
