"""Exercise 11, data augmentation: what is checked, worked examples, and the mistakes we name.

The geometric transforms take the nearest source pixel, floor(v + 0.5), and at an exact .5
either neighbour is right: the comparisons here accept, pixel by pixel, any of the (up to
four) answers the tie allows.

One feature per check: the core checks draw one square float64 image (C, H, W) and leave
`fill` at its default; a `fill` value and non-square images each have checks of their own (one
per signature: shift, rotate and shear, zoom; and rotate90 for non-square images). Each
named mistake has fixed examples that expose it whatever the seed, without ties, so that its
hint does not depend on how ties are rounded; each check family has a case at the lecture's
sizes (a 32x32x3 CIFAR-10 image, a 28x28 MNIST digit, channels first).
"""

import functools

import numpy as np

from grader.authoring import (Exercise, Falsified, Mismatch, Mistake, OneCall, answer_key, as_array, compare_arrays,
                              compare_values, draw_array, matches_reference, one_of, satisfies_property, st, upto)

key = answer_key(__name__)

# --- Worked examples, computed by hand (the lecture shows pictures, not numbers) -------------------

LETTER = np.array([[[1, 1, 1],
                    [1, 0, 0],
                    [1, 1, 0],
                    [1, 0, 0]]], dtype=np.float64)  # an "F", (1, 4, 3): no symmetry hides a mistake
WORKED = {
    "hflip": ({"image": LETTER}, np.array([[[1, 1, 1], [0, 0, 1], [0, 1, 1], [0, 0, 1]]], dtype=np.float64)),
    "vflip": ({"image": LETTER}, np.array([[[1, 0, 0], [1, 1, 0], [1, 0, 0], [1, 1, 1]]], dtype=np.float64)),
    "shift": ({"image": LETTER, "dy": 1, "dx": -1},
              np.array([[[0, 0, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0]]], dtype=np.float64)),
    "rotate90": ({"image": LETTER}, np.array([[[1, 0, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]]], dtype=np.float64)),
    "rotate": ({"image": LETTER, "degrees": 180},
               np.array([[[0, 0, 1], [0, 1, 1], [0, 0, 1], [1, 1, 1]]], dtype=np.float64)),
}

# --- Strategies: what hypothesis draws ---------------------------------------------------------------

CHANNELS = (1, 3, 2)
MAX_SIDE = 9
FILLS = (0.0, 0.5, 1.0)
GIVEN_FILLS = (0.5, 1.0)  # a fill that differs from the default
ANGLES = st.one_of(st.integers(-180, 180), st.sampled_from((90, -90, 180, 45, 270, 30.5)))
SHEAR_ANGLES = st.integers(-60, 60)
FACTORS = (2.0, 0.5, 1.5, 3.0, 0.75, 1.25, 0.8, 1.0)
F64, FLOATS = (np.float64,), (np.float64, np.float32)


@st.composite
def _drawn_image(draw, dtypes=FLOATS, square: bool | None = False, max_side=MAX_SIDE):
    """(C, H, W), 1 to 3 channels, odd and even sides (H = W when `square`; H != W when it is None):
    values k / 255 in [0, 1] (or uint8)."""
    C = draw(one_of(CHANNELS), label="C")
    H = draw(upto(max_side), label="H")
    W = H if square else draw(upto(max_side), label="W")
    if square is None and W == H:
        W = H + 1
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    pixels = draw_array(draw, np.uint8, (C, H, W), label="image")
    return pixels if dtype == np.uint8 else (pixels / 255).astype(dtype)


def _with_fill(draw, inputs: dict, fill: bool | None) -> dict:
    """Pass `fill` (True: one that is not the default), leave it to its default 0.0 (False), or either (None)."""
    if fill is None and draw(st.booleans(), label="fill given"):
        inputs["fill"] = draw(one_of(FILLS), label="fill")
    elif fill:
        inputs["fill"] = draw(one_of(GIVEN_FILLS), label="fill")
    return inputs


@st.composite
def flip_inputs(draw, dtypes=(np.float64, np.float32, np.uint8), square: bool = False) -> dict:
    return {"image": draw(_drawn_image(dtypes, square), label="image")}


def _draw_shift(draw, image) -> dict:
    """dy, dx from -(side + 1) to side + 1: past the edge too; zero shrinks last."""
    _, H, W = image.shape
    return {"image": image, "dy": draw(st.integers(-H - 1, H + 1), label="dy"),
            "dx": draw(st.integers(-W - 1, W + 1), label="dx")}


@st.composite
def shift_inputs(draw, dtypes=FLOATS, square: bool | None = False, fill: bool | None = None) -> dict:
    return _with_fill(draw, _draw_shift(draw, draw(_drawn_image(dtypes, square), label="image")), fill)


@st.composite
def rotate90_inputs(draw, dtypes=(np.float64, np.float32, np.uint8), square: bool | None = False) -> dict:
    inputs = {"image": draw(_drawn_image(dtypes, square), label="image")}
    if draw(st.booleans(), label="k given"):
        inputs["k"] = draw(st.integers(-5, 6), label="k")
    return inputs


@st.composite
def angle_inputs(draw, angles=ANGLES, dtypes=FLOATS, square: bool | None = False, fill: bool | None = None) -> dict:
    image = draw(_drawn_image(dtypes, square), label="image")
    return _with_fill(draw, {"image": image, "degrees": draw(angles, label="degrees")}, fill)


@st.composite
def zoom_inputs(draw, dtypes=FLOATS, square: bool | None = False, fill: bool | None = None) -> dict:
    image = draw(_drawn_image(dtypes, square), label="image")
    return _with_fill(draw, {"image": image, "factor": draw(st.sampled_from(FACTORS), label="factor")}, fill)


@st.composite
def brightness_inputs(draw, dtypes=FLOATS, square: bool = False) -> dict:
    """factor in quarter steps from 0 (black) to 3."""
    return {"image": draw(_drawn_image(dtypes, square), label="image"),
            "factor": draw(st.integers(0, 12), label="factor") / 4}


@st.composite
def channel_shift_inputs(draw, dtypes=FLOATS, square: bool = False) -> dict:
    """intensity in eighth steps from -1 to 1."""
    return {"image": draw(_drawn_image(dtypes, square), label="image"),
            "intensity": draw(st.integers(-8, 8), label="intensity") / 8}


# --- Fixed examples: each named mistake's smallest witness (no ties), and the lecture's sizes ---------


def _unit_pixels(shape: tuple, seed: int) -> np.ndarray:
    """Deterministic values k / 255 in [0, 1]: a fixed example's image."""
    return np.random.default_rng(seed).integers(0, 256, size=shape) / 255


CIFAR = _unit_pixels((3, 32, 32), 32)  # a CIFAR-10 image, channels first
MNIST = _unit_pixels((1, 28, 28), 28)  # an MNIST digit
SQUARE = np.array([[[1.0, 2.0], [3.0, 4.0]]])  # (1, 2, 2)
NINE = np.arange(9.0).reshape(1, 3, 3)  # (1, 3, 3): a centre pixel, and quarter turns without ties
SIXTEEN = np.arange(16.0).reshape(1, 4, 4)  # turned by 30 degrees, its corners come from outside

FLIP_FIXED = ({"image": SQUARE}, WORKED["hflip"][0], {"image": CIFAR}, {"image": MNIST})  # the F: the notebook's
SHIFT_FIXED = (
    {"image": SQUARE, "dy": 0, "dx": 1},  # [[0, 1], [0, 3]]: not the other way, not rolled round, not int(-0.5)
    {"image": SQUARE, "dy": 1, "dx": 0},
    {"image": CIFAR, "dy": 5, "dx": -7}, {"image": MNIST, "dy": -3, "dx": 4},
)
ROTATE90_FIXED = ({"image": SQUARE, "k": 1}, {"image": CIFAR, "k": 1}, {"image": MNIST, "k": 3})
ROTATE90_NON_SQUARE = (WORKED["rotate90"][0], {"image": np.arange(6.0).reshape(1, 2, 3), "k": 1})
ROTATE_FIXED = (
    {"image": NINE, "degrees": 90},  # counter-clockwise, about the centre, in degrees: no ties anywhere
    {"image": CIFAR, "degrees": 30}, {"image": MNIST, "degrees": -45},
)
SHEAR_FIXED = ({"image": NINE, "degrees": 45}, {"image": CIFAR, "degrees": 20}, {"image": MNIST, "degrees": -15})
ZOOM_FIXED = (
    {"image": NINE, "factor": 3.0},  # every pixel from the centre one; inverted, only the centre survives
    {"image": CIFAR, "factor": 1.25}, {"image": MNIST, "factor": 0.8},
)
WIDE = CIFAR[:, :24]  # (3, 24, 32): a CIFAR-10 image cut to H != W
SHIFT_FILL = ({"image": SQUARE, "dy": 0, "dx": 1, "fill": 0.5}, {"image": CIFAR, "dy": 5, "dx": -7, "fill": 1.0})
ANGLE_FILL = ({"image": SIXTEEN, "degrees": 30, "fill": 0.5}, {"image": CIFAR, "degrees": -20, "fill": 1.0})
ZOOM_FILL = ({"image": NINE, "factor": 0.5, "fill": 0.5}, {"image": MNIST, "factor": 0.8, "fill": 1.0})
SHIFT_NON_SQUARE = (WORKED["shift"][0], {"image": WIDE, "dy": 3, "dx": -5})  # the notebook's F first
ANGLE_NON_SQUARE = (WORKED["rotate"][0], {"image": WIDE, "degrees": 30})
ZOOM_NON_SQUARE = ({"image": LETTER, "factor": 3.0}, {"image": WIDE, "factor": 1.25})
BRIGHTNESS_FIXED = ({"image": np.array([[[0.5]]]), "factor": 3.0}, {"image": CIFAR, "factor": 1.5},
                    {"image": MNIST, "factor": 0.5})
CHANNEL_SHIFT_FIXED = ({"image": np.array([[[0.25, 0.5]]]), "intensity": 0.5}, {"image": CIFAR, "intensity": 0.25},
                       {"image": MNIST, "intensity": -0.5})

# --- Comparing with ties, and the properties ----------------------------------------------------------


def compare_nearest(answers: list, actual) -> tuple[Mismatch | None, np.ndarray]:
    """None when every value equals one of the answers there; else the mismatch, against the closest answer."""
    expected = answers[0]
    mismatch = compare_arrays(expected, actual, require_float=False)
    if mismatch is None or "wrong values" not in mismatch.message:
        return mismatch, expected
    array = as_array(actual)
    assert array is not None  # its values were compared: an array of the answer's shape
    array = array.astype(np.float64)
    chosen = expected.copy()
    for answer in answers[1:]:
        takes = np.isclose(array, answer) & ~np.isclose(array, chosen)
        chosen[takes] = answer[takes]
    return compare_values(chosen, array), chosen


def _rule(drawn: dict) -> str:
    _, H, W = drawn["image"].shape
    return f"for an image of H={H}, W={W}: the output keeps (C, H, W) = {drawn['image'].shape}"


def _check_nearest(session, function: str, drawn: dict) -> None:
    """`function(**drawn)` takes the nearest source pixel of the formula everywhere (ties either way)."""
    answers = key.answers(function, drawn)
    _judge_nearest(function, session, drawn, answers, session.call(function, drawn, expected=answers[0]))


def _judge_nearest(function: str, session, drawn: dict, answers: list, actual) -> None:
    mismatch, expected = compare_nearest(answers, actual)
    if mismatch is not None:
        message = f"{function} {mismatch.message}"
        if "shape" in mismatch.message:
            message += f" {_rule(drawn)}"
        raise Falsified(message, function=function, inputs=drawn, expected=expected, outcome=session.last_outcome,
                        differences=mismatch.differences)


def _matches_nearest(*functions: str):
    """The property: each of `functions` (rotate and shear share their arguments) takes the nearest pixel."""
    if len(functions) == 1:
        return OneCall(functions[0], lambda drawn: (drawn, key.answers(functions[0], drawn)),
                       functools.partial(_judge_nearest, functions[0]), told=lambda answers: answers[0])

    def prop(session, drawn: dict) -> None:
        for function in functions:
            _check_nearest(session, function, drawn)
    return prop


def _flips(session, drawn: dict) -> None:
    """hflip reverses W and vflip reverses H; both keep the values (any dtype)."""
    for function, reference, axis in (("hflip", key.hflip, "W"), ("vflip", key.vflip, "H")):
        expected = reference(*drawn.values())
        actual = session.call(function, drawn, expected=expected)
        mismatch = compare_arrays(expected, actual, require_float=False)
        if mismatch is not None:
            raise Falsified(f"{function} {mismatch.message} ({function} reverses {axis} of (C, H, W))",
                            function=function, inputs=drawn, expected=expected, outcome=session.last_outcome,
                            differences=mismatch.differences)


def _rot90_rule(inputs: dict) -> str:
    C, H, W = inputs["image"].shape
    k = inputs.get("k", 1)
    turned = (C, W, H) if k % 2 else (C, H, W)
    return f"for (C, H, W) = {inputs['image'].shape} and k={k}: {turned}; C stays first"


# --- Known mistakes ------------------------------------------------------------------------------

ROUNDED_TOWARD_ZERO = (
    "The nearest pixel was found with int(v + 0.5) (or .astype(int)), which rounds toward zero: a source at "
    "v = -0.7 becomes int(-0.2) = 0, a pixel inside the image, where it should be -1, outside (fill). "
    "Use np.floor(v + 0.5).")
FILL_IGNORED = ("The pixels that come in from outside the image are 0 whatever `fill` says: start the output "
                "as np.full(shape, fill), not np.zeros(shape), or write `fill` where the source is outside.")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("flips_swapped", "hflip",
            "hflip and vflip are swapped: in (C, H, W) the horizontal flip mirrors left and right, so it "
            "reverses W, the last axis (image[:, :, ::-1]); vflip reverses H (image[:, ::-1, :]).",
            reproduce=key.vflip),
    Mistake("flips_swapped", "vflip",
            "hflip and vflip are swapped: in (C, H, W) the vertical flip mirrors top and bottom, so it "
            "reverses H, the middle axis (image[:, ::-1, :]); hflip reverses W.",
            reproduce=key.hflip),
    Mistake("shift_sign_flipped", "shift",
            "The content moved the wrong way: out[:, r, c] = image[:, r - dy, c - dx], so a positive dy moves "
            "the picture DOWN (the pixel at row 0 ends up at row dy). Working backwards, the source of an "
            "output pixel is at r - dy, not r + dy.",
            reproduce=key.shift_sign_flipped),
    Mistake("shift_wraps_around", "shift",
            "The pixels that leave one edge came back at the other (np.roll): a shift brings in `fill` from "
            "outside the image, as ImageDataGenerator's fill_mode='constant' does.",
            reproduce=key.shift_rolled),
    Mistake("rotate90_default_axes", "rotate90",
            "np.rot90(image, k) turns the FIRST two axes, (C, H), by default: pass axes=(1, 2) to turn the "
            "image plane (H, W) and keep the channels first.",
            reproduce=key.rotate90_default_axes),
    Mistake("rotate90_clockwise", "rotate90",
            "The quarter turns go clockwise: positive k turns counter-clockwise, like np.rot90, so the top "
            "row of the result is the image's last column.",
            reproduce=key.rotate90_clockwise),
    Mistake("rotate_clockwise", "rotate",
            "The image turned clockwise: positive degrees turn counter-clockwise (mathematically positive). "
            "Check the signs of sin(t) in r_in = cy + cos(t) (r - cy) + sin(t) (c - cx) and "
            "c_in = cx - sin(t) (r - cy) + cos(t) (c - cx).",
            reproduce=key.rotate_clockwise),
    Mistake("rotate_about_corner", "rotate",
            "The image turned about its top-left corner, pixel (0, 0): rotate about the centre, "
            "(cy, cx) = ((H - 1) / 2, (W - 1) / 2), by subtracting it before the rotation and adding it back after.",
            reproduce=key.rotate_about_corner),
    Mistake("rotate_degrees_as_radians", "rotate",
            "The angle went into np.cos and np.sin in degrees: they take radians, so convert first, "
            "t = np.radians(degrees) (90 degrees is pi / 2, not 90).",
            reproduce=key.rotate_degrees_as_radians),
    Mistake("rounds_toward_zero", "shift", ROUNDED_TOWARD_ZERO, reproduce=key.shift_toward_zero),
    Mistake("rounds_toward_zero", "rotate", ROUNDED_TOWARD_ZERO, reproduce=key.rotate_toward_zero),
    Mistake("rounds_toward_zero", "shear", ROUNDED_TOWARD_ZERO, reproduce=key.shear_toward_zero),
    Mistake("rounds_toward_zero", "zoom", ROUNDED_TOWARD_ZERO, reproduce=key.zoom_toward_zero),
    Mistake("fill_ignored", "shift", FILL_IGNORED, reproduce=key.shift_fill_ignored),
    Mistake("fill_ignored", "rotate", FILL_IGNORED, reproduce=key.rotate_fill_ignored),
    Mistake("fill_ignored", "shear", FILL_IGNORED, reproduce=key.shear_fill_ignored),
    Mistake("fill_ignored", "zoom", FILL_IGNORED, reproduce=key.zoom_fill_ignored),
    Mistake("shear_sign", "shear",
            "The shear slants the wrong way: c_in = c + tan(t) (r - cy), so with positive degrees the rows "
            "BELOW the centre take their pixels from further right.",
            reproduce=key.shear_sign_flipped),
    Mistake("zoom_inverted", "zoom",
            "The zoom goes the wrong way: factor > 1 enlarges, so each output pixel comes from CLOSER to the "
            "centre, r_in = cy + (r - cy) / factor (divide, do not multiply).",
            reproduce=key.zoom_inverted),
    Mistake("brightness_not_clipped", "adjust_brightness",
            "Values went above 1: a brighter image saturates at white, so clip the result to [0, 1] "
            "(np.clip(image * factor, 0, 1)).",
            reproduce=key.brightness_not_clipped),
    Mistake("channel_shift_clipped_01", "channel_shift",
            "The result was clipped to [0, 1]: Keras's channel shift clips to the image's OWN range, "
            "clip(image + intensity, image.min(), image.max()), with min and max taken before the shift.",
            reproduce=key.channel_shift_clipped_01),
)

EXERCISE = Exercise(
    id="exercise11",
    module=__name__.rpartition(".")[2],
    title="Data augmentation",
    section="9. Image Data Augmentation",
    summary="hflip, vflip, shift, rotate90, rotate, shear, zoom, adjust_brightness, channel_shift",
    points=10,
    functions=("hflip", "vflip", "shift", "rotate90", "rotate", "shear", "zoom", "adjust_brightness",
               "channel_shift"),
    checks=(
        satisfies_property(
            ("hflip", "vflip"), _flips, flip_inputs(F64, square=True), points=1,
            name="hflip and vflip: mirror W and H",
            description="Square float64 images (C, H, W) of 1 to 3 channels, the notebook's F, a CIFAR-10 image "
                        "and an MNIST digit; the dtype may stay.",
            examples=FLIP_FIXED, max_examples=10),
        satisfies_property(
            "shift", _matches_nearest("shift"), shift_inputs(F64, square=True, fill=False), points=1,
            name="shift: matches the reference",
            description="dy and dx of either sign, past the edge too, on square images; fill left at 0.0.",
            examples=SHIFT_FIXED, max_examples=15),
        satisfies_property(
            "shift", _matches_nearest("shift"), shift_inputs(F64, square=True, fill=True), points=0.25,
            name="shift: a fill value",
            description="fill = 0.5 or 1.0 for the pixels whose source lies outside the image.",
            examples=SHIFT_FILL, max_examples=6),
        satisfies_property(
            "shift", _matches_nearest("shift"), shift_inputs(F64, square=None, fill=False), points=0.25,
            name="shift: non-square images",
            description="H != W, the notebook's F among them: dy moves along H, dx along W.",
            examples=SHIFT_NON_SQUARE, max_examples=6),
        matches_reference(
            "rotate90", key.rotate90, rotate90_inputs(F64, square=True), points=1, name="rotate90: matches np.rot90",
            description="k from -5 to 6 or left at 1, square images: np.rot90(image, k, axes=(1, 2)).",
            require_float=False, explain=_rot90_rule, examples=ROTATE90_FIXED, max_examples=10),
        matches_reference(
            "rotate90", key.rotate90, rotate90_inputs(F64, square=None), points=0.5,
            name="rotate90: non-square images",
            description="H != W: an odd number of quarter turns gives (C, W, H), as the notebook's F shows.",
            require_float=False, explain=_rot90_rule, examples=ROTATE90_NON_SQUARE, max_examples=10),
        satisfies_property(
            "rotate", _matches_nearest("rotate"), angle_inputs(dtypes=F64, square=True, fill=False), points=1,
            name="rotate: matches the reference",
            description="Angles from -180 to 180 degrees (90, 180, 45, ... among them) about the centre, on odd "
                        "and even square images; ties may round either way.",
            examples=ROTATE_FIXED, max_examples=20),
        satisfies_property(
            "shear", _matches_nearest("shear"), angle_inputs(SHEAR_ANGLES, F64, square=True, fill=False), points=1,
            name="shear: matches the reference",
            description="Angles from -60 to 60 degrees, rows sliding about the centre row.",
            examples=SHEAR_FIXED, max_examples=12),
        satisfies_property(
            ("rotate", "shear"), _matches_nearest("rotate", "shear"),
            angle_inputs(SHEAR_ANGLES, F64, square=True, fill=True), points=0.25,
            name="rotate and shear: a fill value",
            description="fill = 0.5 or 1.0 for the pixels whose source lies outside the image, angles -60 to 60.",
            examples=ANGLE_FILL, max_examples=6),
        satisfies_property(
            ("rotate", "shear"), _matches_nearest("rotate", "shear"),
            angle_inputs(SHEAR_ANGLES, F64, square=None, fill=False), points=0.25,
            name="rotate and shear: non-square images",
            description="H != W, the notebook's F among them: the centre is ((H - 1) / 2, (W - 1) / 2).",
            examples=ANGLE_NON_SQUARE, max_examples=6),
        satisfies_property(
            "zoom", _matches_nearest("zoom"), zoom_inputs(F64, square=True, fill=False), points=1,
            name="zoom: matches the reference",
            description="Factors 0.5 to 3 about the centre (ties at factor 2 may round either way).",
            examples=ZOOM_FIXED, max_examples=15),
        satisfies_property(
            "zoom", _matches_nearest("zoom"), zoom_inputs(F64, square=True, fill=True), points=0.25,
            name="zoom: a fill value",
            description="fill = 0.5 or 1.0 for the pixels whose source lies outside the image.",
            examples=ZOOM_FILL, max_examples=6),
        satisfies_property(
            "zoom", _matches_nearest("zoom"), zoom_inputs(F64, square=None, fill=False), points=0.25,
            name="zoom: non-square images",
            description="H != W: the centre is ((H - 1) / 2, (W - 1) / 2).",
            examples=ZOOM_NON_SQUARE, max_examples=6),
        matches_reference(
            "adjust_brightness", key.adjust_brightness, brightness_inputs(F64, square=True), points=1,
            name="adjust_brightness: matches the reference",
            description="Factors 0 to 3: clip(image * factor, 0, 1).", examples=BRIGHTNESS_FIXED, max_examples=10),
        matches_reference(
            "channel_shift", key.channel_shift, channel_shift_inputs(F64, square=True), points=1,
            name="channel_shift: matches the reference",
            description="Intensities -1 to 1: clip(image + intensity, image.min(), image.max()).",
            examples=CHANNEL_SHIFT_FIXED, max_examples=10),
    ),
    mistakes=MISTAKES,
)
