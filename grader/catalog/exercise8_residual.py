"""Exercise 8, the residual block (section 17): ReLU(F(x) + shortcut(x)), with a projection when needed."""

import torch
from hypothesis import strategies as st

from grader.exercise import Exercise, Mistake
from grader.models import (ModelSpec, backward_check, count_check, draws, family, forward_check, raised, reproduces,
                           structure_check, units, when)
from grader.strategies import upto
from reference import models as ref


class _ReluBeforeAddition(ref.ResidualBlock):
    """The known mistake, for telling it apart: ReLU(ReLU(F(x)) + shortcut(x))."""

    def forward(self, x):
        return torch.relu(torch.relu(self.residual(x)) + self.shortcut(x))


_VARIANTS = {None: ref.ResidualBlock, "relu_before_addition": _ReluBeforeAddition}

BLOCK = ModelSpec(
    cls="ResidualBlock",
    reference=lambda kwargs, mistake=None: _VARIANTS[mistake](**kwargs),
    input_shape=lambda kwargs: (kwargs["in_channels"], 8, 8),
    same_layers=({"mistake": "relu_before_addition"},),
)


@st.composite
def _configurations(draw) -> dict:
    """Small channels; half the time the shape is kept (identity shortcut), half not (projection)."""
    in_channels = draw(upto(6), label="in_channels")
    keep = draw(st.booleans(), label="shape kept")
    if keep:
        return {"in_channels": in_channels, "out_channels": in_channels, "stride": 1}
    return {"in_channels": in_channels, "out_channels": draw(upto(8), label="out_channels"),
            "stride": draw(st.sampled_from((2, 1)), label="stride")}


CONFIGURATIONS = _configurations()
SIZES = st.tuples(upto(9), upto(9))


def _conv_bias(evidence, outcome) -> bool:
    found = units((evidence.model.info if evidence.model else {}).get("calls", []))
    return any(family(unit["type"]) == "conv" and unit["attrs"].get("bias") for unit in found)


def _no_projection(evidence, outcome) -> bool:
    kwargs = evidence.model.kwargs if evidence.model else {}
    found = units((evidence.model.info if evidence.model else {}).get("calls", []))
    convs = [unit for unit in found if family(unit["type"]) == "conv"]
    changes = kwargs.get("stride", 1) != 1 or kwargs.get("in_channels") != kwargs.get("out_channels")
    return changes and len(convs) < 3


RESIDUAL_MISTAKES = (
    Mistake("missing_projection", "ResidualBlock",
            "When the stride or the number of channels changes, x no longer has F(x)'s shape and cannot be "
            "added as it is: the shortcut must be a 1x1 conv with the same stride (bias=False) followed by a "
            "BatchNorm, the 'projection shortcut'. Keep the identity only when the shape is kept.",
            detect=lambda inputs, expected, outcome: raised("must match the size")(inputs, expected, outcome)
            or when(_no_projection)(inputs, expected, outcome)),
    Mistake("relu_before_addition", "ResidualBlock",
            "Your block applies ReLU to the branch before adding the shortcut: the last BatchNorm's output "
            "F(x) is added to shortcut(x) as it is, and the only ReLU after the second conv comes after the "
            "addition, out = ReLU(F(x) + shortcut(x)).",
            detect=reproduces(mistake="relu_before_addition")),
    Mistake("inplace_shortcut", "ResidualBlock",
            "An in-place operation overwrites the shortcut: with the identity shortcut, `identity = x` is the "
            "same tensor as x, so `identity += out` (or `x += out`, ReLU(inplace=True) on it) writes into "
            "the block's input, which autograd still needs. Write `out = out + identity` instead.",
            detect=lambda inputs, expected, outcome: raised("in-place", "inplace")(inputs, expected, outcome)
            or when(lambda evidence, _: evidence.facts.get("input_changed"))(inputs, expected, outcome)),
    Mistake("conv_bias_before_batchnorm", "ResidualBlock",
            "Your convs have a bias, but each is followed by a BatchNorm, which subtracts the channel mean "
            "(removing any bias) and adds its own shift beta: pass bias=False to every nn.Conv2d of the "
            "block. That is why 64 -> 64 has 73,984 parameters, not 74,112.",
            detect=when(_conv_bias)),
)

EXERCISE = Exercise(
    id="exercise8",
    module=__name__.rpartition(".")[2],
    title="Residual block",
    section="17. ResNet",
    summary="class ResidualBlock(nn.Module), __init__(self, in_channels, out_channels, stride=1): "
            "ReLU(F(x) + shortcut(x))",
    points=10,
    functions=("ResidualBlock",),
    checks=(
        structure_check(
            BLOCK, CONFIGURATIONS, points=2, name="ResidualBlock: layers and shapes", max_examples=8,
            description="Two 3x3 convs (stride on the first, padding 1, no bias) with a BatchNorm each; a 1x1 "
                        "conv (stride, no bias) + BatchNorm shortcut exactly when the shape changes; output "
                        "(N, out_channels, (H - 1) // stride + 1, ...), for drawn channels and strides."),
        count_check(
            BLOCK, (({"in_channels": 64, "out_channels": 64, "stride": 1}, {"trainable": 73_984, "statistics": 256}),
                    ({"in_channels": 64, "out_channels": 128, "stride": 2},
                     {"trainable": 230_144, "statistics": 768})),
            points=2, name="ResidualBlock: 73,984 and 230,144 parameters",
            description="64 -> 64: 73,984 trainable parameters; 64 -> 128 with stride 2 (projection shortcut): "
                        "230,144; plus the BatchNorm running means and variances."),
        forward_check(
            BLOCK, draws(CONFIGURATIONS, batch=(1, 3), sizes=SIZES), points=3,
            name="ResidualBlock: outputs match the reference (eval)",
            description="Given the reference's random weights and BatchNorm statistics, eval-mode outputs equal "
                        "the reference's for drawn channels, strides, batch sizes and image sizes (1-9 pixels)."),
        forward_check(
            BLOCK, draws(CONFIGURATIONS, batch=(2, 3), sizes=SIZES), mode="train", points=1,
            name="ResidualBlock: outputs match the reference (training mode)", max_examples=6,
            description="In training mode BatchNorm normalises with the batch's own statistics: the outputs "
                        "still equal the reference's."),
        backward_check(
            BLOCK, draws(CONFIGURATIONS, batch=(2, 3), sizes=SIZES), points=2,
            name="ResidualBlock: gradients match the reference",
            description="In training mode the gradients with respect to x and to every weight equal the "
                        "reference's (the shortcut carries the gradient back to x), and x is not changed in place."),
    ),
    mistakes=RESIDUAL_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
