"""Exercise 5, flattening and the fully-connected layer: checks, lecture examples, known mistakes."""

from functools import partial

import numpy as np
from hypothesis import strategies as st

from grader.checks import (Falsified, lecture_examples, matches_reference, same_shape_as_reference,
                           satisfies_property)
from grader.compare import as_array, compare_arrays, describe_value
from grader.exercise import Example, Exercise, Mistake
from grader.strategies import FLOATS, FLOATS_AND_PIXELS, draw_array, one_of, upto
from reference import flatten as ref

# --- What hypothesis draws ---------------------------------------------------------------------


@st.composite
def flatten_inputs(draw, dtypes=FLOATS_AND_PIXELS, max_ndim: int = 5) -> dict:
    """x (N, ...) with 2 to 5 axes, N up to 3, the others up to 4: (N, D), (N, C, H, W), ..."""
    ndim = draw(upto(max_ndim, 2), label="ndim")
    shape = (draw(upto(3), label="N"),) + tuple(draw(upto(4), label=f"axis {axis}") for axis in range(1, ndim))
    dtype = draw(one_of(tuple(dtypes)), label="dtype")
    return {"x": draw_array(draw, dtype, shape, label="x")}


@st.composite
def dense_inputs(draw, dtypes=FLOATS_AND_PIXELS, max_features: int = 8) -> dict:
    """x (N, D), w (M, D) in PyTorch's Linear layout, b (M,); uint8 x gets float weights."""
    N, D, M = draw(upto(4), label="N"), draw(upto(max_features), label="D"), draw(upto(max_features), label="M")
    dtype = np.dtype(draw(one_of(tuple(dtypes)), label="dtype"))
    weight_dtype = dtype if dtype.kind == "f" else np.float64
    return {
        "x": draw_array(draw, dtype, (N, D), label="x"),
        "w": draw_array(draw, weight_dtype, (M, D), label="w"),
        "b": draw_array(draw, weight_dtype, (M,), label="b"),
    }


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
            {"x": np.array([[1, 2, 3]]), "w": np.array([[1, 0, -1], [2, 1, 0]]), "b": np.array([10, 20])},
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


def _reshape_back(session, drawn: dict) -> None:
    """flatten(x) has shape (N, D), and reshaping it to x.shape gives x back."""
    x = drawn["x"]
    expected = ref.flatten(x)
    actual = session.call("flatten", drawn)
    flat = as_array(actual)
    if flat is None or flat.shape != expected.shape:
        got = f"shape {flat.shape}" if flat is not None else describe_value(actual)
        raise Falsified(f"flatten returned {got}, expected {expected.shape} {_flatten_rule(drawn)}",
                        function="flatten", inputs=drawn, expected=expected, outcome=session.last_outcome)
    mismatch = compare_arrays(x, flat.reshape(x.shape), require_float=False)
    if mismatch is not None:
        raise Falsified(f"reshaping flatten(x) back to x.shape does not give x: it {mismatch.message}",
                        function="flatten", inputs=drawn, expected=expected, outcome=session.last_outcome,
                        differences=f"after reshaping back, {mismatch.differences}")


# --- Known mistakes ------------------------------------------------------------------------------

def _actual(outcome):
    return as_array(outcome.value) if outcome.ok else None


def _error_message(outcome) -> str:
    return (outcome.error or {}).get("message", "")


def _same(a, b) -> bool:
    return a is not None and a.shape == np.shape(b) and np.allclose(a, b)


def _assumes_4d(inputs, expected, outcome):
    """An (N, C, H, W)-only flatten (N, C, H, W = x.shape) fails on (N, D) or 5-d inputs."""
    return not outcome.ok and outcome.failure is None and np.ndim(inputs["x"]) != 4 and any(
        words in _error_message(outcome) for words in ("unpack", "out of range", "cannot reshape"))


def _not_transposed(inputs, expected, outcome):
    """x @ w with w (M, D): a shape error unless D == M, and then the transposed weights."""
    (_, D), (M, _) = inputs["x"].shape, inputs["w"].shape
    if outcome.ok:
        wrong = np.asarray(inputs["x"], dtype=np.float64) @ inputs["w"] + inputs["b"]
        return D == M and _same(_actual(outcome), wrong) and not _same(wrong, expected)
    return D != M and any(words in _error_message(outcome) for words in ("mismatch in its core dimension",
                                                                             "not aligned", "shapes"))


def _column_vectors(inputs, expected, outcome):
    """w @ x.T + b[:, None]: one column per sample, (M, N), as in y = Wx + b for a single x."""
    actual = _actual(outcome)
    return actual is not None and actual.ndim == 2 and not _same(actual, expected) and _same(actual.T, expected)


# Tried in this order on the smallest failing input; the first that matches gives the hint.
MISTAKES = (
    Mistake("flatten_nhwc", "flatten",
            "Flattened in channels-last order (N, H, W, C), as Keras does in the lecture's code: this course "
            "uses PyTorch's (N, C, H, W) order, so reshape x as it is, x.reshape(N, -1), without moving the "
            "channels to the end.",
            reproduce=lambda x: np.moveaxis(np.asarray(x, dtype=np.float64), 1, -1).reshape(len(x), -1)),
    Mistake("flatten_loses_batch", "flatten",
            "The batch axis is gone: x.flatten() (or reshape(-1)) makes one long vector of all the images. "
            "Keep one row per sample: x.reshape(x.shape[0], -1) is (N, D).",
            reproduce=lambda x: np.asarray(x, dtype=np.float64).reshape(-1)),
    Mistake("flatten_assumes_4d", "flatten",
            "flatten takes (N, ...) with any number of axes: (N, D) stays (N, D), (N, C, H, W) becomes "
            "(N, C*H*W), (N, C, D, H, W) too. Do not unpack four axes; x.reshape(x.shape[0], -1) works for all.",
            detect=_assumes_4d),
    Mistake("dense_column_vectors", "dense",
            "The output is (M, N), one column per sample, as in y = Wx + b for one column vector x. A batch "
            "holds samples as rows, x (N, D), so out = x @ w.T + b is (N, M).",
            detect=_column_vectors),
    Mistake("dense_not_transposed", "dense",
            "The weight is not transposed: w is (M, D), PyTorch's Linear layout (one row per output), so "
            "out = x @ w.T + b; x @ w works only for a (D, M) weight.",
            detect=_not_transposed),
    Mistake("bias_forgotten", "dense",
            "The bias is missing: every output m gets b[m] added, out = x @ w.T + b.",
            reproduce=lambda x, w, b: np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64).T),
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
                        "320,000 * 128 + 128 = 40,960,128 parameters.",
            compare=partial(compare_arrays, require_float=False)),
        matches_reference(
            "flatten", ref.flatten, flatten_inputs(), points=2, name="flatten: matches the reference",
            description="(N, ...) with 2 to 5 axes, size-1 axes included: float32, float64 and uint8, in "
                        "torch.flatten(x, 1) order; flattening only moves data, so x's dtype is accepted "
                        "as well as floating point.",
            explain=_flatten_rule, require_float=False),
        satisfies_property(
            "flatten", _reshape_back, flatten_inputs(FLOATS), points=1,
            name="flatten: reshaping back gives x",
            description="flatten(x) is (N, D), and flatten(x).reshape(x.shape) == x: nothing moves.",
            max_examples=20),
        lecture_examples(
            "dense", DENSE_EXAMPLES, points=2, name="dense: the lecture's examples",
            description="A layer by hand; the lecture's smaller dense layers (LeNet-5's 576 -> 120 -> 84 -> 10, "
                        "AlexNet's 2048 -> 10, ...) with all-ones inputs and weights, whose outputs count "
                        "the parameters in the summaries."),
        same_shape_as_reference(
            "dense", ref.dense, dense_inputs(), points=1, name="dense: output shape",
            description="(N, M) for x (N, D) and w (M, D).", explain=_dense_rule, max_examples=20),
        matches_reference(
            "dense", ref.dense, dense_inputs(), points=3, name="dense: matches the reference",
            description="Random x (N, D), w (M, D), b (M,): float32, float64, and uint8 inputs with float weights.",
            explain=_dense_rule),
    ),
    mistakes=MISTAKES,
)
