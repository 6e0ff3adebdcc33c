"""Exercise 10, image data: what is checked, the lecture's examples, and the mistakes we name.

One feature per check: the core checks draw one square float64 image (or flat int64 labels);
batches, uint8 pixels and the float32 the lecture asks for each have a check of their own, so
that a missing feature costs its own points and never hides another bug. The lecture's
examples are compared by value, as the notebook's try-it cells compare them. Each named mistake
has fixed examples that expose it whatever the seed, and each check family has a case at the
lecture's sizes (a 32x32x3 CIFAR-10 image, a 28x28 MNIST digit, CIFAR-10's ten classes).
"""

import re

import numpy as np

from grader.authoring import (Example, Exercise, Falsified, Mismatch, Mistake, Probe, answer_key, as_array,
                              compare_arrays, describe_value, draw_array, lecture_examples, matches_reference, one_of,
                              raised_error, returned_array, satisfies_property, st, upto)

key = answer_key(__name__)

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
SMALL_RGB_CHANNELS_FIRST = key.channels_first(SMALL_RGB)

GRAYSCALE_EXAMPLES = [
    Example("the lecture's grey levels 0, 35, 70, ... 255 keep their value", {"image": GREY_IMAGE},
            GREY_IMAGE[..., 0].astype(np.float64),
            note="For a grey pixel R = G = B = v, so 0.299 v + 0.587 v + 0.114 v = v: the weights add up to 1 "
                 "(section 2, 'RGB and Grayscale')."),
    Example("pure red, green, blue, white and black", {"image": PRIMARY_IMAGE},
            np.array([[76.245, 149.685, 29.07, 255.0, 0.0]]),
            note="The eye is most sensitive to green and least to blue: red 255 gives 0.299 * 255 = 76.245, "
                 "green 149.685, blue 29.07 (Pillow's convert('L') rounds these to 76, 150, 29)."),
]
NORMALIZE_EXAMPLES = [
    Example("pixels 0 to 255 become 0.0 to 1.0", {"images": PIXEL_RANGE},
            np.array([[0.0, 0.2, 0.4, 0.6, 0.8, 1.0]], dtype=np.float32),
            note="Section 14: np.ptp(X_train) is 255 before and 1.0 after X_train.astype('float32') / 255."),
]
ONE_HOT_EXAMPLES = [
    Example("labels shaped like CIFAR-10's y_train, (6, 1), 10 classes",
            {"labels": CIFAR_LABELS, "num_classes": 10}, key.one_hot(CIFAR_LABELS, 10),
            note="to_categorical(y_train, 10) turns y_train of shape (50000, 1) into (50000, 10) (section 14): "
                 "the (N, 1) column of labels gives one row per label, with a 1 in the label's column."),
]

# --- Strategies: what hypothesis draws ---------------------------------------------------------------

PIXEL_DTYPES = (np.uint8, np.float32, np.float64, np.int64)
F64 = (np.float64,)
MAX_SIDE = 8


def _draw_pixels(draw, dtype, shape, label):
    """Pixel values 0-255 from one drawn pool: uint8 and int64 as they are, floats scaled to 0-1 or kept."""
    pixels = draw_array(draw, np.uint8, shape, label=label)
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and draw(st.booleans(), label=f"{label} scaled to 0-1"):
        return (pixels / 255).astype(dtype)
    return pixels.astype(dtype)


def _batch(draw, batch: bool | None) -> tuple:
    """() for one image, (N,) with N 2 or 3 for a batch; `batch` None draws which."""
    if batch is None:
        batch = draw(st.booleans(), label="a batch")
    return (draw(upto(3, 2), label="N"),) if batch else ()


@st.composite
def rgb_images(draw, dtypes: tuple = PIXEL_DTYPES, batch: bool | None = None, square: bool = False) -> dict:
    """image (H, W, 3), or (N, H, W, 3) when `batch` (None: either), H = W when `square`."""
    shape = _batch(draw, batch)
    H = draw(upto(MAX_SIDE), label="H")
    W = H if square else draw(upto(MAX_SIDE), label="W")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {"image": _draw_pixels(draw, dtype, (*shape, H, W, 3), "image")}


@st.composite
def uint8_images(draw) -> dict:
    """uint8 pixels of any shape with 1 to 4 axes."""
    ndim = draw(upto(4), label="ndim")
    shape = tuple(draw(upto(6), label=f"axis {axis}") for axis in range(ndim))
    return {"images": draw_array(draw, np.uint8, shape, label="images")}


@st.composite
def standardize_inputs(draw, batch: bool = False) -> dict:
    """x (N, C, H, H) float64 (N = 1 unless `batch`), mean (C,) quarter steps in [-8, 8], std (C,) in 0.25 .. 4;
    C and the width drawn apart."""
    N = draw(upto(3, 2), label="N") if batch else 1
    C, H = draw(upto(4), label="C"), draw(upto(6), label="H")
    std_steps = draw_array(draw, np.uint8, (C,), label="std") % 16 + 1
    return {"x": draw_array(draw, np.float64, (N, C, H, H), label="x"),
            "mean": draw_array(draw, np.float64, (C,), label="mean"),
            "std": std_steps / 4}


def _draw_labels(draw, N, K, dtypes, column):
    dtype = draw(one_of(tuple(dtypes)), label="labels dtype")
    labels = (draw_array(draw, np.uint8, (N,), label="labels") % K).astype(dtype)
    if column is None:
        column = draw(st.booleans(), label="(N, 1) like y_train")
    return labels[:, None] if column else labels


@st.composite
def label_inputs(draw, dtypes: tuple = (np.int64, np.int32, np.uint8), column: bool | None = None) -> dict:
    """labels (N,), or (N, 1) when `column` (None: either), in [0, num_classes), num_classes 1 .. 10."""
    N, K = draw(upto(6), label="N"), draw(upto(10), label="num_classes")
    return {"labels": _draw_labels(draw, N, K, dtypes, column), "num_classes": K}


@st.composite
def bad_label_inputs(draw) -> dict:
    """Flat int64 labels with one outside [0, num_classes): -1 first, then K (one past the end), ..."""
    N, K = draw(upto(6), label="N"), draw(upto(10), label="num_classes")
    labels = _draw_labels(draw, N, K, (np.int64,), column=False)
    bad = draw(st.sampled_from((-1, K, K + 1, -K - 3, 10 * K + 7)), label="bad label")
    labels[draw(upto(N - 1, 0), label="bad position")] = bad
    return {"labels": labels, "num_classes": K}


@st.composite
def channels_last_images(draw, dtypes: tuple = PIXEL_DTYPES, batch: bool | None = None) -> dict:
    """(H, W, C), or (N, H, W, C) when `batch` (None: either), C 1 .. 4: H, W and C often all different."""
    shape = _batch(draw, batch)
    H, W, C = draw(upto(6), label="H"), draw(upto(6), label="W"), draw(upto(4), label="C")
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {"images": _draw_pixels(draw, dtype, (*shape, H, W, C), "images")}


# --- Fixed examples: each named mistake's smallest witness, and the lecture's sizes -------------------


def _uint8_pixels(shape: tuple, seed: int) -> np.ndarray:
    """Deterministic uint8 pixels 0-255: a fixed example's image."""
    return np.random.default_rng(seed).integers(0, 256, size=shape).astype(np.uint8)


CIFAR_IMAGE = _uint8_pixels((32, 32, 3), 32)  # one CIFAR-10 image, channels last as loaded
MNIST_IMAGE = _uint8_pixels((28, 28), 28)  # one MNIST digit
RED = np.array([[[255, 0, 0]]], dtype=np.uint8)  # 76.245; the mean 85, BGR 29.07, BT.709 54.19, cut to 76

GRAYSCALE_FIXED = ({"image": RED.astype(np.float64)}, {"image": CIFAR_IMAGE.astype(np.float64)})
GRAYSCALE_BATCH = (
    {"image": _uint8_pixels((2, 1, 4, 3), 2).astype(np.float64)},  # image[:, :, k] picks a column of each image
    {"image": _uint8_pixels((2, 32, 32, 3), 4).astype(np.float64)},
)
GRAYSCALE_PIXELS = ({"image": RED}, {"image": CIFAR_IMAGE})

NORMALIZE_FIXED = (
    {"images": np.array([[51, 102]], dtype=np.uint8)},  # 0.2, 0.4: / 256 gives 0.199, min-max 0 and 1
    {"images": MNIST_IMAGE}, {"images": CIFAR_IMAGE},
)
NORMALIZE_FLOAT32 = (NORMALIZE_FIXED[0], {"images": CIFAR_IMAGE})

# CIFAR-10's usual per-channel statistics (as used with torchvision's Normalize), and MNIST's
CIFAR_MEAN, CIFAR_STD = np.array([0.4914, 0.4822, 0.4465]), np.array([0.2470, 0.2435, 0.2616])
STANDARDIZE_FIXED = (
    {"x": np.arange(8.0).reshape(1, 2, 2, 2), "mean": np.array([1.0, 2.0]), "std": np.array([1.0, 4.0])},  # mean on W
    {"x": np.ones((1, 2, 3, 3)), "mean": np.array([0.5, 0.25]), "std": np.array([0.5, 0.25])},  # (2,) against W = 3
    {"x": np.moveaxis(CIFAR_IMAGE, -1, 0)[None] / 255, "mean": CIFAR_MEAN, "std": CIFAR_STD},
    {"x": MNIST_IMAGE[None, None] / 255, "mean": np.array([0.1307]), "std": np.array([0.3081])},
)
STANDARDIZE_BATCH = (
    {"x": np.arange(2.0).reshape(2, 1, 1, 1), "mean": np.array([0.5]), "std": np.array([0.25])},
    {"x": np.moveaxis(_uint8_pixels((2, 32, 32, 3), 5), -1, 1) / 255, "mean": CIFAR_MEAN, "std": CIFAR_STD},
)

TEN_CLASSES = np.random.default_rng(10).integers(0, 10, size=1000)  # a thousand CIFAR-10 labels
ONE_HOT_FIXED = (
    {"labels": np.array([0]), "num_classes": 2},  # class 1 never occurs: still two columns
    {"labels": TEN_CLASSES, "num_classes": 10},
)
ONE_HOT_FLOAT32 = ({"labels": np.array([0]), "num_classes": 1}, {"labels": TEN_CLASSES, "num_classes": 10})
BAD_LABELS = (
    {"labels": np.array([-1]), "num_classes": 1},  # np.eye(1)[-1] quietly gives the last class
    {"labels": np.array([1]), "num_classes": 1},  # label == num_classes: past the last class
)

CHANNELS_FIXED = (
    {"images": np.arange(6.0).reshape(2, 3, 1)},  # (1, 1, 2, 3); H and W swapped give (1, 1, 3, 2)
    {"images": np.arange(4.0).reshape(1, 2, 2)},  # reshape keeps R, G of one pixel side by side
    {"images": SMALL_RGB},  # the notebook's example
    {"images": CIFAR_IMAGE}, {"images": MNIST_IMAGE[:, :, None]},
)
CHANNELS_BATCH = ({"images": np.arange(2.0).reshape(2, 1, 1, 1)}, {"images": _uint8_pixels((2, 32, 32, 3), 6)})

# --- Comparisons and properties ----------------------------------------------------------------------


def _values(expected, actual) -> Mismatch | None:
    """Shape and values only, as a notebook's try-it cell compares them (dtypes have checks of their own)."""
    return compare_arrays(expected, actual, require_float=False)


def float32_values(expected, actual) -> Mismatch | None:
    """Shape, values, and the dtype float32 (what the lecture's astype('float32') and to_categorical give)."""
    mismatch = _values(expected, actual)
    if mismatch is None:
        values = as_array(actual)
        assert values is not None  # compare_arrays found it equal to the expected array
        if values.dtype != np.float32:
            return Mismatch(f"returned dtype {values.dtype}, expected float32 (the values are right): "
                            "make the result float32, as the lecture's astype('float32') and to_categorical do")
    return mismatch


def _matches_as_float32(function, reference):
    def prop(session, drawn: dict) -> None:
        expected = reference(*drawn.values())
        actual = session.call(function, drawn, expected=expected)
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
    assert bad is not None  # bad_label_inputs and BAD_LABELS always hold one
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


# --- Known mistakes, told by behaviour -----------------------------------------------------------

def _cut_to_integers(inputs, expected, outcome):
    """Whole numbers, each at most 1 from the answer: the right values rounded or cut down (a grey 175
    computed as 174.999... and cut becomes 174)."""
    actual = returned_array(outcome)
    if actual is None or actual.shape != np.shape(expected) or actual.size == 0:
        return False
    actual, expected = actual.astype(np.float64), np.asarray(expected, dtype=np.float64)
    return bool(np.all(actual == np.round(actual)) and np.all(np.abs(actual - expected) <= 1 + 1e-9)) \
        and not np.allclose(actual, expected)


def _first_image(inputs: dict) -> dict | None:
    """A batch's first image on its own (None for a single image): right there, wrong on the batch."""
    image = np.asarray(inputs["image"])
    return {"image": image[0]} if image.ndim == 4 else None


def _stretched(inputs, expected, outcome):
    """The array's own range stretched to 0-1: its smallest value came out 0 and its largest 1 where the
    answer does not span 0 to 1, or, for a constant array (0 / 0), NaN everywhere."""
    actual, images = returned_array(outcome), np.asarray(inputs["images"])
    if actual is None or actual.shape != images.shape or actual.size == 0:
        return False
    if images.min() == images.max():
        return bool(np.isnan(actual).all())
    expected = np.asarray(expected)
    return np.allclose((actual.min(), actual.max()), (0, 1)) and \
        not np.allclose((expected.min(), expected.max()), (0, 1))


def _right_values_not_float32(inputs, expected, outcome):
    actual = returned_array(outcome)
    return actual is not None and actual.dtype != np.float32 and actual.shape == np.shape(expected) \
        and np.allclose(actual, expected)


def _statistics_against_width(inputs, expected, outcome):
    """ValueError where mean and std of shape (C,) cannot broadcast against W, the last axis of x."""
    C, W = np.shape(inputs["mean"])[0], np.shape(inputs["x"])[-1]
    return raised_error(outcome).get("type") == "ValueError" and C not in (1, W)


def _no_range_check(inputs, expected, outcome):
    """A label outside [0, num_classes) went through: -1 indexes the last class, as Python allows."""
    return bad_label(inputs) is not None and outcome.ok


def _off_by_one_range(inputs, expected, outcome):
    """label == num_classes slipped past a `> num_classes` check and failed later, as another exception."""
    error = raised_error(outcome)
    return bad_label(inputs) == inputs["num_classes"] and error.get("type") not in (None, "ValueError")


def _label_not_named(inputs, expected, outcome):
    error = raised_error(outcome)
    return error.get("type") == "ValueError" and bad_label(inputs) is not None and not named_in(
        bad_label(inputs), error.get("message", ""))


def _column_axis_kept(inputs, expected, outcome):
    actual, labels = returned_array(outcome), np.asarray(inputs["labels"])
    return actual is not None and labels.ndim == 2 and actual.shape == (len(labels), 1, inputs["num_classes"])


def _classes_from_labels(inputs, expected, outcome):
    """(N, k) with k < num_classes, the first k columns of the right answer: K came from the labels."""
    actual = returned_array(outcome)
    if actual is None or actual.ndim != 2 or actual.shape[0] != np.shape(expected)[0]:
        return False
    k = actual.shape[1]
    return 0 < k < inputs["num_classes"] and np.allclose(actual, np.asarray(expected)[:, :k])


LAST_AXIS = ("mean and std of shape (C,) broadcast against the LAST axis of x (N, C, H, W), which is W: "
             "reshape them to (1, C, 1, 1) (or mean[:, None, None]) so that channel c uses mean[c] and std[c].")

# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("grayscale_mean", "to_grayscale",
            "The grey value is the plain mean of R, G and B: the eye does not see the three alike, so "
            "grayscale weights them, 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601, what Pillow's convert('L') "
            "uses). A grey pixel keeps its value either way; pure green must be brighter than pure blue.",
            reproduce=key.grayscale_mean),
    Mistake("grayscale_weights_permuted", "to_grayscale",
            "The weights sit on the wrong channels, in BGR order (OpenCV's): images loaded with Keras or Pillow "
            "are RGB, so image[..., 0] is red and gets 0.299, image[..., 1] green 0.587, image[..., 2] blue 0.114.",
            reproduce=key.grayscale_bgr),
    Mistake("grayscale_bt709_weights", "to_grayscale",
            "Those are the ITU-R BT.709 weights, 0.2125 R + 0.7154 G + 0.0721 B (scikit-image's rgb2gray, for "
            "HDTV colours). This course, like Pillow's convert('L'), uses BT.601: 0.299 R + 0.587 G + 0.114 B.",
            reproduce=key.grayscale_bt709),
    Mistake("grayscale_integer_output", "to_grayscale",
            "Your grey values are whole numbers: rounding, or .astype(np.uint8) (which cuts 149.685 down to "
            "149, and a grey 175, computed as 174.99999..., down to 174), throws the fractions away. Return "
            "the weighted sum as it is, floating point; Pillow rounds only because it stores 8-bit pixels.",
            detect=_cut_to_integers),
    Mistake("grayscale_no_batch", "to_grayscale",
            "Right on one image (H, W, 3), wrong on a batch (N, H, W, 3): index the channels from the end, "
            "image[..., 0] (or image @ weights), not image[:, :, 0], which in a batch picks a column of each "
            "image.",
            probe=Probe(_first_image, expected=key.to_grayscale)),
    Mistake("normalize_by_256", "normalize",
            "Divided by 256: the largest pixel value is 255, so images / 255 maps 0-255 onto exactly 0-1 "
            "(section 14's 'Normalized X_train range: 1.0').",
            reproduce=key.normalize_by_256),
    Mistake("normalize_min_max", "normalize",
            "You stretched the array's own minimum and maximum to 0 and 1 (min-max scaling): the lecture divides "
            "by 255, the largest POSSIBLE pixel value, so that every image is scaled alike (a dark image stays "
            "dark, and an image without a 0 or a 255 is not stretched).",
            detect=_stretched),
    Mistake("normalize_float64", "normalize",
            "The values are right but not float32: uint8 / 255 gives float64 in NumPy. The lecture converts "
            "first, X_train.astype('float32') / 255, which halves the memory and is what a network expects.",
            detect=_right_values_not_float32),
    Mistake("standardize_last_axis", "standardize", LAST_AXIS, reproduce=key.standardize_last_axis),
    Mistake("standardize_last_axis", "standardize", LAST_AXIS, detect=_statistics_against_width),
    Mistake("one_hot_column_axis", "one_hot",
            "Labels shaped (N, 1), like CIFAR-10's y_train, gave (N, 1, num_classes): flatten them to (N,) "
            "first (labels.reshape(-1)), as to_categorical does, so the result is (N, num_classes).",
            detect=_column_axis_kept),
    Mistake("one_hot_classes_from_labels", "one_hot",
            "Too few columns: the number of classes came from the labels (their largest + 1, to_categorical's "
            "guess when num_classes is not given). A batch may lack the last classes; the rows must still have "
            "num_classes columns.",
            detect=_classes_from_labels),
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
            reproduce=key.channels_first_hw_swapped),
    Mistake("channels_first_reshape", "channels_first",
            "reshape(N, C, H, W) gives the right shape but scrambles the pixels: reshape keeps the memory "
            "order (R, G, B of one pixel, then the next). Moving an axis needs transpose(0, 3, 1, 2).",
            reproduce=key.channels_first_reshaped),
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
                        "blue give 76.245, 149.685 and 29.07.", compare=_values),
        matches_reference(
            "to_grayscale", key.to_grayscale, rgb_images(F64, batch=False, square=True), points=1,
            name="to_grayscale: matches the reference",
            description="One square (H, W, 3) image of float64 pixels, 0-255 or 0-1; and a 32x32x3 "
                        "CIFAR-10-sized image.",
            explain=_grayscale_rule, require_float=False, examples=GRAYSCALE_FIXED, max_examples=15),
        matches_reference(
            "to_grayscale", key.to_grayscale, rgb_images(F64, batch=True, square=True), points=0.5,
            name="to_grayscale: a batch of images",
            description="(N, H, W, 3) gives (N, H, W): the channels are the last axis of a batch too.",
            explain=_grayscale_rule, require_float=False, examples=GRAYSCALE_BATCH, max_examples=10),
        matches_reference(
            "to_grayscale", key.to_grayscale, rgb_images((np.uint8,), batch=False, square=True), points=0.5,
            name="to_grayscale: uint8 pixels",
            description="Pixels as loaded from a file, uint8 0-255 (section 2): a floating-point result.",
            explain=_grayscale_rule, examples=GRAYSCALE_PIXELS, max_examples=10),
        lecture_examples(
            "normalize", NORMALIZE_EXAMPLES, points=1, name="normalize: the lecture's example",
            description="Pixels 0, 51, ... 255 become 0.0, 0.2, ... 1.0.", compare=_values),
        matches_reference(
            "normalize", key.normalize, uint8_images(), points=0.5, name="normalize: matches the reference",
            description="uint8 arrays of 1 to 4 axes, a 28x28 MNIST digit and a 32x32x3 CIFAR-10 image: "
                        "images / 255.",
            require_float=False, examples=NORMALIZE_FIXED, max_examples=10),
        satisfies_property(
            "normalize", _matches_as_float32("normalize", key.normalize), uint8_images(), points=0.5,
            name="normalize: float32, as the lecture converts",
            description="The result is float32, as the lecture's X_train.astype('float32') / 255.",
            examples=NORMALIZE_FLOAT32, max_examples=5),
        matches_reference(
            "standardize", key.standardize, standardize_inputs(), points=1, name="standardize: matches the reference",
            description="One image x (1, C, H, H), mean and std (C,), with C and W different: channel c uses "
                        "mean[c] and std[c]; a CIFAR-10 image with CIFAR-10's statistics, an MNIST digit with MNIST's.",
            examples=STANDARDIZE_FIXED, max_examples=15),
        matches_reference(
            "standardize", key.standardize, standardize_inputs(batch=True), points=0.5,
            name="standardize: a batch of images",
            description="N = 2 or 3 images (and two CIFAR-10 images) at once, each with the same statistics.",
            examples=STANDARDIZE_BATCH, max_examples=10),
        lecture_examples(
            "one_hot", ONE_HOT_EXAMPLES, points=1, name="one_hot: the lecture's example",
            description="(6, 1) labels like CIFAR-10's y_train, 10 classes: (6, 10), one 1 per row.", compare=_values),
        matches_reference(
            "one_hot", key.one_hot, label_inputs((np.int64,), column=False), points=0.5,
            name="one_hot: matches the reference",
            description="Labels (N,), int64, 1 to 10 classes, some never occurring; 1,000 labels of CIFAR-10's ten "
                        "classes: one 1 per row, in the label's column.",
            require_float=False, examples=ONE_HOT_FIXED, max_examples=10),
        satisfies_property(
            "one_hot", _matches_as_float32("one_hot", key.one_hot), label_inputs((np.int64,), column=False),
            points=0.5, name="one_hot: float32, like to_categorical",
            description="The rows come back float32, as Keras's to_categorical returns them.",
            examples=ONE_HOT_FLOAT32, max_examples=5),
        satisfies_property(
            "one_hot", _rejects_bad_label, bad_label_inputs(), points=0.5,
            name="one_hot: a label out of range raises ValueError",
            description="A label of -1, num_classes or more raises ValueError whose message names it.",
            examples=BAD_LABELS, max_examples=10),
        matches_reference(
            "channels_first", key.channels_first, channels_last_images(F64, batch=False), points=0.5,
            name="channels_first: matches the reference",
            description="One image (H, W, C) -> (1, C, H, W), C 1 to 4; the notebook's 2x3 RGB image, a CIFAR-10 "
                        "image and an MNIST digit. Any dtype comes back right, since only data moves.",
            explain=_channels_rule, require_float=False, examples=CHANNELS_FIXED, max_examples=10),
        matches_reference(
            "channels_first", key.channels_first, channels_last_images(F64, batch=True), points=0.5,
            name="channels_first: a batch of images",
            description="(N, H, W, C) -> (N, C, H, W): a batch keeps its N and gets no second batch axis.",
            explain=_channels_rule, require_float=False, examples=CHANNELS_BATCH, max_examples=10),
    ),
    mistakes=MISTAKES,
)
