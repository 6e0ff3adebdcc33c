"""Exercise 5, flattening and the fully-connected layer: checks, lecture examples, known mistakes.

One feature per check: the core checks draw one sample (N = 1) of float64 values in quarter
steps, a (1, C, H, W) map for flatten and x (1, D) for dense; other numbers of axes, batches and
integer inputs each have a check of their own. Each named mistake has fixed examples that expose
it whatever the seed; each core check has a 28x28 MNIST-sized and a 32x32x3 CIFAR-10-sized case.
"""


import numpy as np

from grader.authoring import (FLOATS_AND_PIXELS, Example, Exercise, Mistake, Probe, answer_key, draw_array,
                              lecture_examples, matches_reference, one_of, quarters, returned_array, same_array, st, upto)

key = answer_key(__name__)
F64 = np.float64

# --- What hypothesis draws ---------------------------------------------------------------------


@st.composite
def maps(draw, dtype=F64, *, axes: tuple = (4,), batch: bool = False) -> dict:
    """x (N, ...) with one of `axes` axes, each after the first up to 4; N is 1 unless `batch` (2 or 3)."""
    ndim = draw(one_of(axes), label="ndim")
    N = draw(upto(3, 2), label="N") if batch else 1
    shape = (N,) + tuple(draw(upto(4), label=f"axis {axis}") for axis in range(1, ndim))
    return {"x": draw_array(draw, dtype, shape, label="x")}


@st.composite
def layers(draw, dtype=F64, *, batch: bool = False, max_features: int = 8) -> dict:
    """x (N, D), w (M, D) in PyTorch's Linear layout, b (M,), all of `dtype`; N is 1 unless `batch` (2 to 4)."""
    N = draw(upto(4, 2), label="N") if batch else 1
    D, M = draw(upto(max_features), label="D"), draw(upto(max_features), label="M")
    return {"x": draw_array(draw, dtype, (N, D), label="x"), "w": draw_array(draw, dtype, (M, D), label="w"),
            "b": draw_array(draw, dtype, (M,), label="b")}


OTHER_AXES = (2, 3, 5)


def flatten_inputs(dtypes=FLOATS_AND_PIXELS) -> st.SearchStrategy[dict]:
    """Every form of input the flatten checks draw, in each of `dtypes` (for testing the reference)."""
    return st.one_of([maps(dtype, **feature) for dtype in dtypes
                      for feature in ({}, {"axes": OTHER_AXES}, {"batch": True})])


def dense_inputs(dtypes=(F64, np.float32, np.int64)) -> st.SearchStrategy[dict]:
    """Every form of input the dense checks draw, in each of `dtypes` (for testing the reference)."""
    return st.one_of([layers(dtype, batch=batch) for dtype in dtypes for batch in (False, True)])


# --- Fixed examples: each named mistake's smallest witness, and the lecture's sizes -------------------


def _layer(x, w, b, dtype=F64) -> dict:
    return {"x": np.asarray(x, dtype=dtype), "w": np.asarray(w, dtype=dtype), "b": np.asarray(b, dtype=dtype)}


MNIST, CIFAR = quarters((1, 1, 28, 28), 28), quarters((1, 3, 32, 32), 32)
FLATTEN_CORE = (
    {"x": np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]])},  # (1, 2, 1, 2): channel 0, then channel 1; one row
    {"x": MNIST}, {"x": CIFAR},
)
FLATTEN_AXES = ({"x": np.array([[1.0, 2.0, 3.0]])}, {"x": np.arange(1.0, 9.0).reshape(1, 2, 1, 2, 2)})
FLATTEN_BATCH = ({"x": np.array([[[[1.0, 2.0]]], [[[3.0, 4.0]]]])},)  # two images, one row each

DENSE_CORE = (
    _layer([[1, 2]], [[1, 0], [0, 1], [1, 1]], [0.5, -1, 2]),  # 2 in, 3 out: w is (M, D), b is added
    _layer(MNIST.reshape(1, -1), quarters((10, 784), 10), quarters((10,), 11)),  # a flattened digit, 10 classes
    _layer(CIFAR.reshape(1, -1), quarters((10, 3072), 12), quarters((10,), 13)),  # a flattened CIFAR-10 image
)
DENSE_BATCH = (_layer([[1], [2]], [[1], [-1]], [0, 1]),)  # two samples as rows: out is (N, M), not its transpose
DENSE_INTEGERS = (_layer([[2, -1]], [[3, 1], [0, 2]], [1, -1], np.int64),)  # [[6, -3]] as floats, not int64

# --- The lecture's numbers (sections 7 and 10) --------------------------------------------------

# (model, layer, the map it flattens as (C, H, W), the features the summary prints)
LECTURE_FLATTENS = (
    ("cats and dogs", "flatten_1", (32, 100, 100), 320_000),
    ("LeNet-5", "flatten_1", (16, 6, 6), 576),
    ("AlexNet", "flatten_2", (256, 1, 1), 256),
    ("VGG16 + dense head", "flatten", (512, 6, 6), 18_432),
)
# (model, layer, inputs D, outputs M, the parameters the summary prints): M * D weights + M biases
LECTURE_DENSE_LAYERS = (
    ("cats and dogs", "dense_1", 320_000, 128, 40_960_128),
    ("cats and dogs", "dense_2", 128, 1, 129),
    ("LeNet-5", "dense_1", 576, 120, 69_240),
    ("LeNet-5", "dense_2", 120, 84, 10_164),
    ("LeNet-5", "dense_3", 84, 10, 850),
    ("AlexNet", "dense_4", 256, 2048, 526_336),
    ("AlexNet", "dense_5", 2048, 2048, 4_196_352),
    ("AlexNet", "dense_6", 2048, 10, 20_490),
    ("VGG16 + dense head", "dense", 18_432, 256, 4_718_848),
    ("VGG16 + dense head", "dense_1", 256, 1, 257),
)
SENT_WEIGHTS_AT_MOST = 100_000  # larger layers are too big to send to the worker as an example

_PIXELS = np.random.default_rng(7)

ORDER_EXAMPLE = Example(
    "a (2, 2, 2, 3) map: row by row, channel after channel",
    {"x": np.arange(24).reshape(2, 2, 2, 3)}, np.arange(24).reshape(2, 12),
    note="Row-major order on (N, C, H, W): all of channel 0 (row 0, then row 1), then channel 1. "
         "Keras (the lecture's code) is channels-last and would interleave the channels; PyTorch, and "
         "this course, do not.")


def _flatten_example(model, layer, chw, features) -> Example:
    x = _PIXELS.integers(0, 256, size=(1, *chw), dtype=np.uint8)
    dense_after = [entry for entry in LECTURE_DENSE_LAYERS if entry[0] == model and entry[2] == features][:1]
    note = (f"The summary prints this map channels-last, (None, {chw[1]}, {chw[2]}, {chw[0]}); in PyTorch's "
            f"layout it is (1, {chw[0]}, {chw[1]}, {chw[2]}), and either way {chw[0]} * {chw[1]} * {chw[2]} "
            f"= {features:,} features.")
    for _, dense_layer, D, M, _ in dense_after:
        note += f" The {dense_layer} after it, {D:,} -> {M}, has {D:,} * {M} + {M} = {D * M + M:,} parameters."
    return Example(f"{model}, {layer}: (1, {', '.join(map(str, chw))}) -> (1, {features:,})", {"x": x},
                   x.reshape(1, -1), note=note)


def _parameter_count_example(model, layer, D, M, _printed) -> Example:
    """All ones in, all ones as weights and bias: every output is D + 1, one term per parameter."""
    return Example(
        f"{model}, {layer}: {D} -> {M}, {D * M + M:,} parameters",
        {"x": np.ones((1, D)), "w": np.ones((M, D), dtype=np.float32), "b": np.ones(M, dtype=np.float32)},
        np.full((1, M), D + 1),
        note=f"With inputs, weights and bias all 1, each of the {M} outputs sums {D} weights times 1, plus its "
             f"bias: {D + 1}. The layer has {M} * ({D} + 1) = {D * M + M:,} parameters, as the summary says.")


FLATTEN_EXAMPLES = [ORDER_EXAMPLE] + [_flatten_example(*entry) for entry in LECTURE_FLATTENS]

DENSE_EXAMPLES = [
    Example("a layer by hand: 3 inputs, 2 outputs",
            _layer([[1, 2, 3]], [[1, 0, -1], [2, 1, 0]], [10, 20]),
            np.array([[8, 24]]),
            note="out[0, 0] = 1*1 + 2*0 + 3*(-1) + 10 = 8 and out[0, 1] = 1*2 + 2*1 + 3*0 + 20 = 24: "
                 "row m of w holds the weights of output m."),
] + [_parameter_count_example(*entry) for entry in LECTURE_DENSE_LAYERS if entry[2] * entry[3] <= SENT_WEIGHTS_AT_MOST]


def _flatten_rule(inputs: dict) -> str:
    shape = inputs["x"].shape
    return f"for x of shape {shape}: (N, product of the other axes) = ({shape[0]}, {int(np.prod(shape[1:]))})"


def _dense_rule(inputs: dict) -> str:
    (N, D), (M, _) = inputs["x"].shape, inputs["w"].shape
    return f"for x (N, D) = ({N}, {D}) and w (M, D) = ({M}, {D}): (N, M) = ({N}, {M})"



# --- Known mistakes, told by behaviour -----------------------------------------------------------


def _as_four_axes(inputs: dict) -> dict | None:
    """x as four axes that flatten to the same (N, D): (N, C, the rest, 1), the channels kept where they are
    (so a channels-last flatten stays wrong); None where x has four already."""
    x = inputs["x"]
    return None if x.ndim == 4 else {"x": x.reshape(*x.shape[:2], -1, 1)}


def _weights_transposed(inputs: dict) -> dict:
    """w handed over as w.T, (D, M): the layout `x @ w` needs."""
    return {**inputs, "w": np.ascontiguousarray(np.transpose(inputs["w"]))}


def _column_vectors(inputs, expected, outcome):
    """w @ x.T + b[:, None]: one column per sample, (M, N), as in y = Wx + b for a single x."""
    actual = returned_array(outcome)
    return actual is not None and actual.ndim == 2 and not same_array(actual, expected) \
        and same_array(actual.T, expected)


def _integer_output(inputs, expected, outcome):
    """The right values, in an integer array."""
    actual = returned_array(outcome)
    return actual is not None and actual.dtype.kind in "iub" and same_array(actual, expected)


# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("flatten_nhwc", "flatten",
            "Flattened in channels-last order (N, H, W, C), as Keras does in the lecture's code: this course "
            "uses PyTorch's (N, C, H, W) order, so reshape x as it is, x.reshape(N, -1), without moving the "
            "channels to the end.",
            reproduce=key.flatten_channels_last),
    Mistake("flatten_loses_batch", "flatten",
            "The batch axis is gone: x.flatten() (or reshape(-1)) makes one long vector of all the images. "
            "Keep one row per sample: x.reshape(x.shape[0], -1) is (N, D).",
            reproduce=key.flatten_everything),
    Mistake("flatten_assumes_4d", "flatten",
            "flatten takes (N, ...) with any number of axes: your code flattens (N, C, H, W) but not the same "
            "numbers with two, three or five axes. (N, D) stays (N, D), (N, C, H, W) becomes (N, C*H*W), "
            "(N, C, D, H, W) too: do not unpack four axes; x.reshape(x.shape[0], -1) works for all.",
            probe=Probe(_as_four_axes, key.flatten)),
    Mistake("dense_column_vectors", "dense",
            "The output is (M, N), one column per sample, as in y = Wx + b for one column vector x. A batch "
            "holds samples as rows, x (N, D), so out = x @ w.T + b is (N, M).",
            detect=_column_vectors),
    Mistake("dense_not_transposed", "dense",
            "The weight is not transposed: your code gives the right answer when w is handed over as w.T. w is "
            "(M, D), PyTorch's Linear layout (one row per output), so out = x @ w.T + b; x @ w works only for a "
            "(D, M) weight.",
            probe=Probe(_weights_transposed, key.dense_for_transposed_weights)),
    Mistake("bias_forgotten", "dense",
            "The bias is missing: every output m gets b[m] added, out = x @ w.T + b.",
            reproduce=key.dense_without_bias),
    Mistake("dense_integer_output", "dense",
            "The values are right but the array holds integers: with integer x, w and b, x @ w.T + b stays "
            "int64. A layer's output is floating point (the weights it meets next, a softmax or a division would "
            "truncate or overflow it): convert x, w and b with .astype(np.float64) before multiplying.",
            detect=_integer_output),
)

EXERCISE = Exercise(
    id="exercise5",
    module=__name__.rpartition(".")[2],
    title="Flattening and the fully-connected layer",
    section="7. Fully-Connected Layer",
    summary="flatten(x) and dense(x, w, b): feature maps to vectors, then a fully-connected layer",
    points=10,
    functions=("flatten", "dense"),
    checks=(
        lecture_examples(
            "flatten", FLATTEN_EXAMPLES, points=1, name="flatten: the lecture's examples",
            description="The order on a small map; the flatten layers of the lecture's models, e.g. the cats "
                        "and dogs model's (32, 100, 100) -> 320,000 features, whose Dense(128) has "
                        "320,000 * 128 + 128 = 40,960,128 parameters."),
        matches_reference(
            "flatten", key.flatten, maps(), points=1.5, name="flatten: matches the reference",
            description="One float64 map (1, C, H, W) in torch.flatten(x, 1) order, a 28x28 MNIST-sized and a "
                        "32x32x3 CIFAR-10-sized one included; flattening only moves data, so x's dtype is "
                        "accepted as well as floating point.",
            explain=_flatten_rule, require_float=False, examples=FLATTEN_CORE, max_examples=15),
        matches_reference(
            "flatten", key.flatten, maps(axes=OTHER_AXES), points=0.5, name="flatten: any number of axes",
            description="(N, D), (N, C, L) and (N, C, D, H, W): every axis after the first is flattened.",
            explain=_flatten_rule, require_float=False, examples=FLATTEN_AXES, max_examples=10),
        matches_reference(
            "flatten", key.flatten, maps(batch=True), points=1, name="flatten: a batch of maps",
            description="N = 2 or 3 maps at once: one row per map, (N, C*H*W).",
            explain=_flatten_rule, require_float=False, examples=FLATTEN_BATCH, max_examples=10),
        lecture_examples(
            "dense", DENSE_EXAMPLES, points=2, name="dense: the lecture's examples",
            description="A layer by hand; the lecture's smaller dense layers (LeNet-5's 576 -> 120 -> 84 -> 10, "
                        "AlexNet's 2048 -> 10, ...) with all-ones inputs and weights, whose outputs count "
                        "the parameters in the summaries."),
        matches_reference(
            "dense", key.dense, layers(), points=2, name="dense: matches the reference",
            description="One sample x (1, D), w (M, D), b (M,) of float64 values; a flattened 28x28 MNIST digit "
                        "and a flattened 32x32x3 CIFAR-10 image into 10 outputs.",
            explain=_dense_rule, examples=DENSE_CORE, max_examples=15),
        matches_reference(
            "dense", key.dense, layers(batch=True), points=1, name="dense: a batch of samples",
            description="N = 2 to 4 samples as the rows of x: out is (N, M), row n from x[n].",
            explain=_dense_rule, examples=DENSE_BATCH, max_examples=10),
        matches_reference(
            "dense", key.dense, layers(np.int64), points=1, name="dense: integer inputs",
            description="x, w and b of int64 (exact whole numbers): the output is still floating point.",
            explain=_dense_rule, examples=DENSE_INTEGERS, max_examples=10),
    ),
    mistakes=MISTAKES,
)
