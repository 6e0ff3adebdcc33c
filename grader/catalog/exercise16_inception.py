"""Exercise 16, GoogLeNet (section 16): the Inception module, global average pooling, and what 1x1
convolutions save, in parameters (conv_params) and multiply-adds (conv_macs).

Inception is judged by outputs: on small drawn configurations, and on the lecture's 3a at full
size (163,696 weights of the grader's choosing, a (1, 192, 28, 28) input). The other rows of the
GoogLeNet table are read from modules built on the meta device, without weights: that is the
submission's claim, which can only cost points. The table's params and ops columns do not
match its filter columns (see the erratum in the exercise); the grader works from the filters.
"""

import re

import numpy as np
import torch
from hypothesis import strategies as st

from grader.checks import Falsified, Session, holds_for_examples, satisfies_property
from grader.compare import as_array, compare_arrays, describe_value
from grader.exercise import Exercise, Mistake
from grader.models.claims import read_table
from grader.models.behaviour import forward_check
from grader.models import units
from grader.models.checks import draws, fail, model_input
from grader.models.mapping import family
from grader.models.mistakes import error_text, raised, when
from grader.models.oracle import computed
from grader.models.reference import expected_output, tolerance, with_weights
from grader.models.runs import Evidence, ModelSpec, ask, get_model
from grader.strategies import upto
from reference import inception as ref

FILTERS = ("in_channels", "c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")
TABLE = {name: dict(zip(FILTERS, row)) for name, *row, _ in ref.GOOGLENET_TABLE}


def _in_order(**strategies):
    """Drawn keyword arguments in the signature's order (a call passes them positionally)."""
    return st.tuples(*strategies.values()).map(lambda values: dict(zip(strategies, values)))


INCEPTION = ModelSpec(cls="Inception", reference=lambda kwargs, **variant: ref.Inception(**kwargs, **variant),
                      input_shape=lambda kwargs: (kwargs["in_channels"], 28, 28))

# A meta build is milliseconds, unless __init__ runs a dummy forward pass: PyTorch's first
# meta-device convolution then takes seconds (it loads its shape functions).
META_TIMEOUT = 15.0
SMALL = _in_order(**{name: upto(4) for name in FILTERS})
SIZES = st.tuples(upto(7), upto(7))


# --- Inception 3a at full size, verified; the table's other rows as a claim -----------------------------------

def _reference_count(kwargs: dict) -> int:
    with torch.device("meta"):
        return sum(p.numel() for p in ref.Inception(**kwargs).parameters())


def _lecture_3a(session: Session, kwargs: dict) -> None:
    x, shown = model_input(INCEPTION, {"kwargs": kwargs, "N": 1, "seed": 3, "size": None})
    model = with_weights(session, get_model(session, INCEPTION, kwargs, shown), shown)
    actual = ask(session, model, "forward", {"x": x, "mode": "eval"}, shown)["outputs"][0]
    expected = expected_output(model, x, "eval")
    mismatch = compare_arrays(expected, actual, **tolerance(expected))
    if mismatch is not None:
        raise fail(f"Inception 3a, {INCEPTION.call(kwargs)}, given the grader's weights, {mismatch.message}",
                   model, shown, Evidence(model=model, x=x, expected=expected, actual=actual),
                   expected=expected, actual=actual, differences=mismatch.differences)
    extra, missing = model.mapping.student_only, model.mapping.reference_only
    if extra or missing:  # outputs cannot tell a zero bias from none
        parts = ([f"holds tensors the reference does not: {', '.join(extra)}"] if extra else []) + \
            ([f"lacks tensors the reference has: {', '.join(missing)}"] if missing else [])
        raise fail("Inception 3a " + "; ".join(parts) + " (163,696 parameters: six convs' weights and biases)",
                   model, shown)
    problems = []
    for name, row in TABLE.items():
        info = session.request("meta.table", {"class": "Inception", "kwargs": row}, function="Inception",
                               inputs=dict(row), timeout=META_TIMEOUT)
        try:
            found = sum(read_table(info)[0].values())
            wanted = computed(session, "inception.count", {"kwargs": row}, _reference_count)
        except ValueError as error:
            raise fail(f"inception ({name}), {INCEPTION.call(row)}: {error}", model, shown) from None
        if found != wanted:
            problems.append(f"inception ({name}), {INCEPTION.call(row)}: {found:,} parameters, expected {wanted:,}")
    if problems:
        raise fail("Built without weights (meta device), the GoogLeNet table's modules differ from their filter "
                   "columns:\n" + "\n".join(f"- {p}" for p in problems), model, shown)


# --- global_avg_pool, on tensors ----------------------------------------------------------------------------

@st.composite
def _feature_maps(draw) -> dict:
    shape = (draw(upto(3), label="N"), draw(upto(4), label="C"), draw(upto(9), label="H"), draw(upto(9), label="W"))
    seed = draw(upto(2**16, 0), label="seed")
    return {"x": np.random.default_rng(seed).standard_normal(shape)}


def _reference_global_avg_pool(x: np.ndarray) -> np.ndarray:
    return ref.global_avg_pool(torch.from_numpy(x)).numpy()


def _global_avg_pool(session: Session, drawn: dict) -> None:
    expected = computed(session, "inception.global_avg_pool", drawn, _reference_global_avg_pool)
    actual = session.request("tensor.call", {"function": "global_avg_pool", "args": [drawn["x"]]},
                             function="global_avg_pool", inputs=drawn)
    mismatch = compare_arrays(expected, actual, rtol=1e-6, atol=1e-9)
    if mismatch is not None:
        N, C, H, W = drawn["x"].shape
        raise Falsified(f"global_avg_pool {mismatch.message} for x of shape ({N}, {C}, {H}, {W}): each of the "
                        f"N x C = {N * C} feature maps becomes the mean of its {H} x {W} values",
                        function="global_avg_pool", inputs=drawn, expected=expected, outcome=session.last_outcome,
                        differences=mismatch.differences)


# --- conv_params, conv_macs: exact ints -------------------------------------------------------------------

PARAMS_EXAMPLES = (  # VGG16's block1_conv1 and block4_conv2 (section 19), 3a's 1x1 branch, no bias
    {"in_channels": 3, "out_channels": 64, "kernel_size": 3, "bias": True},
    {"in_channels": 512, "out_channels": 512, "kernel_size": 3, "bias": True},
    {"in_channels": 192, "out_channels": 64, "kernel_size": 1, "bias": True},
    {"in_channels": 16, "out_channels": 32, "kernel_size": 5, "bias": False},
)
MACS_EXAMPLES = (  # 3a's 5x5 branch at 28x28: directly, then the 1x1 reduce and the 5x5 after it
    {"in_channels": 192, "out_channels": 32, "kernel_size": 5, "out_h": 28, "out_w": 28},
    {"in_channels": 192, "out_channels": 16, "kernel_size": 1, "out_h": 28, "out_w": 28},
    {"in_channels": 16, "out_channels": 32, "kernel_size": 5, "out_h": 28, "out_w": 28},
)


PARAMS_INPUTS = st.one_of(st.sampled_from(PARAMS_EXAMPLES), _in_order(
    in_channels=upto(600), out_channels=upto(600), kernel_size=upto(7), bias=st.booleans()))
MACS_INPUTS = st.one_of(st.sampled_from(MACS_EXAMPLES), _in_order(
    in_channels=upto(600), out_channels=upto(600), kernel_size=upto(7), out_h=upto(64), out_w=upto(64)))


def exact_int(function: str, reference, rule):
    """A property: `function(**drawn)` returns exactly the int `reference(**drawn)`; `rule` says why."""
    def prop(session: Session, drawn: dict) -> None:
        expected = computed(session, f"inception.{function}", drawn, reference)
        actual = session.call(function, drawn)
        array = as_array(actual)
        got = actual if isinstance(actual, int) and not isinstance(actual, bool) else \
            int(array) if array is not None and array.ndim == 0 and array.dtype.kind in "iu" else None
        if got != expected:
            said = describe_value(actual) if got is None else f"{got:,}"
            raise Falsified(f"{function} returned {said}, expected the int {expected:,}: {rule(**drawn)}",
                            function=function, inputs=drawn, expected=expected, outcome=session.last_outcome)
    return prop


def _params_rule(in_channels, out_channels, kernel_size, bias=True) -> str:
    return (f"out * in * K * K{' + out' if bias else ''} = {out_channels} * {in_channels} * {kernel_size} * "
            f"{kernel_size}{f' + {out_channels}' if bias else ''}")


def _macs_rule(in_channels, out_channels, kernel_size, out_h, out_w) -> str:
    return (f"each of the out * out_h * out_w = {out_channels} * {out_h} * {out_w} outputs sums in * K * K = "
            f"{in_channels} * {kernel_size} * {kernel_size} products")


# --- Known mistakes -----------------------------------------------------------------------------------------

def _evidence_info(evidence) -> dict:
    return evidence.model.info if evidence.model is not None else {}


def _batch_axis(evidence, outcome) -> bool:
    return evidence.actual is not None and evidence.expected is not None and np.ndim(evidence.actual) == 4 \
        and np.shape(evidence.actual)[0] == 4 * evidence.expected.shape[0]


def _pool_branch_unpadded(inputs, expected, outcome) -> bool:
    found = re.search(r"Expected size (\d+) but got size (\d+) for tensor number 3", error_text(outcome))
    return found is not None and int(found[1]) - int(found[2]) == 2


def _pool_weights(evidence, outcome) -> bool:
    convs = [unit for unit in units(_evidence_info(evidence).get("calls", [])) if family(unit["type"]) == "conv"]
    return len(convs) > 6


def _avg_pool_7(x: np.ndarray) -> np.ndarray:
    N, C, H, W = x.shape
    return x[:, :, :H // 7 * 7, :W // 7 * 7].reshape(N, C, H // 7, 7, W // 7, 7).mean(axis=(3, 5)).reshape(N, -1)


def _hard_coded_7(inputs, expected, outcome) -> bool:
    if raised("Output size is too small", "too small")(inputs, expected, outcome):
        return True
    actual = as_array(outcome.value) if outcome.ok else None
    wrong = _avg_pool_7(inputs["x"]) if min(inputs["x"].shape[2:]) >= 7 else None
    return actual is not None and wrong is not None and actual.shape == wrong.shape and \
        compare_arrays(wrong, actual) is None


BATCH_AXIS = ("The branches are concatenated on the batch axis: torch.cat(..., dim=0) stacks them as more "
              "images. PyTorch's images are (N, C, H, W): the branches' feature maps go side by side on the "
              "channel axis, torch.cat([...], dim=1), giving c1 + c3 + c5 + pool_proj channels.")

INCEPTION_MISTAKES = (
    Mistake("concat_batch_axis", "Inception", BATCH_AXIS,
            detect=lambda inputs, expected, outcome: raised("except in dimension 0")(inputs, expected, outcome)
            or when(_batch_axis)(inputs, expected, outcome)),
    Mistake("pool_no_padding", "Inception",
            "The pool branch's max pool has no padding: a 3x3 window at stride 1 then shrinks 28x28 to 26x26 "
            "and the branches no longer line up. Use nn.MaxPool2d(3, stride=1, padding=1): every branch of an "
            "Inception module keeps H and W.",
            detect=_pool_branch_unpadded),
    Mistake("pool_weights", "Inception",
            "The pool branch has weights before its 1x1 conv: its 3x3 max pooling has none (it takes each "
            "window's maximum). In 3a the pool branch is 192 * 32 + 32 = 6,176 parameters, all in the 1x1 "
            "conv; the module has 163,696.",
            detect=when(_pool_weights)),
    Mistake("convs_without_bias", "Inception",
            "Your convolutions have no bias (bias=False). That suits a conv followed by a BatchNorm (exercise 8); "
            "in an Inception module each conv is followed by a ReLU and keeps its bias: 3a's 163,696 parameters "
            "are 163,328 weights and 368 biases.",
            detect=when(lambda evidence, _: evidence.model is not None and evidence.model.mapping is not None
                        and any(name.endswith("bias") for name in evidence.model.mapping.reference_only))),
    Mistake("params_without_bias", "conv_params",
            "conv_params leaves out the biases: nn.Conv2d has one bias per output channel unless bias=False, "
            "out * in * K * K + out (VGG16's block1_conv1: 64 * 3 * 3 * 3 + 64 = 1,792).",
            reproduce=lambda in_channels, out_channels, kernel_size, bias=True:
            out_channels * in_channels * kernel_size * kernel_size),
    Mistake("macs_without_input_channels", "conv_macs",
            "conv_macs leaves out the input channels: each output value sums over a K x K window in every input "
            "channel, in * K * K products (that is why the 1x1 reduce to 16 channels makes the 5x5 conv cheap).",
            reproduce=lambda in_channels, out_channels, kernel_size, out_h, out_w:
            out_channels * kernel_size * kernel_size * out_h * out_w),
    Mistake("global_pool_hardcoded", "global_avg_pool",
            "global_avg_pool pools 7x7 windows: that is GoogLeNet's last map only. Global average pooling "
            "takes the mean of each whole feature map, whatever H and W are: x.mean(dim=(2, 3)) (or "
            "F.adaptive_avg_pool2d(x, 1).flatten(1)).",
            detect=_hard_coded_7),
)

EXERCISE = Exercise(
    id="exercise16",
    module=__name__.rpartition(".")[2],
    title="Inception, 1x1 convolutions, global average pooling",
    section="16. GoogLeNet",
    points=10,
    summary="class Inception(nn.Module) (four branches concatenated on channels), global_avg_pool(x), "
            "conv_params(...), conv_macs(...)",
    functions=("Inception", "global_avg_pool", "conv_params", "conv_macs"),
    checks=(
        forward_check(
            INCEPTION, draws(SMALL, batch=(1, 3), sizes=SIZES), points=3,
            name="Inception: outputs match the reference", max_examples=6,
            description="Given the reference's random weights, small drawn modules (1-4 channels per filter "
                        "column) map drawn batches (1-7 pixels a side) to the reference's output: four branches "
                        "with a ReLU after each conv, 'same' padding, concatenated on the channel axis in order."),
        holds_for_examples(
            "Inception", _lecture_3a, (TABLE["3a"],),
            name="Inception 3a: (N, 192, 28, 28) -> (N, 256, 28, 28), 163,696 parameters",
            points=3,
            kind="the lecture's inception (3a)",
            description="Inception(192, 64, 96, 128, 16, 32, 32), given the grader's 163,696 weights, maps a "
                        "(1, 192, 28, 28) input to the reference's (1, 256, 28, 28) output; built without weights, "
                        "every row of the GoogLeNet table has the parameters its filter columns give."),
        satisfies_property(
            "global_avg_pool", _global_avg_pool, _feature_maps(),
            name="global_avg_pool: (N, C, H, W) -> (N, C) for any H, W",
            points=2,
            max_examples=15,
            description="On drawn float64 tensors with 1-9 pixels a side, the mean of each feature map."),
        satisfies_property(
            "conv_params", exact_int("conv_params", ref.conv_params, _params_rule), PARAMS_INPUTS,
            name="conv_params: parameters of a convolution",
            points=1,
            max_examples=15,
            description="VGG16's 1,792 and 2,359,808, 3a's 12,352 (1x1, 192 -> 64) and drawn convolutions, "
                        "with and without bias: an exact int."),
        satisfies_property(
            "conv_macs", exact_int("conv_macs", ref.conv_macs, _macs_rule), MACS_INPUTS,
            name="conv_macs: multiply-adds of a convolution",
            points=1,
            max_examples=15,
            description="3a's 5x5 branch at 28x28: 120,422,400 directly, 2,408,448 + 10,035,200 through the "
                        "1x1 reduce; and drawn convolutions: an exact int."),
    ),
    mistakes=INCEPTION_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
