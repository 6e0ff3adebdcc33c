"""Exercise 2, padding: what is checked, the lecture's examples, and the mistakes we name.

One feature per check: the core checks draw one square float64 image (values in quarter steps),
an int `pad`, odd square filters and no bias; (ph, pw) pairs, batches, non-square shapes, a bias
and uint8 pixels each have a check of their own, so that a missing feature costs its own points
and never hides another bug. Each named mistake has fixed examples that expose it whatever the
seed; each function's core check has a case at the lecture's sizes (a 28x28 MNIST digit, a
32x32x3 CIFAR-10 image).
"""


from dataclasses import replace
from functools import partial

import numpy as np

from grader.authoring import (BATCH, BIAS, FLOATS, FLOATS_AND_PIXELS, NON_SQUARE, UINT8_PIXELS, Example, Exercise,
                              Falsified, Mistake, Probe, answer_key, as_array, compare_arrays, describe_value,
                              draw_array, draw_conv_arrays, draw_per_axis, feature_checks, lecture_examples,
                              matches_reference, one_of, per_axis, quarters, returned_array, same_shape_as_reference,
                              satisfies_property, st, uint8_wrapped, upto)

key = answer_key(__name__)
F64 = np.float64

# --- What hypothesis draws ---------------------------------------------------------------------
# The defaults draw everything at once (the reference's own tests use them); each check asks for
# the plainest domain and at most one feature.


@st.composite
def images_and_padding(draw, dtypes=FLOATS_AND_PIXELS, pairs: bool | None = None, batch: bool = True,
                       square: bool = False, max_side: int = 8, max_pad: int = 4) -> dict:
    """x (N, C, H, W) and pad, per side, often wider than the image: an int, or (ph, pw) when
    `pairs` (None: either). N is 2 or 3 when `batch`, else 1; H = W when `square`."""
    N, C = draw(upto(3, 2), label="N") if batch else 1, draw(upto(3), label="C")
    H = draw(upto(max_side), label="H")
    W = H if square else draw(upto(max_side), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    x = draw_array(draw, dtype, (N, C, H, W), label="x")
    if pairs is None:
        pad, _ = draw_per_axis(draw, 0, (max_pad, max_pad), "pad")
    elif pairs:
        pad = (draw(upto(max_pad, 0), label="pad for H"), draw(upto(max_pad, 0), label="pad for W"))
    else:
        pad = draw(upto(max_pad, 0), label="pad")
    return {"x": x, "pad": pad}


@st.composite
def same_conv_inputs(draw, dtypes=FLOATS, bias: bool | None = False, batch: bool = True, square: bool = False,
                     max_side: int = 8) -> dict:
    """x (N, C, H, W), w (F, C, KH, KW) with odd KH, KW up to 7 (larger than the image too), b.

    N is 2 or 3 when `batch`, else 1; H = W and KH = KW when `square`; b as `bias` (None: either).
    """
    N = draw(upto(3, 2), label="N") if batch else 1
    C, F = draw(upto(3), label="C"), draw(upto(3), label="F")
    H = draw(upto(max_side), label="H")
    W = H if square else draw(upto(max_side), label="W")
    KH = draw(one_of((1, 3, 5, 7)), label="KH")
    KW = KH if square else draw(one_of((1, 3, 5, 7)), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias)


PLAIN = {"dtypes": (F64,), "batch": False, "square": True}  # the core checks' domain


# --- Fixed examples: each named mistake's smallest witness, and the lecture's sizes ----------------


def _padding(x, pad) -> dict:
    return {"x": np.asarray(x, dtype=F64), "pad": pad}


def _same_conv(x, w, b=None) -> dict:
    return {"x": np.asarray(x, dtype=F64), "w": np.asarray(w, dtype=F64),
            "b": None if b is None else np.asarray(b, dtype=F64)}


ONE_PIXEL = [[[[1.0]]]]
MNIST = quarters((1, 1, 28, 28), 28)  # a 28x28 digit
CIFAR = quarters((1, 3, 32, 32), 32)  # a 32x32x3 image

PAD_FIXED = (
    _padding(ONE_PIXEL, 1),  # N and C padded too; one side only; halved to 0; a border of ones
    _padding(MNIST, 2),
    _padding(CIFAR, 1),
)
PAD_PAIRS = (
    _padding(ONE_PIXEL, (1, 1)),  # a pair at all (it means pad=1)
    _padding(ONE_PIXEL, (1, 2)),  # 3x5, not 5x3
    _padding(CIFAR, (2, 1)),
)
PAD_BATCH = (_padding([[[[1.0]]], [[[2.0]]]], 1),)  # the second image is not the first
PAD_NON_SQUARE = (_padding([[[[1.0, 2.0]]]], 1),)  # 3x4
PAD_PIXELS = ({"x": np.array([[[[200, 100]]]], np.uint8), "pad": 1},)

SAME_FIXED = (
    _same_conv(ONE_PIXEL, ONE_PIXEL),  # a 1x1 filter needs no padding: padding 1 makes 3x3
    _same_conv([[[[1, 2], [3, 4]]]], [[np.arange(1, 10).reshape(3, 3)]]),  # shifted, edges copied, never padded
    _same_conv(MNIST, quarters((2, 1, 3, 3), 3)),
    _same_conv(CIFAR, quarters((2, 3, 5, 5), 5)),
)
SAME_BATCH = (_same_conv([[[[1.0]]], [[[2.0]]]], ONE_PIXEL),)
SAME_BIAS = (
    _same_conv(ONE_PIXEL, ONE_PIXEL, [0.5]),
    _same_conv(np.ones((1, 1, 2, 2)), [[[[1.0]]], [[[2.0]]]], [1.0, 10.0]),  # b[f] to channel f, not along W
    _same_conv(CIFAR, quarters((2, 3, 5, 5), 5), [0.25, -0.5]),
)
SAME_NON_SQUARE = (_same_conv([[[[1, 2, 3], [4, 5, 6]]]], [[[[1, 2, 3]]]]),)  # a 1x3 filter pads columns only
SAME_PIXELS = ({"x": np.array([[[[200]]]], np.uint8), "w": np.array([[[[2]]]], np.uint8), "b": None},)  # 400

# --- The lecture's worked examples (section 5) ------------------------------------------------

IMAGE = np.array([[2, 1, 0, 1, 2],
                  [1, 2, 1, 2, 1],
                  [0, 1, 2, 1, 0],
                  [1, 2, 1, 2, 1],
                  [2, 1, 0, 1, 2]])
X_KERNEL = np.array([[1, 0, 1],
                     [0, 1, 0],
                     [1, 0, 1]])
PADDED_IMAGE = np.array([[0, 0, 0, 0, 0, 0, 0],
                         [0, 2, 1, 0, 1, 2, 0],
                         [0, 1, 2, 1, 2, 1, 0],
                         [0, 0, 1, 2, 1, 0, 0],
                         [0, 1, 2, 1, 2, 1, 0],
                         [0, 2, 1, 0, 1, 2, 0],
                         [0, 0, 0, 0, 0, 0, 0]])
PADDED_FEATURE_MAP = np.array([[4, 3, 4, 3, 4],
                               [3, 6, 5, 6, 3],
                               [4, 5, 10, 5, 4],
                               [3, 6, 5, 6, 3],
                               [4, 3, 4, 3, 4]])
USES_WITH_PADDING = np.array([[4, 6, 6, 6, 4],
                              [6, 9, 9, 9, 6],
                              [6, 9, 9, 9, 6],
                              [6, 9, 9, 9, 6],
                              [4, 6, 6, 6, 4]])

COUNT_ERRATUM = ("Lecture erratum: one 'Padding Effect 2' slide prints this map with six columns "
                 "(4 6 6 6 6 4); a 5x5 image has five (4 6 6 6 4), the map on the slide before it.")

PAD_EXAMPLES = [
    Example("the 5x5 image padded to 7x7", {"x": IMAGE[None, None], "pad": 1}, PADDED_IMAGE[None, None]),
]

SAME_EXAMPLES = [
    Example("padding effect 1: the padded image with the X filter (centre 10)",
            {"x": IMAGE[None, None], "w": X_KERNEL[None, None], "b": None}, PADDED_FEATURE_MAP[None, None],
            note="With padding, every pixel of the 5x5 image is the centre of a window, so the feature map "
                 "stays 5x5. The centre window, [[2, 1, 2], [1, 2, 1], [2, 1, 2]], meets the filter's five "
                 "ones at its corners and centre: 2 + 2 + 2 + 2 + 2 = 10."),
    Example("padding effect 2: how many times each pixel is used (3x3 filter, padding 1)",
            {"x": np.ones((1, 1, 5, 5)), "w": np.ones((1, 1, 3, 3)), "b": None}, USES_WITH_PADDING[None, None],
            note="A 3x3 filter of ones over a padded image of ones counts the image pixels in each window, "
                 "which is how many windows use that pixel: 4 in a corner, 6 on an edge, 9 inside. "
                 + COUNT_ERRATUM),
]



def _same_rule(inputs: dict) -> str:
    (_, _, H, W), (_, _, KH, KW) = inputs["x"].shape, inputs["w"].shape
    return (f"for H={H}, W={W}, KH={KH}, KW={KW}: pad by KH // 2 = {KH // 2} and KW // 2 = {KW // 2}, "
            f"then H' = H + 2*{KH // 2} - KH + 1 = {H}")


def _pad_rule(inputs: dict) -> str:
    (_, _, H, W), (ph, pw) = inputs["x"].shape, per_axis(inputs["pad"])
    return f"for H={H}, W={W}, pad={inputs['pad']!r}: (N, C, H + 2*{ph}, W + 2*{pw}), padding both sides"


def _pad_then_crop(session, drawn: dict) -> None:
    """pad2d(x, pad)[:, :, ph:ph+H, pw:pw+W] gives x back, and the shape has room for both sides."""
    x, (ph, pw) = drawn["x"], per_axis(drawn["pad"])
    N, C, H, W = x.shape
    expected = key.pad2d(*drawn.values())
    actual = session.call("pad2d", drawn, expected=expected)
    padded = as_array(actual)
    if padded is None or padded.shape != expected.shape:
        got = f"shape {padded.shape}" if padded is not None else describe_value(actual)
        raise Falsified(f"pad2d returned {got}, expected {expected.shape} {_pad_rule(drawn)}",
                        function="pad2d", inputs=drawn, expected=expected, outcome=session.last_outcome)
    crop = f"[:, :, {ph}:{ph + H}, {pw}:{pw + W}]"
    mismatch = compare_arrays(x, padded[:, :, ph:ph + H, pw:pw + W], require_float=False)
    if mismatch is not None:
        raise Falsified(f"cropping the padding off, pad2d(x, pad){crop}, does not give x back: it {mismatch.message}",
                        function="pad2d", inputs=drawn, expected=expected, outcome=session.last_outcome,
                        differences=f"in the crop, {mismatch.differences}")


# --- Known mistakes, told by behaviour ------------------------------------------------------------


def _padded_batch_or_channels(inputs, expected, outcome):
    actual = returned_array(outcome)
    return actual is not None and actual.ndim == 4 and actual.shape[:2] != inputs["x"].shape[:2]


def _border_not_zeros(inputs, expected, outcome):
    """The right shape, x intact in the middle, and something other than zeros around it."""
    actual = returned_array(outcome)
    if actual is None or actual.shape != np.shape(expected):
        return False
    (_, _, H, W), (ph, pw) = inputs["x"].shape, per_axis(inputs["pad"])
    border = np.ones(actual.shape, dtype=bool)
    border[:, :, ph:ph + H, pw:pw + W] = False
    return bool(np.array_equal(actual[:, :, ph:ph + H, pw:pw + W], inputs["x"]) and np.any(actual[border] != 0))


def _pair_as_int(inputs: dict) -> dict | None:
    """pad = (p, p) asked again as pad = p, which code written for ints handles; None for other pads."""
    pad = inputs["pad"]
    if isinstance(pad, tuple) and pad[0] == pad[1]:
        return {**inputs, "pad": pad[0]}
    return None


def _padded_by_us(inputs: dict) -> dict:
    """x zero-padded for a 'same' convolution beforehand: a conv2d_same that never pads gets it right."""
    return {**inputs, "x": key.padded_for_same(inputs["x"], inputs["w"])}


ONE_SIDE = ("Zeros were added on one side only: `pad` goes on BOTH sides, above and below, left and right, "
            "so x sits at out[:, :, ph:ph+H, pw:pw+W] in an array H + 2*ph tall. In np.pad, (before, after) "
            "= (ph, ph), not (0, ph).")
NOT_ZEROS = ("The border is not zeros: zero padding adds pixels of value 0 (np.pad's default mode='constant'), "
             "not copies of the edge or a reflection. The lecture's 'drawback of zero padding' is a drawback "
             "to know about, not one to fix here.")
WRONG_AMOUNT = ("conv2d_same pads by the wrong amount: a KH x KW filter needs KH // 2 rows of zeros above and "
                "below and KW // 2 columns left and right, so that H + 2*(KH // 2) - KH + 1 = H. Padding 1 is "
                "right only for a 3x3 filter, the lecture's example.")

# Tried in this order on the smallest failing input; every one that matches gives its hint.
MISTAKES = (
    Mistake("pad_batch_and_channels", "pad2d",
            "The batch and channel axes were padded too (np.pad(x, pad) pads every axis): pad only H and W, "
            "np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))), so the result is (N, C, H + 2*ph, W + 2*pw).",
            detect=_padded_batch_or_channels),
    Mistake("pad_one_side", "pad2d", ONE_SIDE, reproduce=key.pad2d_below_right),
    Mistake("pad_one_side", "pad2d", ONE_SIDE, reproduce=key.pad2d_above_left),
    Mistake("pad_total", "pad2d",
            "`pad` is the padding on EACH side, not the total: pad=1 turns 5x5 into 7x7 (section 5), "
            "so do not halve it.",
            reproduce=key.pad2d_halved),
    Mistake("pad_hw_swapped", "pad2d",
            "The two paddings are swapped: pad=(ph, pw) means ph rows above and below (H), pw columns left "
            "and right (W), the order of the axes (N, C, H, W); torch.nn.functional.pad lists the last axis first.",
            reproduce=key.pad2d_hw_swapped),
    Mistake("pad_with_edges", "pad2d", NOT_ZEROS, detect=_border_not_zeros),
    Mistake("pad_pair_not_handled", "pad2d",
            "pad may be a pair, (ph, pw), as well as an int: turn it into two ints first, "
            "ph, pw = (pad, pad) if isinstance(pad, int) else pad, then pad H by ph and W by pw, "
            "np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).",
            probe=Probe(_pair_as_int)),
    Mistake("pad_one_side", "conv2d_same", ONE_SIDE, reproduce=key.conv2d_same_below_right),
    Mistake("pad_one_side", "conv2d_same", ONE_SIDE, reproduce=key.conv2d_same_above_left),
    Mistake("pad_with_edges", "conv2d_same", NOT_ZEROS, reproduce=key.conv2d_same_edge_padded),
    Mistake("pad_with_edges", "conv2d_same", NOT_ZEROS, reproduce=key.conv2d_same_reflect_padded),
    Mistake("wrong_same_padding", "conv2d_same", WRONG_AMOUNT, reproduce=key.conv2d_same_padded_by_one),
    Mistake("wrong_same_padding", "conv2d_same", WRONG_AMOUNT, reproduce=key.conv2d_same_padded_by_filter),
    Mistake("not_padded", "conv2d_same",
            "x is not padded: conv2d_same must first surround x with KH // 2 rows of zeros above and below and "
            "KW // 2 columns left and right (pad2d(x, (KH // 2, KW // 2))), then slide the filter over the padded "
            "image. Given x padded beforehand, your function returns the right answer.",
            probe=Probe(_padded_by_us)),
    Mistake("uint8_overflow", "conv2d_same",
            "uint8 arithmetic wraps around at 256 (200 * 2 gives 144): convert x and w with .astype(np.float64) "
            "before multiplying (np.pad keeps uint8), and make the output a float array.",
            detect=uint8_wrapped),
)


def _pad_check(inputs, examples: tuple, *, name: str, description: str, points: float, max_examples: int = 20):
    return matches_reference("pad2d", key.pad2d, inputs, points=points, name=name, description=description,
                             explain=_pad_rule, require_float=False, examples=examples, max_examples=max_examples)


def _same_check(inputs, examples: tuple, *, name: str, description: str, points: float, max_examples: int = 20):
    return matches_reference("conv2d_same", key.conv2d_same, inputs, points=points, name=name,
                             description=description, explain=_same_rule, examples=examples,
                             max_examples=max_examples)


EXERCISE = Exercise(
    id="exercise2",
    module=__name__.rpartition(".")[2],
    title="Padding",
    section="5. Padding",
    summary="pad2d(x, pad) and conv2d_same(x, w, b=None): zero padding, and convolution that keeps H and W",
    points=10,
    functions=("pad2d", "conv2d_same"),
    checks=(
        lecture_examples(
            "pad2d", PAD_EXAMPLES, points=1, name="pad2d: the lecture's example",
            description="The 5x5 image of section 5 with one pixel of zeros on every side: 7x7."),
        _pad_check(
            images_and_padding(**PLAIN, pairs=False), PAD_FIXED, points=1, max_examples=30,
            name="pad2d: matches the reference",
            description="One square float64 image of C channels, an int pad up to 4 (often wider than the image), "
                        "a 28x28 MNIST digit and a 32x32x3 CIFAR-10 image; padding only moves data, so x's "
                        "dtype is accepted as well as floating point."),
        _pad_check(
            images_and_padding(**PLAIN, pairs=True), PAD_PAIRS, points=1,
            name="pad2d: (ph, pw) pairs",
            description="pad = (ph, pw): ph rows above and below, pw columns left and right."),
        *feature_checks(
            "pad2d", key.pad2d, partial(images_and_padding, **PLAIN, pairs=False), (
                (replace(BATCH, description="N = 2 or 3 images at once: each is padded, none is dropped or mixed up."),
                 PAD_BATCH),
                (replace(NON_SQUARE, title="non-square images",
                         description="H != W: rows come from shape[-2], columns from shape[-1]."), PAD_NON_SQUARE),
                (replace(UINT8_PIXELS, description="Images as uint8 (0-255, section 2): the pixels come back "
                                                   "unchanged, in uint8 or floating point."), PAD_PIXELS),
            ), points=0.5, explain=_pad_rule, require_float=False),
        satisfies_property(
            "pad2d", _pad_then_crop, images_and_padding(**PLAIN, pairs=False), points=0.5,
            name="pad2d: cropping the padding gives x back",
            description="pad2d(x, pad)[:, :, ph:ph+H, pw:pw+W] == x: the image sits in the middle, untouched.",
            max_examples=20, examples=PAD_FIXED[:1]),
        lecture_examples(
            "conv2d_same", SAME_EXAMPLES, points=1, name="conv2d_same: the lecture's examples",
            description="The padded 5x5 image with the X filter (centre 10); how many times each pixel is used "
                        "with padding (4, 6, 9)."),
        same_shape_as_reference(
            "conv2d_same", key.conv2d_same, same_conv_inputs(**PLAIN), points=1,
            name="conv2d_same: keeps H and W",
            description="(N, F, H, W) for odd square filters 1x1 to 7x7, also filters larger than the image.",
            explain=_same_rule, max_examples=20, examples=SAME_FIXED[:2]),
        _same_check(
            same_conv_inputs(**PLAIN), SAME_FIXED, points=1, max_examples=30,
            name="conv2d_same: matches the reference",
            description="One square float64 image of C channels and F odd square filters, b=None; a 28x28 "
                        "MNIST digit with two 3x3 filters and a 32x32x3 CIFAR-10 image with two 5x5 filters."),
        *feature_checks(
            "conv2d_same", key.conv2d_same, partial(same_conv_inputs, **PLAIN), (
                (BIAS, SAME_BIAS), (BATCH, SAME_BATCH),
                (replace(NON_SQUARE, description="H != W and KH != KW: KH // 2 rows and KW // 2 columns of zeros."),
                 SAME_NON_SQUARE),
                (UINT8_PIXELS, SAME_PIXELS),
            ), points=0.5, explain=_same_rule),
    ),
    mistakes=MISTAKES,
)
