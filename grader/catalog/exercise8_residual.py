"""Exercise 8, the residual block (section 17): ReLU(F(x) + shortcut(x)), with a projection when needed.

One feature per check: the core checks (layers, outputs in eval and training mode, gradients)
build blocks that keep the shape, whose shortcut is the identity; the projection shortcut has
checks of its own, one where the channels change and one where the stride is 2, so that a
missing projection costs its own points and never hides another bug. Every check that runs a
block runs a batch of 64 as well as small ones, and each known mistake has a fixed example that
exposes it whatever the seed, told by what the block computes or which layers it calls.
"""

from grader.authoring import (Exercise, Mistake, ModelSpec, answer_key, backward_check, count_check, draws, family,
                              forward_check, model_info, reproduces, st, structure_check, units, upto, when)

key = answer_key(__name__)

BLOCK = ModelSpec(
    cls="ResidualBlock",
    reference=key.ResidualBlock,
    input_shape=lambda kwargs: (kwargs["in_channels"], 8, 8),
    same_layers=({"mistake": "relu_before_addition"},),
)


def block(in_channels: int, out_channels: int, stride: int = 1) -> dict:
    return {"in_channels": in_channels, "out_channels": out_channels, "stride": stride}


@st.composite
def _identity(draw) -> dict:
    """The shape kept: in_channels = out_channels, stride 1 (the shortcut is x itself)."""
    channels = draw(upto(6), label="channels")
    return block(channels, channels)


@st.composite
def _more_channels(draw) -> dict:
    """Other channels, stride 1: the shortcut projects x to out_channels."""
    in_channels = draw(upto(6), label="in_channels")
    out_channels = draw(upto(8).filter(lambda n: n != in_channels), label="out_channels")
    return block(in_channels, out_channels)


@st.composite
def _stride_2(draw) -> dict:
    """Stride 2, the same or other channels: the shortcut halves x as F does."""
    in_channels = draw(upto(6), label="in_channels")
    return block(in_channels, draw(upto(8), label="out_channels"), 2)


IDENTITY = _identity()
SIZES = st.tuples(upto(9), upto(9))


def batches(small: dict, large: dict, size: tuple | None = None) -> tuple:
    """Two fixed batches: two images of `small` (of `size`, else 8x8) and 64 images of `large` at 4x4 (a
    realistic batch whose recorded answers stay small in the kit's bank)."""
    return ({"kwargs": small, "N": 2, "seed": 0, "size": size}, {"kwargs": large, "N": 64, "seed": 1, "size": (4, 4)})


# --- Known mistakes, told by what the block computes and which layers it calls --------------------------------


def _calls(evidence) -> list:
    return units(model_info(evidence).get("calls", []))


def _conv_bias(evidence, outcome) -> bool:
    return any(family(unit["type"]) == "conv" and unit["attrs"].get("bias") for unit in _calls(evidence))


def _no_projection(evidence, outcome) -> bool:
    """The shape changes, and the block calls only the branch's two convs (also when forward then fails)."""
    kwargs = evidence.model.kwargs if evidence.model else {}
    convs = [unit for unit in _calls(evidence) if family(unit["type"]) == "conv"]
    changes = kwargs.get("stride", 1) != 1 or kwargs.get("in_channels") != kwargs.get("out_channels")
    return changes and len(convs) < 3


def _input_changed(evidence, outcome) -> bool:
    """A forward pass wrote into x (the worker compares x before and after)."""
    return bool(evidence.facts.get("input_changed"))


RESIDUAL_MISTAKES = (
    Mistake("missing_projection", "ResidualBlock",
            "When the stride or the number of channels changes, x no longer has F(x)'s shape and cannot be "
            "added as it is: the shortcut must be a 1x1 conv with the same stride (bias=False) followed by a "
            "BatchNorm, the 'projection shortcut'. Keep the identity only when the shape is kept.",
            detect=when(_no_projection)),
    Mistake("relu_before_addition", "ResidualBlock",
            "Your block applies ReLU to the branch before adding the shortcut: the last BatchNorm's output "
            "F(x) is added to shortcut(x) as it is, and the only ReLU after the second conv comes after the "
            "addition, out = ReLU(F(x) + shortcut(x)).",
            detect=reproduces(mistake="relu_before_addition")),
    Mistake("inplace_shortcut", "ResidualBlock",
            "An in-place operation overwrites the shortcut: with the identity shortcut, `identity = x` is the "
            "same tensor as x, so `identity += out` (or `x += out`, ReLU(inplace=True) on it) writes into "
            "the block's input, which autograd still needs. Write `out = out + identity` instead.",
            detect=when(_input_changed)),
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
            BLOCK, IDENTITY, points=2, name="ResidualBlock: layers and shapes", max_examples=4,
            examples=(block(3, 3),),
            description="A block that keeps the shape (in_channels = out_channels, stride 1): two 3x3 convs "
                        "(padding 1, no bias) with a BatchNorm each and the identity shortcut, output "
                        "(N, out_channels, H, W), for drawn channels."),
        count_check(
            BLOCK, ((block(64, 64), {"trainable": 73_984, "statistics": 256}),), points=1,
            name="ResidualBlock: 73,984 parameters (64 -> 64)",
            description="64 -> 64: 73,984 trainable parameters, plus the BatchNorm running means and variances."),
        forward_check(
            BLOCK, draws(IDENTITY, batch=(1, 3), sizes=SIZES), points=2,
            name="ResidualBlock: outputs match the reference (eval)", max_examples=6,
            examples=batches(block(3, 3), block(4, 4), (5, 7)),
            description="Given the reference's random weights and BatchNorm statistics, eval-mode outputs equal "
                        "the reference's, for a batch of 64 and for drawn channels, batch sizes and image sizes "
                        "(1-9 pixels)."),
        forward_check(
            BLOCK, draws(IDENTITY, batch=(2, 3), sizes=SIZES), mode="train", points=1,
            name="ResidualBlock: outputs match the reference (training mode)", max_examples=4,
            examples=batches(block(3, 3), block(4, 4), (5, 7)),
            description="In training mode BatchNorm normalises with the batch's own statistics: the outputs "
                        "still equal the reference's."),
        backward_check(
            BLOCK, draws(IDENTITY, batch=(2, 3), sizes=SIZES), points=1,
            name="ResidualBlock: gradients match the reference", max_examples=4,
            examples=batches(block(3, 3), block(2, 2), (5, 7)),
            description="In training mode the gradients with respect to x and to every weight equal the "
                        "reference's (the shortcut carries the gradient back to x), and x is not changed in place."),
        forward_check(
            BLOCK, draws(_more_channels(), batch=(1, 3), sizes=SIZES), points=1,
            name="ResidualBlock: a projection shortcut when the channels change", max_examples=4,
            examples=batches(block(2, 5), block(3, 6)),
            description="in_channels != out_channels, stride 1: shortcut(x) is a 1x1 conv (no bias) and a "
                        "BatchNorm; the eval-mode outputs equal the reference's, on a batch of 64 too."),
        forward_check(
            BLOCK, draws(_stride_2(), batch=(1, 3), sizes=SIZES), points=1,
            name="ResidualBlock: a projection shortcut when the stride is 2", max_examples=4,
            examples=batches(block(3, 3, 2), block(2, 4, 2), (5, 7)),
            description="Stride 2, also with in_channels = out_channels: the first conv and the shortcut's 1x1 "
                        "conv both have stride 2, output (N, out_channels, (H - 1) // 2 + 1, (W - 1) // 2 + 1); "
                        "the eval-mode outputs equal the reference's, on a batch of 64 too."),
        count_check(
            BLOCK, ((block(64, 128, 2), {"trainable": 230_144, "statistics": 768}),), points=1,
            name="ResidualBlock: 230,144 parameters (64 -> 128, stride 2)",
            description="64 -> 128 with stride 2: 230,144 trainable parameters (the projection shortcut "
                        "included), plus the BatchNorm running means and variances."),
    ),
    mistakes=RESIDUAL_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
