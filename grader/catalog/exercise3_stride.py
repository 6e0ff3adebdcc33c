"""Exercise 3, stride: what is checked, the lecture's examples, and the mistakes we name.

One feature per check: the core checks draw one square float64 image, int strides and paddings
and no bias; (for H, for W) pairs, batches, non-square shapes, a bias and uint8 pixels each have
a check of their own, so that a missing feature (code that cannot take pairs, say) costs its own
points and never hides another bug (a round() in the output size). Each named mistake has fixed
examples that expose it whatever the seed; the core checks have cases at the lecture's sizes (a
28x28 MNIST digit, a 32x32x3 CIFAR-10 image).
"""

from functools import partial

import numpy as np

from grader.authoring import (BATCH, BIAS, FLOATS, NON_SQUARE, UINT8_PIXELS, Example, Exercise, Falsified, Mismatch,
                              Mistake, Probe, answer_key, as_array, compare_arrays, describe_value, draw_conv_arrays,
                              draw_per_axis, feature_checks, lecture_examples, matches_reference, one_of, per_axis,
                              quarters, returned_array, same_shape_as_reference, satisfies_property, st, uint8_wrapped,
                              upto)

key = answer_key(__name__)
F64 = np.float64

# --- What hypothesis draws ---------------------------------------------------------------------
# The defaults draw everything at once (the reference's own tests use them); each check asks for
# the plainest domain and at most one feature.


def _draw_int_or_pair(draw, pairs: bool | None, low: int, high: int, label: str):
    """An int, a (for H, for W) pair when `pairs`, or either when `pairs` is None; and its pair."""
    if pairs is None:
        return draw_per_axis(draw, low, (high, high), label)
    if pairs:
        value = (draw(upto(high, low), label=f"{label} for H"), draw(upto(high, low), label=f"{label} for W"))
        return value, value
    value = draw(upto(high, low), label=label)
    return value, (value, value)


@st.composite
def strided_conv_inputs(draw, dtypes=FLOATS, bias: bool | None = None, pairs: bool | None = None,
                        batch: bool = True, square: bool = False, min_stride: int = 1, max_side: int = 8,
                        max_stride: int = 4, max_padding: int = 3) -> dict:
    """x, w, b, stride, padding: stride and padding ints, pairs when `pairs`, either when None.

    Strides may exceed the kernel (pixels skipped), padding may exceed it (windows of zeros
    only); the kernel fits in the padded image, so there is at least one output position. N is
    2 or 3 when `batch`, else 1; H = W and KH = KW when `square`; b as `bias` (None: either).
    """
    N = draw(upto(3, 2), label="N") if batch else 1
    C, F = draw(upto(3), label="C"), draw(upto(3), label="F")
    H = draw(upto(max_side), label="H")
    W = H if square else draw(upto(max_side), label="W")
    padding, (ph, pw) = _draw_int_or_pair(draw, pairs, 0, max_padding, "padding")
    KH = draw(upto(min(H + 2 * ph, W + 2 * pw if square else 7, 7)), label="KH")
    KW = KH if square else draw(upto(min(W + 2 * pw, 7)), label="KW")
    stride, _ = _draw_int_or_pair(draw, pairs, min_stride, max(max_stride, min_stride), "stride")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {**draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias), "stride": stride, "padding": padding}


PLAIN = {"dtypes": (F64,), "bias": False, "pairs": False, "batch": False, "square": True}  # the core checks' domain


@st.composite
def output_size_inputs(draw, max_size: int = 40) -> dict:
    """size, kernel (fits in the padded size), stride and padding: the ints of one axis."""
    size, padding = draw(upto(max_size), label="size"), draw(upto(5, 0), label="padding")
    kernel = draw(upto(min(size + 2 * padding, 11)), label="kernel")
    stride = draw(upto(6), label="stride")
    return {"size": size, "kernel": kernel, "stride": stride, "padding": padding}


# --- Output sizes: ints, judged exactly ------------------------------------------------------------


def _formula(inputs: dict, expected: int) -> str:
    """'(size + 2*padding - kernel) // stride + 1 = (5 + 2*1 - 3) // 2 + 1 = 3': the rule with this input's numbers."""
    return (f"(size + 2*padding - kernel) // stride + 1 = ({inputs['size']} + 2*{inputs['padding']} - "
            f"{inputs['kernel']}) // {inputs['stride']} + 1 = {expected}")


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


def _number_mismatch(expected: int, actual) -> Mismatch | None:
    """The lecture's number, as the notebook's try-it cell judges it (4.0 is 4; that the answer is
    an int is the next check's business)."""
    number = as_array(actual)
    if number is not None and number.ndim == 0 and number.dtype.kind in "iuf" and float(number) == expected:
        return None
    return _int_mismatch(expected, actual)


def _exact_output_size(session, drawn: dict) -> None:
    expected = key.output_size(*drawn.values())
    mismatch = _int_mismatch(expected, session.call("output_size", drawn))
    if mismatch is not None:
        raise Falsified(f"output_size {mismatch.message}: {_formula(drawn, expected)}", function="output_size",
                        inputs=drawn, expected=expected, outcome=session.last_outcome)


def _size_example(name: str, size: int, kernel: int, stride: int = 1, padding: int = 0) -> Example:
    inputs = {"size": size, "kernel": kernel, "stride": stride, "padding": padding}
    expected = key.output_size(*inputs.values())
    return Example(name, inputs, expected, note=_formula(inputs, expected))


def _sizes(size: int, kernel: int, stride: int = 1, padding: int = 0) -> dict:
    return {"size": size, "kernel": kernel, "stride": stride, "padding": padding}


# Each named mistake's smallest witness. The kit runs cases simplest first, so (2, 1, 2, 0) comes
# before any case where round() is wrong: there rounding up (ceil) is wrong and round() is not.
SIZE_FIXED = (
    _sizes(2, 1, 2, 0),  # 1 // 2 + 1 = 1: 0.5 + 1 = 1.5 (/), ceil gives 2, no + 1 gives 0
    _sizes(1, 1, 1, 2),  # (1 + 4 - 1) + 1 = 5: padding counted once gives 3
    _sizes(4, 1, 2, 0),  # 3 // 2 + 1 = 2: round(1.5) + 1 = 3
)
ONE_THIRD = _sizes(2, 1, 3, 0)  # 1 // 3 + 1 = 1, where rounding up gives 2 and round() gives 1

# --- Fixed examples of the convolution: each named mistake's smallest witness, and the lecture's sizes


def _conv(x, w, stride=1, padding=0, b=None) -> dict:
    return {"x": np.asarray(x, dtype=F64), "w": np.asarray(w, dtype=F64),
            "b": None if b is None else np.asarray(b, dtype=F64), "stride": stride, "padding": padding}


ONE_PIXEL = [[[[1.0]]]]
NINE = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
MNIST = _conv(quarters((1, 1, 28, 28), 28), quarters((2, 1, 5, 5), 5), stride=2, padding=2)  # 13.5 windows
CIFAR = _conv(quarters((1, 3, 32, 32), 32), quarters((2, 3, 3, 3), 3), stride=2, padding=1)  # 15.5 windows

STRIDED_FIXED = (
    _conv(ONE_PIXEL, ONE_PIXEL),  # a loop one step too far; H' without + 1 is 0
    _conv(NINE, ONE_PIXEL, stride=2),  # [[1, 3], [7, 9]]: not [[1, 2], [4, 5]], nor one axis strided; the last row
    _conv(ONE_PIXEL, np.ones((1, 1, 3, 3)), padding=1),  # never padded: the window runs off x
    _conv(np.arange(1.0, 17.0).reshape(1, 1, 4, 4), ONE_PIXEL, stride=2),  # 3 // 2 + 1 = 2; round(1.5) + 1 = 3
    MNIST,
    CIFAR,
)
STRIDED_SUBSAMPLED = (STRIDED_FIXED[1], STRIDED_FIXED[3], CIFAR)
STRIDED_PAIRS = (
    _conv(ONE_PIXEL, ONE_PIXEL, stride=(1, 1), padding=(0, 0)),  # pairs at all
    _conv(NINE, ONE_PIXEL, stride=(2, 3), padding=(0, 1)),  # [[0, 3], [0, 9]]: sh, ph for rows; sw, pw for columns
    {**CIFAR, "stride": (2, 3), "padding": (1, 0)},
)
STRIDED_BIAS = (
    _conv(ONE_PIXEL, ONE_PIXEL, b=[0.5]),
    _conv(np.ones((1, 1, 2, 2)), [[[[1.0]]], [[[2.0]]]], b=[1.0, 10.0]),  # b[f] to channel f, not along W'
    {**CIFAR, "b": np.array([0.25, -0.5])},
)
STRIDED_BATCH = (_conv([[[[1.0]]], [[[2.0]]]], ONE_PIXEL),)
STRIDED_NON_SQUARE = (
    _conv([[[[1, 2, 3], [4, 5, 6]]]], [[[[1, 2]]]]),
    _conv(np.arange(1.0, 16.0).reshape(1, 1, 3, 5), ONE_PIXEL, stride=2),  # (2, 3): rows from H, columns from W
)
STRIDED_PIXELS = ({"x": np.array([[[[200, 100]]]], np.uint8), "w": np.array([[[[2, 3]]]], np.uint8), "b": None,
                   "stride": 1, "padding": 0},)  # 700

# --- The lecture's worked examples (sections 5, 6 and 10) -----------------------------------------

IMAGE = np.array([[2, 1, 0, 1, 2],
                  [1, 2, 1, 2, 1],
                  [0, 1, 2, 1, 0],
                  [1, 2, 1, 2, 1],
                  [2, 1, 0, 1, 2]])
X_KERNEL = np.array([[1, 0, 1],
                     [0, 1, 0],
                     [1, 0, 1]])
PADDED_FEATURE_MAP = np.array([[4, 3, 4, 3, 4],
                               [3, 6, 5, 6, 3],
                               [4, 5, 10, 5, 4],
                               [3, 6, 5, 6, 3],
                               [4, 3, 4, 3, 4]])

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


def _lecture_numbers(expected, actual) -> Mismatch | None:
    """The lecture's feature maps judged by their numbers, as the notebook's try-it cells judge them."""
    return compare_arrays(expected, actual, require_float=False)


def _strided_rule(inputs: dict) -> str:
    (_, _, H, W), (_, _, KH, KW) = inputs["x"].shape, inputs["w"].shape
    (sh, sw), (ph, pw) = per_axis(inputs["stride"]), per_axis(inputs["padding"])
    return (f"for H={H}, W={W}, KH={KH}, KW={KW}, stride={inputs['stride']!r}, padding={inputs['padding']!r}: "
            f"H' = (H + 2*padding - KH) // stride + 1 = ({H} + 2*{ph} - {KH}) // {sh} + 1, "
            f"W' = ({W} + 2*{pw} - {KW}) // {sw} + 1")


def _subsampled(session, drawn: dict) -> None:
    """conv2d_strided(..., stride=(sh, sw)) == conv2d_strided(..., stride=1)[:, :, ::sh, ::sw], both
    the submission's; a failure shows the reference's answer as the expected one."""
    sh, sw = per_axis(drawn["stride"])
    dense_inputs = {**drawn, "stride": 1}
    expected, dense_expected = key.conv2d_strided(*drawn.values()), key.conv2d_strided(*dense_inputs.values())
    actual = as_array(session.call("conv2d_strided", drawn, expected=expected))
    strided = session.last_outcome
    dense = as_array(session.call("conv2d_strided", dense_inputs, expected=dense_expected))
    if dense is None or dense.ndim != 4:
        raise Falsified(f"with stride=1, conv2d_strided returned {describe_value(dense)}, expected a 4-d array",
                        function="conv2d_strided", inputs=dense_inputs, expected=dense_expected,
                        outcome=session.last_outcome)
    subsampled = dense[:, :, ::sh, ::sw]
    if compare_arrays(subsampled, actual, require_float=False) is None:
        return
    if actual is None or actual.shape != subsampled.shape:
        got = f"shape {actual.shape}" if actual is not None else "no array"
        relation = f"returned {got}, and your stride-1 output subsampled has shape {subsampled.shape}"
    else:
        relation = "returned other values than your stride-1 output subsampled"
    versus_reference = compare_arrays(expected, actual, require_float=False)
    raise Falsified(f"with stride={drawn['stride']!r}, conv2d_strided is not your stride-1 output subsampled, "
                    f"out[:, :, ::{sh}, ::{sw}]: it {relation}",
                    function="conv2d_strided", inputs=drawn, expected=expected, outcome=strided,
                    differences=versus_reference.differences if versus_reference else "")


# --- Known mistakes, told by behaviour ------------------------------------------------------------


def _float_answer(inputs, expected, outcome):
    """output_size returned a float (4.5, or 4.0 where it divides): true division, /."""
    number = returned_array(outcome)
    return number is not None and number.ndim == 0 and number.dtype.kind == "f"


def _raised(outcome) -> bool:
    """The submission raised an IndexError or a ValueError (not a hang, a crash or another exception)."""
    error = (outcome.error or {}) if not outcome.ok and outcome.failure is None else {}
    return error.get("type") in ("IndexError", "ValueError")


def _windows_fit(inputs: dict, expected) -> bool:
    """The answer's last window ends at the padded edge, along both axes: no row or column is left over."""
    (_, _, H, W), (_, _, KH, KW) = np.shape(inputs["x"]), np.shape(inputs["w"])
    (sh, sw), (ph, pw) = per_axis(inputs["stride"]), per_axis(inputs["padding"])
    H_out, W_out = np.shape(expected)[2:]
    return (H_out - 1) * sh + KH == H + 2 * ph and (W_out - 1) * sw + KW == W + 2 * pw


def _window_past_the_end(inputs, expected, outcome):
    """An IndexError or ValueError without padding where the windows fit exactly: nothing for a
    rounded-up size or a forgotten padding to explain, so the loop runs past the last window."""
    return _raised(outcome) and expected is not None and per_axis(inputs["padding"]) == (0, 0) \
        and _windows_fit(inputs, expected)


def _last_row_or_column_missing(inputs, expected, outcome):
    """range(H_out - 1) or range(W_out - 1): the last output row or column is never written (stays 0)."""
    actual = returned_array(outcome)
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


def _one_third(inputs: dict) -> dict:
    """The question that tells rounding up apart, whatever failed: 1 // 3 + 1 = 1, math.ceil gives 2,
    round() gives 1 (so a round() is not told it rounds up)."""
    return dict(ONE_THIRD)


def _without_padding(inputs: dict) -> dict:
    """The same input with padding=0: a size without its + 1 is one short there too, a size that
    counts the padding once is not."""
    return {**inputs, "padding": 0}


def _padded_by_us(inputs: dict) -> dict | None:
    """x zero-padded beforehand and padding=0: a conv2d_strided that never pads gets this right."""
    if per_axis(inputs["padding"]) == (0, 0):
        return None
    return {**inputs, "x": key.zero_padded(inputs["x"], inputs["padding"]), "padding": 0}


def _grown_to_fit(inputs: dict) -> dict | None:
    """x grown below and to the right until the windows fit exactly: a size that rounds up gets this right."""
    grown = key.grown_to_fit(inputs["x"], inputs["w"], inputs["stride"], inputs["padding"])
    return None if grown is None else {**inputs, "x": grown}


def _ints_for_pairs(inputs: dict) -> dict | None:
    """stride and padding given as (v, v) asked again as v, which code written for ints handles."""
    changed, pairs = dict(inputs), False
    for name in ("stride", "padding"):
        if isinstance(inputs[name], tuple):
            if inputs[name][0] != inputs[name][1]:
                return None
            changed[name], pairs = inputs[name][0], True
    return changed if pairs else None


PLUS_ONE = ("The + 1 is missing: the window at position 0 counts too. (size + 2*padding - kernel) // stride "
            "is the number of whole strides that still fit AFTER the first window; a 2x2 filter on 5 pixels "
            "fits 4 times, (5 - 2) // 1 + 1.")
ONE_SHORT = ("The output is one row and one column short of H' = (H + 2*ph - KH) // sh + 1, also without padding: "
             "the + 1, which counts the window at position 0, is missing; output_size gives H', if it is right.")
ROUNDED = ("output_size rounds with round(): half a window or more counts as a whole one (round(1.5) = 2), but a "
           "window that would run past the edge is dropped. Use floor division, (size + 2*padding - kernel) // "
           "stride + 1: 4 pixels, a 1-pixel filter and stride 2 give 3 // 2 + 1 = 2 windows, not 3.")
ROUNDED_UP_WINDOWS = ("conv2d_strided counts a window that does not fit: H' = (H + 2*ph - KH) // sh + 1 with floor "
                      "division; round(), math.ceil or / rounded up add a last window that would run past the edge "
                      "(a 4x4 image, a 1x1 filter and stride 2 give 2x2 windows, not 3x3). Given an image whose "
                      "windows fit exactly, your function is right.")

# Tried on the smallest failing input; every one that matches gives its hint.
MISTAKES = (
    Mistake("true_division", "output_size",
            "output_size returned a float: / is true division (5 / 2 = 2.5). Use floor division, //, so that "
            "the answer is an int and a window that does not fit is not counted.",
            detect=_float_answer),
    Mistake("no_plus_one", "output_size", PLUS_ONE, reproduce=key.output_size_without_plus_one),
    Mistake("ceil_division", "output_size",
            "Rounded up instead of down: a window that would run past the edge is dropped, so the division "
            "is floor division, (size + 2*padding - kernel) // stride + 1, not math.ceil(...). With 2 pixels, "
            "a 1-pixel filter and stride 3, 1 // 3 + 1 = 1 window fits, not 2.",
            probe=Probe(_one_third, expected=key.output_size_rounded_up)),
    Mistake("round_division", "output_size", ROUNDED, reproduce=key.output_size_rounded),
    Mistake("padding_counted_once", "output_size",
            "The padding is counted once: `padding` zeros go on EACH side, so the padded size is "
            "size + 2*padding.",
            reproduce=key.output_size_padding_once),
    Mistake("no_plus_one", "conv2d_strided", ONE_SHORT,
            probe=Probe(_without_padding, expected=key.conv2d_strided_without_plus_one)),
    Mistake("round_division", "conv2d_strided", ROUNDED_UP_WINDOWS,
            probe=Probe(_grown_to_fit, expected=key.conv2d_strided)),
    Mistake("stride_not_applied", "conv2d_strided",
            "The stride is not applied to the input: output position (i, j) reads the window at row i*sh and "
            "column j*sw of the padded image, x_padded[:, :, i*sh:i*sh+KH, j*sw:j*sw+KW], not at row i.",
            reproduce=key.conv2d_strided_stride_not_applied),
    *(Mistake("stride_one_axis", "conv2d_strided",
              "The stride is applied along one axis only (or one stride is used for both): with "
              "stride=(sh, sw), window (i, j) starts at row i*sh and column j*sw; an int stride means "
              "sh = sw = stride.",
              reproduce=reproduction)
      for reproduction in (key.conv2d_strided_rows_only, key.conv2d_strided_columns_only,
                           key.conv2d_strided_first_stride_for_both)),
    Mistake("padding_forgotten", "conv2d_strided",
            "x is not padded, or not counted as padded: given x padded beforehand and padding=0, your function is "
            "right, so the padding is where it goes wrong. With padding p the windows slide over x_padded, "
            "(N, C, H + 2*ph, W + 2*pw), with ph zeros above and below and pw left and right; unpadded, the last "
            "windows run off x's edge, however the code then fails (NumPy's 'could not be broadcast', np.tensordot's "
            "'shape-mismatch for sum', a smaller output). Pad first, e.g. np.pad(x, ((0, 0), (0, 0), (ph, ph), "
            "(pw, pw))), and count 2*ph in H'.",
            probe=Probe(_padded_by_us)),
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
            detect=uint8_wrapped),
    Mistake("pair_not_handled", "conv2d_strided",
            "stride and padding may be pairs, (for H, for W), as well as ints: turn each into two ints first, "
            "sh, sw = (stride, stride) if isinstance(stride, int) else stride, and use sh for rows, sw for "
            "columns.",
            probe=Probe(_ints_for_pairs)),
)


def _strided_check(inputs, examples: tuple, *, name: str, description: str, points: float,
                   max_examples: int = 20):
    return matches_reference("conv2d_strided", key.conv2d_strided, inputs, points=points, name=name,
                             description=description, explain=_strided_rule, examples=examples,
                             max_examples=max_examples)


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
            compare=_number_mismatch),
        satisfies_property(
            "output_size", _exact_output_size, output_size_inputs(), points=2,
            name="output_size: the formula, exactly",
            description="An int, (size + 2*padding - kernel) // stride + 1, for drawn sizes up to 40, kernels "
                        "up to 11, strides up to 6 and padding up to 5.",
            max_examples=40, examples=SIZE_FIXED),
        lecture_examples(
            "conv2d_strided", STRIDED_EXAMPLES, points=1, name="conv2d_strided: the lecture's examples",
            description="The padded 5x5 image with the X filter at stride 1 and 2; how many times each pixel "
                        "is used by a 2x2 filter without padding.",
            compare=_lecture_numbers),
        same_shape_as_reference(
            "conv2d_strided", key.conv2d_strided, strided_conv_inputs(**PLAIN), points=1,
            name="conv2d_strided: output shape",
            description="(N, F, H', W') for int strides up to 4 and int padding up to 3, a 28x28 MNIST digit "
                        "and a 32x32x3 CIFAR-10 image.",
            explain=_strided_rule, max_examples=20, examples=STRIDED_FIXED),
        _strided_check(
            strided_conv_inputs(**PLAIN), STRIDED_FIXED, points=1.5, max_examples=30,
            name="conv2d_strided: matches the reference",
            description="One square float64 image of C channels and F filters, b=None, int strides and padding, "
                        "strides and padding larger than the filter; a 28x28 MNIST digit with two 5x5 filters "
                        "and a 32x32x3 CIFAR-10 image with two 3x3 filters, at stride 2."),
        satisfies_property(
            "conv2d_strided", _subsampled, strided_conv_inputs(**PLAIN, min_stride=2), points=0.5,
            name="conv2d_strided: the stride-1 output, subsampled",
            description="Stride s keeps every s-th row and column of the stride-1 output: "
                        "conv2d_strided(x, w, b, s, p) == conv2d_strided(x, w, b, 1, p)[:, :, ::s, ::s].",
            max_examples=20, examples=STRIDED_SUBSAMPLED),
        _strided_check(
            strided_conv_inputs(**{**PLAIN, "pairs": True}), STRIDED_PAIRS, points=1,
            name="conv2d_strided: (for H, for W) pairs",
            description="stride=(sh, sw) and padding=(ph, pw): sh and ph for rows, sw and pw for columns."),
        *feature_checks(
            "conv2d_strided", key.conv2d_strided, partial(strided_conv_inputs, **PLAIN),
            ((BIAS, STRIDED_BIAS), (BATCH, STRIDED_BATCH), (NON_SQUARE, STRIDED_NON_SQUARE),
             (UINT8_PIXELS, STRIDED_PIXELS)),
            points=0.5, explain=_strided_rule),
    ),
    mistakes=MISTAKES,
)
