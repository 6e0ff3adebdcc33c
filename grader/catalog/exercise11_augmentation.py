"""Exercise 11, data augmentation: what is checked, worked examples, and the mistakes we name.

The geometric transforms take the nearest source pixel, floor(v + 0.5), and at an exact .5
either neighbour is right: the comparisons here accept, pixel by pixel, any of the (up to
four) answers the tie allows.
"""

import numpy as np
from hypothesis import strategies as st

from grader.checks import Falsified, PropertyCheck, matches_reference
from grader.compare import Mismatch, as_array, compare_arrays, compare_values
from grader.exercise import Exercise, Mistake
from grader.strategies import draw_array, one_of, upto
from reference import augmentation as ref

# --- Worked examples, computed by hand (the lecture shows pictures, not numbers) -------------------

LETTER = np.array([[[1, 1, 1],
                    [1, 0, 0],
                    [1, 1, 0],
                    [1, 0, 0]]], dtype=np.float64)  # an "F", (1, 4, 3): no symmetry hides a mistake
WORKED = {
    "hflip": ({"image": LETTER}, LETTER[:, :, ::-1]),
    "vflip": ({"image": LETTER}, LETTER[:, ::-1, :]),
    "shift": ({"image": LETTER, "dy": 1, "dx": -1},
              np.array([[[0, 0, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0]]], dtype=np.float64)),
    "rotate90": ({"image": LETTER}, np.array([[[1, 0, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1]]], dtype=np.float64)),
    "rotate": ({"image": LETTER, "degrees": 180}, LETTER[:, ::-1, ::-1]),
}

# --- Strategies: what hypothesis draws ---------------------------------------------------------------

CHANNELS = (1, 3, 2)
MAX_SIDE = 9
FILLS = (0.0, 0.5, 1.0)
ANGLES = st.one_of(st.integers(-180, 180), st.sampled_from((90, -90, 180, 45, 270, 30.5)))


@st.composite
def _image(draw, dtypes=(np.float64, np.float32), max_side=MAX_SIDE):
    """(C, H, W), 1 to 3 channels, non-square, odd and even sides: values k / 255 in [0, 1] (or uint8)."""
    C = draw(one_of(CHANNELS), label="C")
    H, W = draw(upto(max_side), label="H"), draw(upto(max_side), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    pixels = draw_array(draw, np.uint8, (C, H, W), label="image")
    return pixels if dtype == np.uint8 else (pixels / 255).astype(dtype)


def _with_fill(draw, inputs: dict) -> dict:
    """Pass `fill` or leave it to its default, 0.0."""
    if draw(st.booleans(), label="fill given"):
        inputs["fill"] = draw(one_of(FILLS), label="fill")
    return inputs


@st.composite
def flip_inputs(draw) -> dict:
    return {"image": draw(_image((np.float64, np.float32, np.uint8)), label="image")}


@st.composite
def shift_inputs(draw) -> dict:
    """dy, dx from -(side + 1) to side + 1: past the edge too; zero shrinks last."""
    image = draw(_image(), label="image")
    _, H, W = image.shape
    dy, dx = draw(st.integers(-H - 1, H + 1), label="dy"), draw(st.integers(-W - 1, W + 1), label="dx")
    return _with_fill(draw, {"image": image, "dy": dy, "dx": dx})


@st.composite
def rotate90_inputs(draw) -> dict:
    inputs = {"image": draw(_image((np.float64, np.float32, np.uint8)), label="image")}
    if draw(st.booleans(), label="k given"):
        inputs["k"] = draw(st.integers(-5, 6), label="k")
    return inputs


@st.composite
def angle_inputs(draw, angles=ANGLES) -> dict:
    return _with_fill(draw, {"image": draw(_image(), label="image"), "degrees": draw(angles, label="degrees")})


@st.composite
def zoom_inputs(draw) -> dict:
    factor = draw(st.sampled_from((2.0, 0.5, 1.5, 3.0, 0.75, 1.25, 0.8, 1.0)), label="factor")
    return _with_fill(draw, {"image": draw(_image(), label="image"), "factor": factor})


@st.composite
def brightness_inputs(draw) -> dict:
    """factor in quarter steps from 0 (black) to 3."""
    return {"image": draw(_image(), label="image"), "factor": draw(st.integers(0, 12), label="factor") / 4}


@st.composite
def channel_shift_inputs(draw) -> dict:
    """intensity in eighth steps from -1 to 1."""
    return {"image": draw(_image(), label="image"), "intensity": draw(st.integers(-8, 8), label="intensity") / 8}


# --- Nearest pixels with ties ---------------------------------------------------------------------

TIE = 1e-6  # a source coordinate this close to k + 0.5 is a tie: both neighbours are accepted


def _both_neighbours(v):
    """floor(v + 0.5), and where v is a tie, the other neighbour (else the same)."""
    v = np.asarray(v, dtype=np.float64)
    rounded = np.floor(v + 0.5)
    tie = np.abs(v - np.floor(v) - 0.5) < TIE
    return rounded, np.where(tie, np.where(rounded > v, rounded - 1, rounded + 1), rounded)


def nearest_answers(image, r_in, c_in, fill) -> list[np.ndarray]:
    """Every right answer: the floor(v + 0.5) one first, then those that round ties the other way."""
    rows, cols = _both_neighbours(r_in), _both_neighbours(c_in)
    return [ref.remap(image, r, c, fill) for r in rows for c in cols]


def compare_nearest(answers: list, actual) -> tuple[Mismatch | None, np.ndarray]:
    """None when every value equals one of the answers there; else the mismatch, against the closest answer."""
    expected = answers[0]
    mismatch = compare_arrays(expected, actual, require_float=False)
    if mismatch is None or "wrong values" not in mismatch.message:
        return mismatch, expected
    array = as_array(actual).astype(np.float64)
    chosen = expected.copy()
    for answer in answers[1:]:
        takes = np.isclose(array, answer) & ~np.isclose(array, chosen)
        chosen[takes] = answer[takes]
    return compare_values(chosen, array), chosen


def _coordinates(function: str, H: int, W: int, drawn: dict):
    """Where each output pixel of `function` comes from, (r_in, c_in), for the drawn arguments."""
    if function == "shift":
        r, c = ref.output_grid(H, W)
        return r - drawn["dy"], c - drawn["dx"]
    if function == "rotate":
        return ref.rotate_coordinates(H, W, drawn["degrees"])
    if function == "shear":
        return ref.shear_coordinates(H, W, drawn["degrees"])
    return ref.zoom_coordinates(H, W, drawn["factor"])


def _rule(function: str, drawn: dict) -> str:
    _, H, W = drawn["image"].shape
    return f"for an image of H={H}, W={W}: the output keeps (C, H, W) = {drawn['image'].shape}"


def _matches_nearest(function: str):
    """The property: `function(**drawn)` takes the nearest source pixel of the formula everywhere."""
    def prop(session, drawn: dict) -> None:
        image = drawn["image"]
        answers = nearest_answers(image, *_coordinates(function, *image.shape[1:], drawn), drawn.get("fill", 0.0))
        actual = session.call(function, drawn)
        mismatch, expected = compare_nearest(answers, actual)
        if mismatch is not None:
            message = f"{function} {mismatch.message}"
            if "shape" in mismatch.message:
                message += f" {_rule(function, drawn)}"
            raise Falsified(message, function=function, inputs=drawn, expected=expected, outcome=session.last_outcome,
                            differences=mismatch.differences)
    return prop


def _flips(session, drawn: dict) -> None:
    """hflip reverses W and vflip reverses H; both keep the values (any dtype)."""
    for function, reference, axis in (("hflip", ref.hflip, "W"), ("vflip", ref.vflip, "H")):
        expected = reference(drawn["image"])
        actual = session.call(function, drawn)
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

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _fits(answers, actual) -> bool:
    return actual is not None and compare_nearest(answers, actual)[0] is None


def _maps_like(wrong_coordinates):
    """The (failing) output is what another mapping gives: clockwise, about the corner, ...

    Only the output is compared: on a small input the wrong mapping may also allow the right
    answer through a tie, and the failure still shows which one the submission took.
    """
    def detect(inputs, expected, outcome):
        actual, image = _actual(outcome), inputs["image"]
        _, H, W = image.shape
        wrong = nearest_answers(image, *wrong_coordinates(H, W, inputs), inputs.get("fill", 0.0))
        return _fits(wrong, actual)
    return detect


def _about_corner(H, W, inputs):
    t = np.radians(inputs["degrees"])
    r, c = ref.output_grid(H, W)
    return np.cos(t) * r + np.sin(t) * c, -np.sin(t) * r + np.cos(t) * c


def _rounded_toward_zero(function: str):
    """int(v + 0.5) or .astype(int): the formula's source, rounded toward zero instead of down."""
    def coordinates(H, W, inputs):
        return tuple(np.trunc(v + 0.5) for v in _coordinates(function, H, W, inputs))
    return coordinates


ROUNDED_TOWARD_ZERO = (
    "The nearest pixel was found with int(v + 0.5) (or .astype(int)), which rounds toward zero: a source at "
    "v = -0.7 becomes int(-0.2) = 0, a pixel inside the image, where it should be -1, outside (fill). "
    "Use np.floor(v + 0.5).")

MISTAKES = (
    Mistake("flips_swapped", "hflip",
            "hflip and vflip are swapped: in (C, H, W) the horizontal flip mirrors left and right, so it "
            "reverses W, the last axis (image[:, :, ::-1]); vflip reverses H (image[:, ::-1, :]).",
            reproduce=lambda image: np.asarray(image)[:, ::-1, :]),
    Mistake("flips_swapped", "vflip",
            "hflip and vflip are swapped: in (C, H, W) the vertical flip mirrors top and bottom, so it "
            "reverses H, the middle axis (image[:, ::-1, :]); hflip reverses W.",
            reproduce=lambda image: np.asarray(image)[:, :, ::-1]),
    Mistake("shift_sign_flipped", "shift",
            "The content moved the wrong way: out[:, r, c] = image[:, r - dy, c - dx], so a positive dy moves "
            "the picture DOWN (the pixel at row 0 ends up at row dy). Working backwards, the source of an "
            "output pixel is at r - dy, not r + dy.",
            reproduce=lambda image, dy, dx, fill=0.0: ref.shift(image, -dy, -dx, fill)),
    Mistake("shift_wraps_around", "shift",
            "The pixels that leave one edge came back at the other (np.roll): a shift brings in `fill` from "
            "outside the image, as ImageDataGenerator's fill_mode='constant' does.",
            reproduce=lambda image, dy, dx, fill=0.0: np.roll(np.asarray(image), (dy, dx), axis=(1, 2))),
    Mistake("rotate90_default_axes", "rotate90",
            "np.rot90(image, k) turns the FIRST two axes, (C, H), by default: pass axes=(1, 2) to turn the "
            "image plane (H, W) and keep the channels first.",
            reproduce=lambda image, k=1: np.rot90(np.asarray(image), k)),
    Mistake("rotate90_clockwise", "rotate90",
            "The quarter turns go clockwise: positive k turns counter-clockwise, like np.rot90, so the top "
            "row of the result is the image's last column.",
            reproduce=lambda image, k=1: ref.rotate90(image, -k)),
    Mistake("rotate_clockwise", "rotate",
            "The image turned clockwise: positive degrees turn counter-clockwise (mathematically positive). "
            "Check the signs of sin(t) in r_in = cy + cos(t) (r - cy) + sin(t) (c - cx) and "
            "c_in = cx - sin(t) (r - cy) + cos(t) (c - cx).",
            detect=_maps_like(lambda H, W, inputs: ref.rotate_coordinates(H, W, -inputs["degrees"]))),
    Mistake("rotate_about_corner", "rotate",
            "The image turned about its top-left corner, pixel (0, 0): rotate about the centre, "
            "(cy, cx) = ((H - 1) / 2, (W - 1) / 2), by subtracting it before the rotation and adding it back after.",
            detect=_maps_like(_about_corner)),
    Mistake("rotate_degrees_as_radians", "rotate",
            "The angle went into np.cos and np.sin in degrees: they take radians, so convert first, "
            "t = np.radians(degrees) (90 degrees is pi / 2, not 90).",
            detect=_maps_like(lambda H, W, inputs: ref.rotate_coordinates(H, W, np.degrees(inputs["degrees"])))),
    *(Mistake("rounds_toward_zero", function, ROUNDED_TOWARD_ZERO, detect=_maps_like(_rounded_toward_zero(function)))
      for function in ("shift", "rotate", "shear", "zoom")),
    Mistake("shear_sign", "shear",
            "The shear slants the wrong way: c_in = c + tan(t) (r - cy), so with positive degrees the rows "
            "BELOW the centre take their pixels from further right.",
            detect=_maps_like(lambda H, W, inputs: ref.shear_coordinates(H, W, -inputs["degrees"]))),
    Mistake("zoom_inverted", "zoom",
            "The zoom goes the wrong way: factor > 1 enlarges, so each output pixel comes from CLOSER to the "
            "centre, r_in = cy + (r - cy) / factor (divide, do not multiply).",
            detect=_maps_like(lambda H, W, inputs: ref.zoom_coordinates(H, W, 1 / inputs["factor"]))),
    Mistake("brightness_not_clipped", "adjust_brightness",
            "Values went above 1: a brighter image saturates at white, so clip the result to [0, 1] "
            "(np.clip(image * factor, 0, 1)).",
            reproduce=lambda image, factor: np.asarray(image, dtype=np.float64) * factor),
    Mistake("channel_shift_clipped_01", "channel_shift",
            "The result was clipped to [0, 1]: Keras's channel shift clips to the image's OWN range, "
            "clip(image + intensity, image.min(), image.max()), with min and max taken before the shift.",
            reproduce=lambda image, intensity: np.clip(np.asarray(image, dtype=np.float64) + intensity, 0, 1)),
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
        PropertyCheck(
            name="hflip and vflip: mirror W and H", points=1, functions=("hflip", "vflip"),
            description="(C, H, W) with 1 to 3 channels, non-square: float and uint8 (the dtype may stay).",
            inputs=flip_inputs(), prop=_flips, max_examples=10),
        PropertyCheck(
            name="shift: matches the reference", points=1.5, functions=("shift",),
            description="dy and dx of either sign, past the edge too, `fill` given or left at 0.0.",
            inputs=shift_inputs(), prop=_matches_nearest("shift"), max_examples=15),
        matches_reference(
            "rotate90", ref.rotate90, rotate90_inputs(), points=1, name="rotate90: matches np.rot90",
            description="k from -5 to 6 or left at 1, non-square images: np.rot90(image, k, axes=(1, 2)).",
            require_float=False, explain=_rot90_rule, max_examples=10),
        PropertyCheck(
            name="rotate: matches the reference", points=2, functions=("rotate",),
            description="Angles from -180 to 180 degrees (90, 180, 45, ... among them) about the centre, on odd, "
                        "even and non-square images; ties may round either way.",
            inputs=angle_inputs(), prop=_matches_nearest("rotate"), max_examples=20),
        PropertyCheck(
            name="shear: matches the reference", points=1, functions=("shear",),
            description="Angles from -60 to 60 degrees, rows sliding about the centre row.",
            inputs=angle_inputs(st.integers(-60, 60)), prop=_matches_nearest("shear"), max_examples=12),
        PropertyCheck(
            name="zoom: matches the reference", points=1.5, functions=("zoom",),
            description="Factors 0.5 to 3 about the centre (ties at factor 2 may round either way).",
            inputs=zoom_inputs(), prop=_matches_nearest("zoom"), max_examples=15),
        matches_reference(
            "adjust_brightness", ref.adjust_brightness, brightness_inputs(), points=1,
            name="adjust_brightness: matches the reference",
            description="Factors 0 to 3: clip(image * factor, 0, 1).", max_examples=10),
        matches_reference(
            "channel_shift", ref.channel_shift, channel_shift_inputs(), points=1,
            name="channel_shift: matches the reference",
            description="Intensities -1 to 1: clip(image + intensity, image.min(), image.max()).", max_examples=10),
    ),
    mistakes=MISTAKES,
)
