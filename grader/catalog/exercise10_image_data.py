"""Exercise 10, image data: what is checked, the lecture's examples, and the mistakes we name."""

import itertools
import re

import numpy as np
from hypothesis import strategies as st

from grader.checks import Falsified, PropertyCheck, lecture_examples, matches_reference
from grader.compare import Mismatch, as_array, compare_arrays, describe_value
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import draw_array, one_of, upto
from reference import image_data as ref

# --- The lecture's worked examples (sections 2 and 14) -------------------------------------------

GREY_LEVELS = (0, 35, 70, 105, 140, 175, 220, 255)  # "RGB and Grayscale", as the slides print them
GREY_IMAGE = np.array([[[level] * 3 for level in GREY_LEVELS]], dtype=np.uint8)  # (1, 8, 3)
PRIMARIES = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255),
             "black": (0, 0, 0)}
PRIMARY_IMAGE = np.array([list(PRIMARIES.values())], dtype=np.uint8)  # (1, 5, 3)
PIXEL_RANGE = np.array([[0, 51, 102, 153, 204, 255]], dtype=np.uint8)
CIFAR_LABELS = np.array([[6], [9], [9], [4], [1], [1]])  # (N, 1) like CIFAR-10's y_train, 10 classes
# For the notebook: a 2x3 RGB image (H, W, C), colours on top and greys below, and its (1, C, H, W) form
SMALL_RGB = np.concatenate([PRIMARY_IMAGE[:, :3], GREY_IMAGE[:, [0, 4, 7]]]).astype(np.uint8)
SMALL_RGB_CHANNELS_FIRST = np.moveaxis(SMALL_RGB, -1, 0)[np.newaxis]

GRAYSCALE_EXAMPLES = [
    Example("the lecture's grey levels 0, 35, 70, ... 255 keep their value", {"image": GREY_IMAGE},
            GREY_IMAGE[..., 0].astype(np.float64),
            note="For a grey pixel R = G = B = v, so 0.299 v + 0.587 v + 0.114 v = v: the weights add up to 1 "
                 "(section 2, 'RGB and Grayscale')."),
    Example("pure red, green, blue, white and black", {"image": PRIMARY_IMAGE},
            PRIMARY_IMAGE.astype(np.float64) @ ref.GRAY_WEIGHTS,
            note="The eye is most sensitive to green and least to blue: red 255 gives 0.299 * 255 = 76.245, "
                 "green 149.685, blue 29.07 (Pillow's convert('L') rounds these to 76, 150, 29)."),
]
NORMALIZE_EXAMPLES = [
    Example("pixels 0 to 255 become 0.0 to 1.0", {"images": PIXEL_RANGE}, PIXEL_RANGE / np.float32(255),
            note="Section 14: np.ptp(X_train) is 255 before and 1.0 after X_train.astype('float32') / 255."),
]
ONE_HOT_EXAMPLES = [
    Example("labels shaped like CIFAR-10's y_train, (6, 1), 10 classes",
            {"labels": CIFAR_LABELS, "num_classes": 10}, np.eye(10, dtype=np.float32)[CIFAR_LABELS[:, 0]],
            note="to_categorical(y_train, 10) turns y_train of shape (50000, 1) into (50000, 10) (section 14): "
                 "the (N, 1) column of labels gives one row per label, with a 1 in the label's column."),
]

# --- Strategies: what hypothesis draws ---------------------------------------------------------------

PIXEL_DTYPES = (np.uint8, np.float32, np.float64, np.int64)
MAX_SIDE = 8


def _draw_pixels(draw, dtype, shape, label):
    """Pixel values 0-255 from one drawn pool: uint8 and int64 as they are, floats scaled to 0-1 or kept."""
    pixels = draw_array(draw, np.uint8, shape, label=label)
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and draw(st.booleans(), label=f"{label} scaled to 0-1"):
        return (pixels / 255).astype(dtype)
    return pixels.astype(dtype)


@st.composite
def rgb_images(draw) -> dict:
    """image (H, W, 3) or (N, H, W, 3), non-square, any pixel dtype."""
    batch = (draw(upto(3), label="N"),) if draw(st.booleans(), label="a batch") else ()
    H, W = draw(upto(MAX_SIDE), label="H"), draw(upto(MAX_SIDE), label="W")
    dtype = draw(one_of(PIXEL_DTYPES), label="dtype")
    return {"image": _draw_pixels(draw, dtype, (*batch, H, W, 3), "image")}


@st.composite
def uint8_images(draw) -> dict:
    """uint8 pixels of any shape with 1 to 4 axes."""
    ndim = draw(upto(4), label="ndim")
    shape = tuple(draw(upto(6), label=f"axis {axis}") for axis in range(ndim))
    return {"images": draw_array(draw, np.uint8, shape, label="images")}


@st.composite
def standardize_inputs(draw) -> dict:
    """x (N, C, H, W), mean (C,) quarter steps in [-8, 8], std (C,) in 0.25 .. 4; C and W drawn apart."""
    N, C = draw(upto(2), label="N"), draw(upto(4), label="C")
    H, W = draw(upto(6), label="H"), draw(upto(6), label="W")
    dtype = draw(one_of((np.float64, np.float32)), label="dtype")
    std_steps = draw_array(draw, np.uint8, (C,), label="std") % 16 + 1
    return {"x": draw_array(draw, dtype, (N, C, H, W), label="x"),
            "mean": draw_array(draw, np.float64, (C,), label="mean"),
            "std": std_steps / 4}


def _draw_labels(draw, N, K):
    dtype = draw(one_of((np.int64, np.int32, np.uint8)), label="labels dtype")
    labels = (draw_array(draw, np.uint8, (N,), label="labels") % K).astype(dtype)
    return labels[:, None] if draw(st.booleans(), label="(N, 1) like y_train") else labels


@st.composite
def label_inputs(draw) -> dict:
    """labels (N,) or (N, 1) in [0, num_classes), num_classes 1 .. 10."""
    N, K = draw(upto(6), label="N"), draw(upto(10), label="num_classes")
    return {"labels": _draw_labels(draw, N, K), "num_classes": K}


@st.composite
def bad_label_inputs(draw) -> dict:
    """Like label_inputs, with one label outside [0, num_classes): -1 first, then K (one past the end), ..."""
    N, K = draw(upto(6), label="N"), draw(upto(10), label="num_classes")
    labels = _draw_labels(draw, N, K).astype(np.int64)
    bad = draw(st.sampled_from((-1, K, K + 1, -K - 3, 10 * K + 7)), label="bad label")
    labels.reshape(-1)[draw(upto(N - 1, 0), label="bad position")] = bad
    return {"labels": labels, "num_classes": K}


@st.composite
def channels_last_images(draw) -> dict:
    """(H, W, C) or (N, H, W, C), C 1 .. 4, any pixel dtype: H, W and C often all different."""
    batch = (draw(upto(3), label="N"),) if draw(st.booleans(), label="a batch") else ()
    H, W, C = draw(upto(6), label="H"), draw(upto(6), label="W"), draw(upto(4), label="C")
    dtype = draw(one_of(PIXEL_DTYPES), label="dtype")
    return {"images": _draw_pixels(draw, dtype, (*batch, H, W, C), "images")}


# --- Comparisons and properties ----------------------------------------------------------------------

def float32_values(expected, actual) -> Mismatch | None:
    """Shape, values, and the dtype float32 (what the lecture's astype('float32') and to_categorical give)."""
    mismatch = compare_arrays(expected, actual)
    if mismatch is None and as_array(actual).dtype != np.float32:
        return Mismatch(f"returned dtype {as_array(actual).dtype}, expected float32 (the values are right): "
                        "make the result float32, as the lecture's astype('float32') and to_categorical do")
    return mismatch


def _matches_as_float32(function, reference):
    def prop(session, drawn: dict) -> None:
        expected = reference(*drawn.values())
        actual = session.call(function, drawn)
        mismatch = float32_values(expected, actual)
        if mismatch is not None:
            raise Falsified(f"{function} {mismatch.message}", function=function, inputs=drawn, expected=expected,
                            outcome=session.last_outcome, differences=mismatch.differences)
    return prop


def bad_label(inputs: dict) -> int | None:
    """The first label outside [0, num_classes), or None."""
    labels = np.asarray(inputs["labels"]).reshape(-1).astype(np.int64)
    bad = labels[(labels < 0) | (labels >= inputs["num_classes"])]
    return int(bad[0]) if bad.size else None


def named_in(label: int, message: str) -> bool:
    """The label's digits stand in the message as a number of their own (the 1 of 10 does not name 1)."""
    return re.search(rf"(?<![\d.]){abs(label)}(?![\d.])", message) is not None


def _rejects_bad_label(session, drawn: dict) -> None:
    """one_hot raises ValueError, with the bad label's digits in its message (as a number of their own)."""
    bad, K = bad_label(drawn), drawn["num_classes"]
    wanted = f"expected ValueError naming the label ({bad} is outside [0, {K}))"
    try:
        value = session.call("one_hot", drawn)
    except Falsified as falsified:
        error = falsified.outcome.error or {}
        if error.get("type") == "ValueError" and named_in(bad, error.get("message", "")):
            return
        falsified.message = f"{falsified.message}; {wanted}"
        raise
    raise Falsified(f"one_hot returned {describe_value(value)} for the label {bad} with num_classes={K}: {wanted}",
                    function="one_hot", inputs=drawn, outcome=session.last_outcome)


def _grayscale_rule(inputs: dict) -> str:
    return f"for image of shape {inputs['image'].shape}: the last axis (R, G, B) is summed away"


def _channels_rule(inputs: dict) -> str:
    shape = inputs["images"].shape
    *batch, H, W, C = shape
    N = batch[0] if batch else 1
    return f"for images of shape {shape}: (N, C, H, W) = ({N}, {C}, {H}, {W})"


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _same(a, b) -> bool:
    return a is not None and a.shape == np.shape(b) and np.allclose(a, b)


def _error(outcome) -> dict:
    return (outcome.error or {}) if not outcome.ok else {}


def _weights_permuted(inputs, expected, outcome):
    """The three weights on the wrong channels: BGR order (OpenCV's), or two of them swapped."""
    actual, image = _actual(outcome), np.asarray(inputs["image"], dtype=np.float64)
    return actual is not None and not _same(actual, expected) and any(
        _same(image @ np.array(weights), actual)
        for weights in itertools.permutations(ref.GRAY_WEIGHTS) if tuple(weights) != tuple(ref.GRAY_WEIGHTS))


def _right_values_not_float32(inputs, expected, outcome):
    actual = _actual(outcome)
    return actual is not None and actual.dtype != np.float32 and _same(actual, expected)


def _last_axis_statistics(inputs, expected, outcome):
    """(x - mean) / std with (C,) arrays: they broadcast against W, the last axis, not C."""
    x, mean, std = (np.asarray(inputs[name], dtype=np.float64) for name in ("x", "mean", "std"))
    try:
        wrong = (x - mean) / std
    except ValueError:
        error = _error(outcome)
        return error.get("type") == "ValueError" and "broadcast" in error.get("message", "")
    return _same(_actual(outcome), wrong) and not _same(wrong, expected)


def _no_range_check(inputs, expected, outcome):
    """A label outside [0, num_classes) went through: -1 indexes the last class, as Python allows."""
    return bad_label(inputs) is not None and outcome.ok


def _off_by_one_range(inputs, expected, outcome):
    """label == num_classes slipped past a `> num_classes` check and failed later, as an IndexError."""
    error = _error(outcome)
    return bad_label(inputs) == inputs["num_classes"] and error.get("type") not in (None, "ValueError")


def _label_not_named(inputs, expected, outcome):
    error = _error(outcome)
    return error.get("type") == "ValueError" and bad_label(inputs) is not None and not named_in(
        bad_label(inputs), error.get("message", ""))


def _column_axis_kept(inputs, expected, outcome):
    actual, labels = _actual(outcome), np.asarray(inputs["labels"])
    return actual is not None and labels.ndim == 2 and actual.shape == (len(labels), 1, inputs["num_classes"])


def _with_batch(images):
    images = np.asarray(images)
    return images[np.newaxis] if images.ndim == 3 else images


def _reshaped_not_transposed(images):
    N, H, W, C = _with_batch(images).shape
    return _with_batch(images).reshape(N, C, H, W)


# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("grayscale_mean", "to_grayscale",
            "The grey value is the plain mean of R, G and B: the eye does not see the three alike, so "
            "grayscale weights them, 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, what Pillow's convert('L') "
            "uses). A grey pixel keeps its value either way; pure green must be brighter than pure blue.",
            reproduce=lambda image: np.asarray(image, dtype=np.float64).mean(axis=-1)),
    Mistake("grayscale_weights_permuted", "to_grayscale",
            "The weights sit on the wrong channels: images loaded with Keras or Pillow are RGB (OpenCV's are "
            "BGR), so image[..., 0] is red and gets 0.299, image[..., 1] green 0.587, image[..., 2] blue 0.114.",
            detect=_weights_permuted),
    Mistake("normalize_by_256", "normalize",
            "Divided by 256: the largest pixel value is 255, so images / 255 maps 0-255 onto exactly 0-1 "
            "(section 14's 'Normalized X_train range: 1.0').",
            reproduce=lambda images: np.asarray(images, dtype=np.float64) / 256),
    Mistake("normalize_float64", "normalize",
            "The values are right but not float32: uint8 / 255 gives float64 in NumPy. The lecture converts "
            "first, X_train.astype('float32') / 255, which halves the memory and is what a network expects.",
            detect=_right_values_not_float32),
    Mistake("standardize_last_axis", "standardize",
            "mean and std of shape (C,) broadcast against the LAST axis of x (N, C, H, W), which is W: "
            "reshape them to (1, C, 1, 1) (or mean[:, None, None]) so that channel c uses mean[c] and std[c].",
            detect=_last_axis_statistics),
    Mistake("one_hot_column_axis", "one_hot",
            "Labels shaped (N, 1), like CIFAR-10's y_train, gave (N, 1, num_classes): flatten them to (N,) "
            "first (labels.reshape(-1)), as to_categorical does, so the result is (N, num_classes).",
            detect=_column_axis_kept),
    Mistake("one_hot_float64", "one_hot",
            "The rows are right but float64 (np.eye's default): to_categorical returns float32, half the "
            "memory for CIFAR-10's 50,000 x 10 labels; pass dtype=np.float32 (or .astype(np.float32)).",
            detect=_right_values_not_float32),
    Mistake("one_hot_no_range_check", "one_hot",
            "A label outside [0, num_classes) was not rejected: np.eye(K)[-1] quietly picks the last class. "
            "Check the labels first and raise ValueError naming the bad one, as to_categorical's users "
            "would want.",
            detect=_no_range_check),
    Mistake("one_hot_off_by_one", "one_hot",
            "label == num_classes is out of range too: the classes are 0 .. num_classes - 1, so the check is "
            "labels >= num_classes (not >), and it must raise ValueError before indexing fails.",
            detect=_off_by_one_range),
    Mistake("one_hot_message_without_label", "one_hot",
            "The ValueError does not say which label is wrong: put it in the message, e.g. "
            "f\"label {label} is outside [0, {num_classes})\"; whoever has the broken data needs to know "
            "which label to look for.",
            detect=_label_not_named),
    Mistake("channels_first_hw_swapped", "channels_first",
            "Height and width are swapped: transpose(0, 3, 2, 1) reverses the axes, giving (N, C, W, H). "
            "Move only the channels: transpose(0, 3, 1, 2), or np.moveaxis(images, -1, 1).",
            reproduce=lambda images: _with_batch(images).transpose(0, 3, 2, 1)),
    Mistake("channels_first_reshape", "channels_first",
            "reshape(N, C, H, W) gives the right shape but scrambles the pixels: reshape keeps the memory "
            "order (R, G, B of one pixel, then the next). Moving an axis needs transpose(0, 3, 1, 2).",
            reproduce=_reshaped_not_transposed),
)

EXERCISE = Exercise(
    id="exercise10",
    module=__name__.rpartition(".")[2],
    title="Image data",
    section="2. Image Data; 14. Multiclass Classification (CIFAR-10)",
    summary="to_grayscale, normalize, standardize, one_hot and channels_first: images and labels made ready",
    points=10,
    functions=("to_grayscale", "normalize", "standardize", "one_hot", "channels_first"),
    checks=(
        lecture_examples(
            "to_grayscale", GRAYSCALE_EXAMPLES, points=1, name="to_grayscale: the lecture's examples",
            description="The grey levels of section 2 (0, 35, 70, ... 255) keep their value; pure red, green and "
                        "blue give 76.245, 149.685 and 29.07."),
        matches_reference(
            "to_grayscale", ref.to_grayscale, rgb_images(), points=1.5, name="to_grayscale: matches the reference",
            description="(H, W, 3) and (N, H, W, 3), non-square: uint8 and int64 pixels 0-255, floats 0-1 or "
                        "0-255; a floating-point result.",
            explain=_grayscale_rule, max_examples=20),
        lecture_examples(
            "normalize", NORMALIZE_EXAMPLES, points=1, name="normalize: the lecture's example",
            description="Pixels 0, 51, ... 255 become 0.0, 0.2, ... 1.0, as float32.", compare=float32_values),
        PropertyCheck(
            name="normalize: matches the reference", points=1, functions=("normalize",),
            description="uint8 arrays of 1 to 4 axes: images / 255 as float32.",
            inputs=uint8_images(), prop=_matches_as_float32("normalize", ref.normalize), max_examples=10),
        matches_reference(
            "standardize", ref.standardize, standardize_inputs(), points=1.5, name="standardize: matches the reference",
            description="x (N, C, H, W) float32 and float64, mean and std (C,): channel c uses mean[c] and std[c], "
                        "with C and W different.", max_examples=15),
        lecture_examples(
            "one_hot", ONE_HOT_EXAMPLES, points=1, name="one_hot: the lecture's example",
            description="(6, 1) labels like CIFAR-10's y_train, 10 classes: (6, 10), one 1 per row."),
        PropertyCheck(
            name="one_hot: matches the reference", points=1, functions=("one_hot",),
            description="Labels (N,) and (N, 1), int64, int32 and uint8, 1 to 10 classes: float32 one-hot rows, "
                        "like to_categorical.",
            inputs=label_inputs(), prop=_matches_as_float32("one_hot", ref.one_hot), max_examples=10),
        PropertyCheck(
            name="one_hot: a label out of range raises ValueError", points=1, functions=("one_hot",),
            description="A label of -1, num_classes or more raises ValueError whose message names it.",
            inputs=bad_label_inputs(), prop=_rejects_bad_label, max_examples=10),
        matches_reference(
            "channels_first", ref.channels_first, channels_last_images(), points=1,
            name="channels_first: matches the reference",
            description="(H, W, C) -> (1, C, H, W) and (N, H, W, C) -> (N, C, H, W), C 1 to 4: any dtype, since "
                        "only data moves.",
            explain=_channels_rule, require_float=False, max_examples=15),
    ),
    mistakes=MISTAKES,
)
