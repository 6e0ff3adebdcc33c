"""Exercise 15, VGG (section 15): vgg_block and a VGG built from (convs, channels) blocks, logits out.

Behaviour is judged on small configurations (few blocks and channels, small images and hidden
layers, a batch of 64 among them) where the grader gives the student's model its own random
weights and compares outputs. The lecture's counts (VGG16 138,357,544, VGG11 132,863,336) are read
from models built on the meta device, without weights: that table is the submission's claim and
can only cost points; the points of the count check rest on the outputs of a small VGG of the same
class. Every argument takes effect: the small configurations change arch, num_classes,
image_size and hidden, and a check of its own changes dropout (training-mode outputs, torch
seeded alike, show the rate).
"""

import torch
from torch import nn

from grader.authoring import (Evidence, Exercise, Mistake, ModelSpec, Session, answer_key, ask, compare_arrays, draws,
                              expected_output, fail, family, forward_check, get_model, holds_for_examples, is_recording,
                              model_info, model_input, modes_check, oracle, outputs, read_table, reproduces,
                              satisfies_property, st, structure_check, tolerance, units, upto, when, with_weights)

key = answer_key(__name__)

BLOCK = ModelSpec(cls="vgg_block", reference=key.VGGBlock, input_shape=lambda kwargs: (kwargs["in_channels"], 8, 8))
VGG = ModelSpec(cls="VGG", reference=key.VGG,
                input_shape=lambda kwargs: (3, kwargs["image_size"], kwargs["image_size"]))
ARCHS = key.architectures()  # VGG16_ARCH and VGG11_ARCH, the paper's configurations D and A


@st.composite
def _blocks(draw) -> dict:
    return {"num_convs": draw(upto(3), label="num_convs"), "in_channels": draw(upto(4), label="in_channels"),
            "out_channels": draw(upto(5), label="out_channels")}


@st.composite
def _small_vggs(draw, dropout=st.just(0.5), hidden=upto(8)) -> dict:
    """A few blocks of 1-2 convs and 1-6 channels; image sizes that floor-halve unevenly too."""
    arch = tuple(draw(st.lists(st.tuples(upto(2), upto(6)), min_size=1, max_size=3), label="arch"))
    image_size = 2 ** len(arch) * draw(upto(3), label="s") + draw(st.sampled_from((0, 1)), label="extra pixel")
    return {"arch": arch, "num_classes": draw(upto(4), label="num_classes"), "image_size": image_size,
            "hidden": draw(hidden, label="hidden"), "dropout": draw(dropout, label="dropout")}


BLOCKS, SMALL_VGGS = _blocks(), _small_vggs()
# Wide enough that two training-mode calls never drop the same units by chance.
WIDE_VGGS = _small_vggs(hidden=st.just(32))
OTHER_DROPOUTS = _small_vggs(hidden=st.just(32), dropout=st.sampled_from((0.2, 0.8)))
BLOCK_SIZES = upto(9, 2).map(lambda side: (side, side))

# The configuration the count check verifies by outputs: two blocks with different channels,
# s = 12 // 4 = 3, so the first Linear takes 6 * 3 * 3 = 54 features. A block of two convs shows a
# pool inside the loop; a batch of 64 of it is in every behaviour check.
COUNTED = {"arch": ((1, 4), (2, 6)), "num_classes": 3, "image_size": 12, "hidden": 10, "dropout": 0.5}
TWO_CONVS = {"num_convs": 2, "in_channels": 3, "out_channels": 4}
BLOCK_FIXED = ({"kwargs": TWO_CONVS, "N": 2, "size": (8, 8), "seed": 15},
               {"kwargs": TWO_CONVS, "N": 64, "size": (8, 8), "seed": 64})
VGG_FIXED = ({"kwargs": COUNTED, "N": 2, "size": None, "seed": 15},
             {"kwargs": COUNTED, "N": 64, "size": None, "seed": 64})
MODES_FIXED = ({"kwargs": {**COUNTED, "hidden": 32}, "N": 64, "size": None, "seed": 64},)
DROPOUT_FIXED = tuple({"kwargs": {**COUNTED, "hidden": 32, "dropout": p}, "N": n, "size": None, "seed": 15}
                      for p, n in ((0.2, 4), (0.8, 64)))
# A meta build is milliseconds, unless __init__ runs a dummy forward pass to size the classifier:
# PyTorch's first meta-device convolution then takes seconds (it loads its shape functions).
META_TIMEOUT = 15.0
LECTURE: tuple[tuple[str, dict, int, int], ...] = (  # model, kwargs, parameters: all, the conv base
    ("VGG16", {}, 138_357_544, 14_714_688),
    ("VGG11", {"arch": ARCHS["VGG11_ARCH"]}, 132_863_336, 9_220_480),
)


# --- Parameter counts: verified outputs of a small VGG, the lecture's tables as a claim ----------------------

def _verified_small(session: Session) -> None:
    """The points: a small VGG given the grader's weights computes the reference's logits, and holds
    exactly the reference's tensors (no more: the claim can only cost)."""
    x, shown = model_input(VGG, {"kwargs": COUNTED, "N": 64, "seed": 7, "size": None})
    model = with_weights(session, get_model(session, VGG, COUNTED, shown), shown)
    actual = ask(session, model, "forward", {"x": x, "mode": "eval"}, shown)["outputs"][0]
    expected = expected_output(model, x, "eval")
    mismatch = compare_arrays(expected, actual, **tolerance(expected))
    if mismatch is not None:
        raise fail(f"{VGG.call(COUNTED)}, given the grader's weights, {mismatch.message}: the count is checked "
                   "on a model that computes the reference's logits", model, shown,
                   Evidence(model=model, x=x, expected=expected, actual=actual), expected=expected, actual=actual)
    extra, missing = model.mapping.student_only, model.mapping.reference_only
    if extra or missing:  # outputs cannot tell a zero bias from none
        parts = ([f"holds tensors the reference does not: {', '.join(extra)}"] if extra else []) + \
            ([f"lacks tensors the reference has: {', '.join(missing)}"] if missing else [])
        raise fail(f"{VGG.call(COUNTED)} " + "; ".join(parts), model, shown)


def _counts(session: Session, example) -> None:
    _verified_small(session)
    name, kwargs, total, features = example
    shown, call = dict(kwargs), f"{VGG.call(kwargs)} ({name}, built without weights on the meta device)"
    info = session.request("meta.table", {"class": "VGG", "kwargs": kwargs, "attributes": ["features", "classifier"]},
                           function="VGG", inputs=shown, timeout=META_TIMEOUT)
    try:
        sizes, mine, attributes = read_table(info)
    except ValueError as error:
        raise fail(f"{call}: {error}", None, shown, function="VGG") from None
    theirs, problems = key.layer_counts(kwargs), []
    if name == "VGG16":
        problems += _constants(session, shown)
    problems += [f"model.{attribute} is {kind or 'missing'}: it must be an nn.Module attribute"
                 for attribute, kind in attributes.items() if kind != "Module"]
    found = sum(sizes.values())
    in_features = sum(count for tensor, count in sizes.items() if tensor.startswith("features."))
    if found != total:
        problems.append(f"{found:,} parameters, expected {total:,}")
    elif in_features != features:
        problems.append(f"model.features holds {in_features:,} parameters, expected {features:,}")
    elif mine != theirs:
        problems.append("the layers' own counts differ from the lecture's")
    if problems:
        rows = [f"  layer {index + 1}: {a:,}, expected {b:,}" for index, (a, b) in
                enumerate(zip(mine, theirs)) if a != b][:6]
        if len(mine) != len(theirs):
            rows.append(f"  {len(mine)} layers with parameters, expected {len(theirs)}")
        facts = {"lecture_table": name, "counts_differ": (found, mine) != (total, theirs)}
        raise fail(f"{call}:\n" + "\n".join(f"- {p}" for p in problems) + ("\n" + "\n".join(rows) if rows else ""),
                   None, shown, Evidence(facts=facts), function="VGG")


def _constants(session: Session, shown: dict) -> list[str]:
    """VGG16_ARCH and VGG11_ARCH as the paper's configurations D and A (the submission's claim: it can only cost)."""
    found = session.request("meta.values", {"names": list(ARCHS)}, function="VGG", inputs=shown)
    problems = []
    for constant, expected in ARCHS.items():
        value = found.get(constant) if isinstance(found, dict) else None
        try:
            same = value is not None and tuple(tuple(block) for block in value) == expected
        except TypeError:
            same = False
        if not same:
            problems.append(f"{constant} is {value!r}, expected {expected} ((convs, channels) per block)")
    return problems


# --- The dropout argument: training-mode outputs, torch seeded alike ------------------------------------------

def _device(model) -> str:
    return model.device if torch.cuda.is_available() else "cpu"  # dropout masks come from the device's generator


def _dropout_rate(session: Session, drawn: dict) -> None:
    """Two training-mode passes of VGG(..., dropout=p), torch seeded alike on both sides, give the reference's
    outputs: the same inputs dropped with probability p, the others scaled by 1 / (1 - p)."""
    x, shown = model_input(VGG, drawn)
    model = with_weights(session, get_model(session, VGG, drawn["kwargs"], shown), shown)
    seed, device = drawn["seed"], _device(model)
    actual = outputs(ask(session, model, "forward", {"x": x, "mode": "train", "repeat": 2, "seed": seed}, shown), 2)
    expected = oracle.passes(session, model.reference.but(model.variant), x, "train", seed=seed, repeat=2,
                             device=device)["outputs"]
    if is_recording():  # the kit then names the mistake on this case too
        with oracle.for_the_bank():
            _at_half(model, x, seed, device)
    wrong = [index + 1 for index, (want, got) in enumerate(zip(expected, actual))
             if compare_arrays(want, got, **tolerance(want)) is not None]
    if wrong:
        raise fail(f"{VGG.call(drawn['kwargs'])} in training mode, torch seeded with {seed} as the reference: call "
                   f"{' and '.join(map(str, wrong))} of two does not give the reference's outputs (Dropout(p) drops "
                   "each input with probability p = dropout and scales the others by 1 / (1 - p))", model, shown,
                   Evidence(model=model, x=x, mode="train", actual=actual[0], facts={"seed": seed, "device": device}))


def _at_half(model, x, seed: int, device: str) -> dict:
    """The reference's two training-mode passes with Dropout(0.5), whatever `dropout` was asked."""
    return oracle.passes(model.session, model.reference.but(model.variant, {"dropout": 0.5}), x, "train", seed=seed,
                         repeat=2, device=device)


def _dropout_ignored(evidence, outcome) -> bool:
    """Asked for another dropout, the model computes in training mode what the reference does with 0.5."""
    kwargs = evidence.model.kwargs if evidence.model is not None else {}
    if kwargs.get("dropout", 0.5) == 0.5 or evidence.actual is None or "seed" not in evidence.facts:
        return False
    wrong = _at_half(evidence.model, evidence.x, evidence.facts["seed"], evidence.facts["device"])["outputs"][0]
    return compare_arrays(wrong, evidence.actual, **tolerance(wrong)) is None


# --- Known mistakes -----------------------------------------------------------------------------------------

def _convs(evidence) -> list[dict]:
    found = units(model_info(evidence).get("calls", []))
    return [unit for unit in found if family(unit["type"]) == "conv" and unit["inputs"] and unit["output"]]


def _pooled_between_convs(evidence, outcome) -> bool:
    """Inside one block, a conv gets a smaller map than the conv before it gave: a pool in the loop."""
    convs = _convs(evidence)
    return any(later["inputs"][0][-1] < earlier["output"][-1] for earlier, later in zip(convs, convs[1:]))


def _pools_per_conv(evidence, outcome) -> bool:
    """A max pool before a block's last conv (pooling modules only: functional ones leave no trace)."""
    arch = (evidence.model.kwargs if evidence.model else {}).get("arch", ARCHS["VGG16_ARCH"])
    block, convs = 0, 0
    for call in model_info(evidence).get("calls", []):
        if call["unit"] and family(call["type"]) == "conv":
            convs += 1
        elif call["type"] == "MaxPool2d":
            if block < len(arch) and convs < arch[block][0]:
                return True
            block, convs = block + 1, 0
    return False


def _shapes(parameters: list, rank: int) -> list:
    return [list(shape) for _, shape, _ in parameters if len(shape) == rank]


def _flatten_size(evidence, outcome) -> bool:
    """The convolutions are the reference's, and so are the Linear layers but for the first one's input size:
    the classifier is not sized from arch and image_size."""
    if evidence.model is None:
        return False
    mine = evidence.model.info.get("parameters", [])
    theirs = oracle.structure(evidence.model.session, VGG, evidence.model.kwargs)["parameters"]
    a, b = _shapes(mine, 2), _shapes(theirs, 2)
    return _shapes(mine, 4) == _shapes(theirs, 4) and len(a) == len(b) > 0 and a[0][0] == b[0][0] \
        and a[0][1] != b[0][1] and a[1:] == b[1:]


def _unpadded(evidence, outcome) -> bool:
    return any(conv["output"][-1] == conv["inputs"][0][-1] - 2 for conv in _convs(evidence))


RELU = ("Your outputs are the reference's without the ReLUs: each 3x3 conv of a VGG block is followed by "
        "a ReLU (nn.ReLU(), the lecture's 'ReLU function for each hidden layer'); only the max pool comes "
        "without one.")
FLATTEN = ("The first Linear of the classifier gets a different number of features than the blocks give: it "
           "takes C * s * s, where C is the last block's channels and s = image_size // 2 ** len(arch) (each "
           "block halves the size): 512 * 7 * 7 = 25,088 for VGG16 at 224x224, but compute it from arch and "
           "image_size, not a constant.")
PADDING = ("A 3x3 conv without padding shrinks the map by 2 pixels: VGG's convolutions keep the size "
           "(stride 1, padding=1); only the max pools halve it.")

VGG_MISTAKES = (
    Mistake("pool_inside_loop", "vgg_block",
            "The max pool is inside the loop over the convolutions: a block has num_convs convs (each with "
            "its ReLU) and then one MaxPool2d(2, 2) at its end, so a block halves the size once, not once per conv.",
            detect=when(_pooled_between_convs)),
    Mistake("pool_inside_loop", "VGG",
            "A max pool comes before the last conv of a block: in vgg_block the MaxPool2d(2, 2) belongs after the loop "
            "over the convolutions, once per block, not once per conv.",
            detect=when(_pools_per_conv)),
    Mistake("missing_relu", "vgg_block", RELU, detect=reproduces(activation=nn.Identity)),
    Mistake("missing_relu", "VGG", RELU, detect=reproduces(activation=nn.Identity)),
    Mistake("wrong_padding", "vgg_block", PADDING, detect=when(_unpadded)),
    Mistake("wrong_padding", "VGG", PADDING, detect=when(_unpadded)),
    Mistake("wrong_flatten_size", "VGG", FLATTEN, detect=when(_flatten_size)),
    Mistake("wrong_defaults", "VGG",
            "Your VGG is right on small configurations, but VGG() is not the lecture's VGG16: the defaults "
            "must be arch=VGG16_ARCH, num_classes=1000, image_size=224, hidden=4096, dropout=0.5 (FC-4096, "
            "FC-4096, FC-1000 on 224x224 images).",
            detect=when(lambda evidence, _: evidence.facts.get("lecture_table") == "VGG16"
                        and evidence.facts.get("counts_differ"))),
    Mistake("dropout_in_eval", "VGG",
            "Dropout still drops in eval mode: two model.eval() calls on the same input differ. nn.Dropout "
            "follows model.train() / model.eval(); F.dropout(x, p) drops always unless given "
            "training=self.training.",
            detect=when(lambda evidence, _: evidence.facts.get("eval_varies"))),
    Mistake("dropout_ignored", "VGG",
            "Your Dropout ignores the dropout argument: in training mode your model drops as Dropout(0.5) does "
            "whatever dropout it is given. Pass it on: nn.Dropout(dropout) (or F.dropout(x, self.dropout, "
            "training=self.training)) after each hidden Linear layer.",
            detect=when(_dropout_ignored)),
)

EXERCISE = Exercise(
    id="exercise15",
    module=__name__.rpartition(".")[2],
    title="VGG",
    section="15. VGGNet",
    points=10,
    summary="vgg_block(num_convs, in_channels, out_channels), VGG16_ARCH, VGG11_ARCH, class VGG(nn.Module): "
            "blocks of 3x3 convs, then FC-hidden, FC-hidden, FC-num_classes, logits out",
    functions=("vgg_block", "VGG"),
    checks=(
        forward_check(
            BLOCK, draws(BLOCKS, batch=(1, 3), sizes=BLOCK_SIZES), points=2,
            name="vgg_block: outputs match the reference", max_examples=8, examples=BLOCK_FIXED,
            description="Given the reference's random weights, vgg_block(num_convs, in_channels, out_channels) maps "
                        "drawn batches (64 maps among them) to the reference's (N, out_channels, H // 2, W // 2): "
                        "3x3 convs with padding 1, a ReLU after each, one 2x2 max pool at the end."),
        structure_check(
            VGG, SMALL_VGGS, points=1.5, name="VGG: layers and output shapes", max_examples=4,
            examples=(COUNTED,),
            description="For small drawn arch, image_size, hidden and num_classes: the blocks' convs and the "
                        "three Linear layers, with the reference's shapes (Linear(C * s * s, hidden), "
                        "s = image_size // 2 ** len(arch))."),
        forward_check(
            VGG, draws(SMALL_VGGS, batch=(1, 3)), points=2, name="VGG: outputs match the reference",
            max_examples=5, examples=VGG_FIXED,
            description="Given the reference's random weights, the logits in eval mode equal the reference's "
                        "for small drawn configurations, on a batch of 64 images too."),
        modes_check(
            VGG, draws(WIDE_VGGS, batch=(3, 4)), points=1.5, name="VGG: Dropout in training mode only",
            max_examples=2, examples=MODES_FIXED,
            description="eval(): two calls on the same input give the reference's logits; train() (torch seeded "
                        "alike): the reference's logits, Dropout dropping the inputs of the second and third "
                        "Linear layers, and only those."),
        satisfies_property(
            "VGG", _dropout_rate, draws(OTHER_DROPOUTS, batch=(3, 4)),
            name="VGG: the dropout argument takes effect",
            points=1,
            max_examples=2,
            shrink_calls=15,
            examples=DROPOUT_FIXED,
            description="Built with dropout=0.2 or 0.8, in training mode with torch seeded alike, the model gives "
                        "the reference's outputs: each Dropout drops with the probability it was given."),
        holds_for_examples(
            "VGG", _counts, LECTURE,
            name="VGG: 138,357,544 parameters (VGG16), 132,863,336 (VGG11)",
            points=2,
            kind="the lecture's configuration",
            description="A small VGG of your class, given the grader's weights, computes the reference's logits "
                        "with exactly the reference's tensors; built without weights (meta device), VGG() has "
                        "138,357,544 parameters, 14,714,688 of them in model.features, per layer 1,792; 36,928; "
                        "73,856; ... 102,764,544; 16,781,312; 4,097,000; VGG(arch=VGG11_ARCH) 132,863,336."),
    ),
    mistakes=VGG_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True, "threads": 2},
)
