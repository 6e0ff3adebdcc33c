"""Exercise 16, GoogLeNet (section 16): the Inception module, global average pooling, and what 1x1
convolutions save, in parameters (conv_params) and multiply-adds (conv_macs).

Inception is judged by outputs: on small drawn configurations (a batch of 64 among them, one with
every filter column different so that an argument used for another shows, one with equal output
columns), and on the lecture's 3a at full size (163,696 weights of the grader's choosing, a
(1, 192, 28, 28) input). The other rows of the GoogLeNet table are read from modules built on the
meta device, without weights: that is the submission's claim, which can only cost points. The
table's params and ops columns do not match its filter columns (see the erratum in the exercise);
the grader works from the filters. One feature per check: global_avg_pool's core check draws square
maps, conv_params's leaves bias to its default; non-square maps and bias=False have checks of their own.
"""

import numpy as np

from grader.authoring import (GOOGLENET, Evidence, Exercise, Falsified, Mistake, ModelOutcome, ModelSpec, NotInBank,
                              Outcome, Session, Stop, answer_key, as_array, ask, compare_arrays, describe_value, draws,
                              expected_output, fail, family, forward_check, get_model, holds_for_examples, model_info,
                              model_input, oracle, read_table, satisfies_property, st, tolerance, units, upto, when,
                              with_weights)

key = answer_key(__name__)

FILTERS = ("in_channels", "c1", "c3_reduce", "c3", "c5_reduce", "c5", "pool_proj")
# GOOGLENET: the lecture's table (grader.googlenet), a row per Inception module.
TABLE = {name: dict(zip(FILTERS, row)) for name, *row, _ in GOOGLENET}


def _in_order(**strategies):
    """Drawn keyword arguments in the signature's order (a call passes them positionally)."""
    return st.tuples(*strategies.values()).map(lambda values: dict(zip(strategies, values)))


INCEPTION = ModelSpec(cls="Inception", reference=key.Inception,
                      input_shape=lambda kwargs: (kwargs["in_channels"], 28, 28))

# A meta build is milliseconds, unless __init__ runs a dummy forward pass: PyTorch's first
# meta-device convolution then takes seconds (it loads its shape functions).
META_TIMEOUT = 15.0
SMALL = _in_order(**{name: upto(4) for name in FILTERS})
SIZES = upto(7).map(lambda side: (side, side))
DISTINCT = dict(zip(FILTERS, (3, 1, 2, 4, 5, 6, 7)))  # an argument used for another shows
EQUAL = dict(zip(FILTERS, (2, 3, 1, 3, 1, 3, 3)))  # the four branches' channels alike: torch.cat(dim=0) goes through
INCEPTION_FIXED = ({"kwargs": EQUAL, "N": 1, "size": (3, 3), "seed": 16},
                   {"kwargs": DISTINCT, "N": 2, "size": (5, 5), "seed": 16},
                   {"kwargs": DISTINCT, "N": 64, "size": (3, 3), "seed": 64})


# --- Inception 3a at full size, verified; the table's other rows as a claim -----------------------------------

# 3a on the lecture's (1, 192, 28, 28), and on a batch of 64 at the smallest input it takes (1x1: every
# branch keeps the size; a bank keeps a (64, 256, 1, 1) answer, not a (64, 256, 28, 28) one).
LECTURE_INPUTS = ({"N": 1, "seed": 3, "size": None}, {"N": 64, "seed": 64, "size": (1, 1)})


def _lecture_3a(session: Session, kwargs: dict) -> None:
    for drawn in LECTURE_INPUTS:
        x, shown = model_input(INCEPTION, {"kwargs": kwargs, **drawn})
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
            wanted = key.inception_count(row)
        except ValueError as error:
            raise fail(f"inception ({name}), {INCEPTION.call(row)}: {error}", model, shown) from None
        if found != wanted:
            problems.append(f"inception ({name}), {INCEPTION.call(row)}: {found:,} parameters, expected {wanted:,}")
    if problems:
        raise fail("Built without weights (meta device), the GoogLeNet table's modules differ from their filter "
                   "columns:\n" + "\n".join(f"- {p}" for p in problems), model, shown)


# --- global_avg_pool, on tensors ----------------------------------------------------------------------------

@st.composite
def _feature_maps(draw, square: bool = True) -> dict:
    """x (N, C, H, W) of standard normal values; H = W unless `square` is False."""
    H = draw(upto(9), label="H")
    shape = (draw(upto(3), label="N"), draw(upto(4), label="C"), H, H if square else draw(upto(9), label="W"))
    seed = draw(upto(2**16, 0), label="seed")
    return {"x": np.random.default_rng(seed).standard_normal(shape)}


def _maps(shape: tuple, seed: int) -> dict:
    """Fixed feature maps, values in quarter steps in [-2, 2]."""
    return {"x": np.random.default_rng(seed).integers(-8, 9, size=shape) / 4}


GAP_FIXED = (
    _maps((1, 1, 2, 2), 2),  # a window of 7x7 does not fit
    _maps((1, 1, 14, 14), 14),  # 7x7 windows give four values
    _maps((1, 1024, 7, 7), 7),  # GoogLeNet's last map: 7x7x1024, then global pooling to 1024
)
GAP_NON_SQUARE = (_maps((1, 2, 3, 5), 35),)


def _pooled(session: Session, x: np.ndarray, inputs: dict):
    return session.request("tensor.call", {"function": "global_avg_pool", "args": [x]}, function="global_avg_pool",
                           inputs=inputs)


def _right_at_7x7(session: Session, x: np.ndarray) -> bool:
    """For a function that raised on maps smaller than 7x7: does it answer right on the same maps padded to 7x7?"""
    N, C, H, W = x.shape
    if min(H, W) >= 7:
        return False
    seven = np.zeros((N, C, 7, 7))
    seven[:, :, :min(H, 7), :min(W, 7)] = x[:, :, :7, :7]
    try:
        expected, actual = key.global_avg_pool(seven), _pooled(session, seven, {"x": seven})
    except (Falsified, Stop, NotInBank):
        return False
    return compare_arrays(expected, actual, rtol=1e-6, atol=1e-9) is None


def _global_avg_pool(session: Session, drawn: dict) -> None:
    expected = key.global_avg_pool(drawn["x"])
    try:
        actual = _pooled(session, drawn["x"], drawn)
    except Falsified as failure:  # it raised: is the size what it cannot take?
        fields = {name: getattr(failure.outcome, name) for name in Outcome.__dataclass_fields__}
        failure.outcome = ModelOutcome(**fields, evidence=Evidence(facts={
            "right_at_7x7": _right_at_7x7(session, drawn["x"])}))
        failure.expected = expected
        raise
    mismatch = compare_arrays(expected, actual, rtol=1e-6, atol=1e-9)
    if mismatch is not None:
        N, C, H, W = drawn["x"].shape
        raise Falsified(f"global_avg_pool {mismatch.message} for x of shape ({N}, {C}, {H}, {W}): each of the "
                        f"N x C = {N * C} feature maps becomes the mean of its {H} x {W} values",
                        function="global_avg_pool", inputs=drawn, expected=expected, outcome=session.last_outcome,
                        differences=mismatch.differences)


# --- conv_params, conv_macs: exact ints -------------------------------------------------------------------

PARAMS_FIXED = (  # VGG16's block1_conv1 and block4_conv2 (section 19), 3a's 1x1 branch
    {"in_channels": 3, "out_channels": 64, "kernel_size": 3},
    {"in_channels": 512, "out_channels": 512, "kernel_size": 3},
    {"in_channels": 192, "out_channels": 64, "kernel_size": 1},
)
PARAMS_BIAS = ({"in_channels": 16, "out_channels": 32, "kernel_size": 5, "bias": False},
               {"in_channels": 3, "out_channels": 64, "kernel_size": 3, "bias": True})
MACS_FIXED = (  # 3a's 5x5 branch at 28x28: directly, then the 1x1 reduce and the 5x5 after it
    {"in_channels": 192, "out_channels": 32, "kernel_size": 5, "out_h": 28, "out_w": 28},
    {"in_channels": 192, "out_channels": 16, "kernel_size": 1, "out_h": 28, "out_w": 28},
    {"in_channels": 16, "out_channels": 32, "kernel_size": 5, "out_h": 28, "out_w": 28},
)

PARAMS_INPUTS = _in_order(in_channels=upto(600), out_channels=upto(600), kernel_size=upto(7))
PARAMS_BIAS_INPUTS = _in_order(in_channels=upto(600), out_channels=upto(600), kernel_size=upto(7), bias=st.booleans())
MACS_INPUTS = _in_order(in_channels=upto(600), out_channels=upto(600), kernel_size=upto(7), out_h=upto(64),
                        out_w=upto(64))


def exact_int(function: str, reference, rule):
    """A property: `function(**drawn)` returns exactly the int `reference(**drawn)`; `rule` says why."""
    def prop(session: Session, drawn: dict) -> None:
        expected = reference(*drawn.values())
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

def _convs(evidence) -> list[dict]:
    calls = model_info(evidence).get("calls", [])
    return [unit for unit in units(calls) if family(unit["type"]) == "conv" and unit["inputs"] and unit["output"]]


def _batch_axis(evidence) -> bool:
    return evidence.actual is not None and evidence.expected is not None and np.ndim(evidence.actual) == 4 \
        and np.shape(evidence.actual)[0] == 4 * evidence.expected.shape[0]


def _concatenated_wrongly(evidence, outcome) -> bool:
    """The branches are right (every conv gives the reference's output shape), but putting them together
    stacks them as more images, or fails (their channel counts differ) where the reference's forward pass
    goes through."""
    if _batch_axis(evidence):
        return True
    model = evidence.model
    if model is None or not model.info.get("error"):
        return False
    reference = oracle.structure(model.session, INCEPTION, model.kwargs)
    shapes = lambda convs: sorted(tuple(unit["output"]) for unit in convs)
    theirs = [unit for unit in units(reference["calls"]) if family(unit["type"]) == "conv"]
    return shapes(_convs(evidence)) == shapes(theirs)


def _pool_branch_unpadded(evidence, outcome) -> bool:
    """One conv gets a map 2 pixels smaller than the others: the pool branch's 3x3 pool, at stride 1, has no
    padding."""
    sides = [unit["inputs"][0][-1] for unit in _convs(evidence)]
    return bool(sides) and min(sides) == max(sides) - 2


def _pool_weights(evidence, outcome) -> bool:
    return len(_convs(evidence)) > 6


BATCH_AXIS = ("The branches are right, but they are not put side by side on the channel axis: torch.cat(..., "
              "dim=0) stacks them as more images (or fails where their channel counts differ). PyTorch's images "
              "are (N, C, H, W): concatenate the branches' feature maps with torch.cat([...], dim=1), giving "
              "c1 + c3 + c5 + pool_proj channels.")
HARD_CODED_7 = ("global_avg_pool pools 7x7 windows: that is GoogLeNet's last map only. Global average pooling "
                "takes the mean of each whole feature map, whatever H and W are: x.mean(dim=(2, 3)) (or "
                "F.adaptive_avg_pool2d(x, 1).flatten(1)).")

INCEPTION_MISTAKES = (
    Mistake("concat_batch_axis", "Inception", BATCH_AXIS, detect=when(_concatenated_wrongly)),
    Mistake("pool_no_padding", "Inception",
            "The pool branch's max pool has no padding: a 3x3 window at stride 1 then shrinks 28x28 to 26x26 "
            "and the branches no longer line up. Use nn.MaxPool2d(3, stride=1, padding=1): every branch of an "
            "Inception module keeps H and W.",
            detect=when(_pool_branch_unpadded)),
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
            reproduce=key.params_without_bias),
    Mistake("macs_without_input_channels", "conv_macs",
            "conv_macs leaves out the input channels: each output value sums over a K x K window in every input "
            "channel, in * K * K products (that is why the 1x1 reduce to 16 channels makes the 5x5 conv cheap).",
            reproduce=key.macs_without_input_channels),
    Mistake("global_pool_hardcoded", "global_avg_pool", HARD_CODED_7, reproduce=key.avg_pool_7),
    Mistake("global_pool_hardcoded", "global_avg_pool", HARD_CODED_7,
            detect=when(lambda evidence, _: evidence.facts.get("right_at_7x7"))),
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
            name="Inception: outputs match the reference", max_examples=6, examples=INCEPTION_FIXED,
            description="Given the reference's random weights, small drawn modules (1-4 channels per filter "
                        "column; one with all seven different) map drawn batches (1-7 pixels a side, 64 images "
                        "among them) to the reference's output: four branches with a ReLU after each conv, 'same' "
                        "padding, concatenated on the channel axis in order."),
        holds_for_examples(
            "Inception", _lecture_3a, (TABLE["3a"],),
            name="Inception 3a: (N, 192, 28, 28) -> (N, 256, 28, 28), 163,696 parameters",
            points=3,
            kind="the lecture's inception (3a)",
            description="Inception(192, 64, 96, 128, 16, 32, 32), given the grader's 163,696 weights, maps a "
                        "(1, 192, 28, 28) input to the reference's (1, 256, 28, 28) output, and a batch of 64 1x1 "
                        "maps to the reference's (64, 256, 1, 1); built without weights, "
                        "every row of the GoogLeNet table has the parameters its filter columns give."),
        satisfies_property(
            "global_avg_pool", _global_avg_pool, _feature_maps(),
            name="global_avg_pool: (N, C, H, W) -> (N, C), square maps",
            points=1.5,
            max_examples=15,
            examples=GAP_FIXED,
            description="On drawn float64 tensors with 1-9 pixels a side, and GoogLeNet's last map (1, 1024, 7, 7): "
                        "the mean of each feature map."),
        satisfies_property(
            "global_avg_pool", _global_avg_pool, _feature_maps(square=False),
            name="global_avg_pool: non-square maps",
            points=0.5,
            max_examples=10,
            examples=GAP_NON_SQUARE,
            description="H != W: the mean over both spatial axes, whatever their sizes."),
        satisfies_property(
            "conv_params", exact_int("conv_params", key.conv_params, _params_rule), PARAMS_INPUTS,
            name="conv_params: parameters of a convolution",
            points=0.5,
            max_examples=15,
            examples=PARAMS_FIXED,
            description="VGG16's 1,792 and 2,359,808, 3a's 12,352 (1x1, 192 -> 64) and drawn convolutions, "
                        "bias left to its default: an exact int."),
        satisfies_property(
            "conv_params", exact_int("conv_params", key.conv_params, _params_rule), PARAMS_BIAS_INPUTS,
            name="conv_params: bias=False",
            points=0.5,
            max_examples=10,
            examples=PARAMS_BIAS,
            description="bias given: with bias=False a convolution has no biases, out * in * K * K."),
        satisfies_property(
            "conv_macs", exact_int("conv_macs", key.conv_macs, _macs_rule), MACS_INPUTS,
            name="conv_macs: multiply-adds of a convolution",
            points=1,
            max_examples=15,
            examples=MACS_FIXED,
            description="3a's 5x5 branch at 28x28: 120,422,400 directly, 2,408,448 + 10,035,200 through the "
                        "1x1 reduce; and drawn convolutions: an exact int."),
    ),
    mistakes=INCEPTION_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
