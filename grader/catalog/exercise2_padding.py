"""Exercise 2, padding: what is checked, the lecture's examples, and the mistakes we name."""

from functools import partial

import numpy as np
from hypothesis import strategies as st

from grader.checks import (Falsified, lecture_examples, matches_reference, same_shape_as_reference,
                           satisfies_property)
from grader.compare import as_array, compare_arrays, describe_value
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import FLOATS, FLOATS_AND_PIXELS, draw_array, draw_conv_arrays, draw_per_axis, one_of, upto
from reference import convolution
from reference import padding as ref
from reference.lecture import IMAGE, PADDED_FEATURE_MAP, X_KERNEL

# --- What hypothesis draws ---------------------------------------------------------------------


@st.composite
def images_and_padding(draw, dtypes=FLOATS_AND_PIXELS, max_side: int = 8, max_pad: int = 4) -> dict:
    """x (N, C, H, W) and pad, int or (ph, pw), per side: often wider than the image itself."""
    N, C = draw(upto(2), label="N"), draw(upto(3), label="C")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    x = draw_array(draw, dtype, (N, C, H, W), label="x")
    pad, _ = draw_per_axis(draw, 0, (max_pad, max_pad), "pad")
    return {"x": x, "pad": pad}


@st.composite
def same_conv_inputs(draw, dtypes=FLOATS, bias: bool | None = False, max_side: int = 8) -> dict:
    """x (N, C, H, W), w (F, C, KH, KW) with odd KH, KW up to 7 (larger than the image too), b."""
    N, C, F = draw(upto(2), label="N"), draw(upto(3), label="C"), draw(upto(3), label="F")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    KH, KW = draw(one_of((1, 3, 5, 7)), label="KH"), draw(one_of((1, 3, 5, 7)), label="KW")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return draw_conv_arrays(draw, dtype, (N, C, H, W), (F, C, KH, KW), bias)


# --- The lecture's worked examples (section 5) ------------------------------------------------

PADDED_IMAGE = np.array([[0, 0, 0, 0, 0, 0, 0],
                         [0, 2, 1, 0, 1, 2, 0],
                         [0, 1, 2, 1, 2, 1, 0],
                         [0, 0, 1, 2, 1, 0, 0],
                         [0, 1, 2, 1, 2, 1, 0],
                         [0, 2, 1, 0, 1, 2, 0],
                         [0, 0, 0, 0, 0, 0, 0]])
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
    (_, _, H, W), (ph, pw) = inputs["x"].shape, ref.pair(inputs["pad"])
    return f"for H={H}, W={W}, pad={inputs['pad']!r}: (N, C, H + 2*{ph}, W + 2*{pw}), padding both sides"


def _pad_then_crop(session, drawn: dict) -> None:
    """pad2d(x, pad)[:, :, ph:ph+H, pw:pw+W] gives x back, and the shape has room for both sides."""
    x, (ph, pw) = drawn["x"], ref.pair(drawn["pad"])
    N, C, H, W = x.shape
    expected = ref.pad2d(x, drawn["pad"])
    actual = session.call("pad2d", drawn)
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


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _padded_batch_or_channels(inputs, expected, outcome):
    actual = _actual(outcome)
    return actual is not None and actual.ndim == 4 and actual.shape[:2] != inputs["x"].shape[:2]


def _same(a: np.ndarray, b) -> bool:
    return a is not None and a.shape == np.shape(b) and np.allclose(a, b)


def _one_sided(x, ph, pw):
    """x padded on one side only: ph rows below (or above), or 2*ph, the total on one side."""
    for a, b in ((1, 0), (0, 1), (2, 0), (0, 2)):
        yield np.pad(x, ((0, 0), (0, 0), (a * ph, b * ph), (a * pw, b * pw)))


def _not_zero_padded(x, ph, pw):
    """x padded with copies of its edge, a reflection, or wrapped around: anything but zeros."""
    for mode in ("edge", "reflect", "symmetric", "wrap"):
        try:
            yield np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode=mode)
        except ValueError:  # reflect needs more pixels than the padding
            continue


def _conv2d_or_none(x, w, b):
    try:
        return convolution.conv2d(x, w, b)
    except ValueError:  # the filter is larger than this padded image
        return None


def _pad2d_gives(variants):
    """pad2d returned one of `variants(x, ph, pw)`, and it is wrong."""
    def detect(inputs, expected, outcome):
        actual = _actual(outcome)
        x, (ph, pw) = np.asarray(inputs["x"], dtype=np.float64), ref.pair(inputs["pad"])
        return actual is not None and not _same(actual, expected) \
            and any(_same(wrong, actual) for wrong in variants(x, ph, pw))
    return detect


def _conv2d_same_gives(variants):
    """conv2d_same convolved one of `variants(x, KH // 2, KW // 2)`, and it is wrong."""
    def detect(inputs, expected, outcome):
        actual = _actual(outcome)
        x, (_, _, KH, KW) = np.asarray(inputs["x"], dtype=np.float64), inputs["w"].shape
        return actual is not None and not _same(actual, expected) and any(
            _same(_conv2d_or_none(padded, inputs["w"], inputs["b"]), actual) for padded in variants(x, KH // 2, KW // 2))
    return detect


def _wrong_same_padding(inputs, expected, outcome):
    """The output fits some padding other than (KH // 2, KW // 2), e.g. 1 for every filter."""
    actual = _actual(outcome)
    if actual is None or actual.ndim != 4 or actual.shape == np.shape(expected):
        return False
    (_, _, H, W), (_, _, KH, KW) = inputs["x"].shape, inputs["w"].shape
    twice = (actual.shape[2] - H + KH - 1, actual.shape[3] - W + KW - 1)  # 2*ph, 2*pw
    if min(twice) < 0 or twice[0] % 2 or twice[1] % 2:
        return False
    return _same(_conv2d_or_none(ref.pad2d(inputs["x"], (twice[0] // 2, twice[1] // 2)), inputs["w"], inputs["b"]),
                 actual)


def _pad_pair_refused(inputs, expected, outcome):
    """pad = (ph, pw) reached code written for an int: NumPy's TypeError or 'inhomogeneous shape' ValueError."""
    error = (outcome.error or {}) if not outcome.ok and outcome.failure is None else {}
    return isinstance(inputs.get("pad"), tuple) and error.get("type") in ("TypeError", "ValueError")


ONE_SIDE = ("Zeros were added on one side only: `pad` goes on BOTH sides, above and below, left and right, "
            "so x sits at out[:, :, ph:ph+H, pw:pw+W] in an array H + 2*ph tall. In np.pad, (before, after) "
            "= (ph, ph), not (0, ph).")
NOT_ZEROS = ("The border is not zeros: zero padding adds pixels of value 0 (np.pad's default mode='constant'), "
             "not copies of the edge or a reflection. The lecture's 'drawback of zero padding' is a drawback "
             "to know about, not one to fix here.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("pad_batch_and_channels", "pad2d",
            "The batch and channel axes were padded too (np.pad(x, pad) pads every axis): pad only H and W, "
            "np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))), so the result is (N, C, H + 2*ph, W + 2*pw).",
            detect=_padded_batch_or_channels),
    Mistake("pad_one_side", "pad2d", ONE_SIDE,
            detect=_pad2d_gives(_one_sided)),
    Mistake("pad_total", "pad2d",
            "`pad` is the padding on EACH side, not the total: pad=1 turns 5x5 into 7x7 (section 5), "
            "so do not halve it.",
            reproduce=lambda x, pad: ref.pad2d(x, tuple(p // 2 for p in ref.pair(pad)))),
    Mistake("pad_hw_swapped", "pad2d",
            "The two paddings are swapped: pad=(ph, pw) means ph rows above and below (H), pw columns left "
            "and right (W), the order of the axes (N, C, H, W); torch.nn.functional.pad lists the last axis first.",
            reproduce=lambda x, pad: ref.pad2d(x, ref.pair(pad)[::-1])),
    Mistake("pad_with_edges", "pad2d", NOT_ZEROS,
            detect=_pad2d_gives(_not_zero_padded)),
    Mistake("pad_one_side", "conv2d_same", ONE_SIDE, detect=_conv2d_same_gives(_one_sided)),
    Mistake("pad_with_edges", "conv2d_same", NOT_ZEROS, detect=_conv2d_same_gives(_not_zero_padded)),
    Mistake("wrong_same_padding", "conv2d_same",
            "conv2d_same pads by the wrong amount: a KH x KW filter needs KH // 2 rows of zeros above and "
            "below and KW // 2 columns left and right, so that H + 2*(KH // 2) - KH + 1 = H. Padding 1 is "
            "right only for a 3x3 filter, the lecture's example.",
            detect=_wrong_same_padding),
    Mistake("pad_pair_not_handled", "pad2d",
            "pad may be a pair, (ph, pw), as well as an int: turn it into two ints first, "
            "ph, pw = (pad, pad) if isinstance(pad, int) else pad, then pad H by ph and W by pw, "
            "np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).",
            detect=_pad_pair_refused),
)

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
            description="The 5x5 image of section 5 with one pixel of zeros on every side: 7x7.",
            compare=partial(compare_arrays, require_float=False)),
        matches_reference(
            "pad2d", ref.pad2d, images_and_padding(), points=2, name="pad2d: matches the reference",
            description="Random batches, pad an int or (ph, pw) up to 4 (often wider than the image): "
                        "float32, float64 and uint8 pixels; padding only moves data, so x's dtype is "
                        "accepted as well as floating point.",
            explain=_pad_rule, require_float=False),
        satisfies_property(
            "pad2d", _pad_then_crop, images_and_padding(FLOATS), points=1,
            name="pad2d: cropping the padding gives x back",
            description="pad2d(x, pad)[:, :, ph:ph+H, pw:pw+W] == x: the image sits in the middle, untouched.",
            max_examples=20),
        lecture_examples(
            "conv2d_same", SAME_EXAMPLES, points=2, name="conv2d_same: the lecture's examples",
            description="The padded 5x5 image with the X filter (centre 10); how many times each pixel is used "
                        "with padding (4, 6, 9)."),
        same_shape_as_reference(
            "conv2d_same", ref.conv2d_same, same_conv_inputs(), points=1,
            name="conv2d_same: keeps H and W",
            description="(N, F, H, W) for odd filters 1x1 to 7x7, also filters larger than the image.",
            explain=_same_rule, max_examples=20),
        matches_reference(
            "conv2d_same", ref.conv2d_same, same_conv_inputs(bias=None), points=2,
            name="conv2d_same: matches the reference",
            description="Random batches and odd filter banks, float32 and float64, with and without a bias.",
            explain=_same_rule),
        matches_reference(
            "conv2d_same", ref.conv2d_same, same_conv_inputs(dtypes=(np.uint8,)), points=1,
            name="conv2d_same: uint8 pixel images",
            description="Images and filters as uint8 (0-255): no overflow, no truncation, a floating-point result.",
            explain=_same_rule, max_examples=15),
    ),
    mistakes=MISTAKES,
)
