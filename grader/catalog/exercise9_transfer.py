"""Exercise 9, transfer learning (sections 18, 19): freeze(), TransferModel and trainable_parameters().

The worker sees only the grader package, so the bases are layer specs it builds itself
(grader.worker.torch_protocol): VGG16's (random weights, for the lecture's counts) and small
ones with BatchNorm and Dropout, where a base left in training mode shows. The checks that run a
model build it with hidden sizes and outputs other than the defaults (256, 1), and run a batch
of 64 images as well as small ones; each known mistake has a fixed example that exposes it
whatever the seed, told by what the model computes and which parameters train.
"""

from typing import Any

from torch import nn

from grader.authoring import (Exercise, Mistake, ModelSpec, answer_key, build_base, count_check, draws, forward_check,
                              freeze_check, model_info, modes_check, output_is, sigmoid, st, training_check, upto, when)

key = answer_key(__name__)

VGG16_LAYERS = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


def vgg16_spec() -> list:
    """VGG16's convolutional base as a layer spec: 13 convs 3x3 'same' + ReLU, 5 max pools 2x2."""
    spec, channels = [], 3
    for width in VGG16_LAYERS:
        if isinstance(width, str):  # "M"
            spec.append(["maxpool", 2])
        else:
            spec += [["conv", channels, width, 3, 1], ["relu"]]
            channels = width
    return spec


BASES: dict[str, dict[str, Any]] = {  # spec, input and features shapes
    "vgg16": {"spec": vgg16_spec(), "input": (3, 200, 200), "features": (512, 6, 6)},
    "conv-bn-relu-dropout-pool": {
        "spec": [["conv", 3, 4, 3, 1], ["bn", 4], ["relu"], ["dropout", 0.5], ["maxpool", 2]],
        "input": (3, 6, 6), "features": (4, 3, 3)},
    "conv-pool-conv-bn-relu-dropout": {
        "spec": [["conv", 3, 2, 3, 1], ["relu"], ["avgpool", 2], ["conv", 2, 3, 3, 1], ["bn", 3], ["relu"],
                 ["dropout", 0.3]],
        "input": (3, 4, 4), "features": (3, 2, 2)},
}
SMALL = ("conv-bn-relu-dropout-pool", "conv-pool-conv-bn-relu-dropout")


def vgg16_base() -> nn.Sequential:
    """VGG16's convolutional base with random weights, built as the checks build it (nothing is downloaded)."""
    return build_base(vgg16_spec())


# A sigmoid on the logits keeps the layers (and the count's points): its outputs bear them out.
TRANSFER = ModelSpec(cls="TransferModel", reference=key.TransferModel,
                     input_shape=lambda kwargs: BASES[kwargs["base"]]["input"],
                     bases=lambda kwargs: {"base": BASES[kwargs["base"]]["spec"]}, same_layers=(sigmoid,))


def small_model(base: str, hidden: int, num_outputs: int) -> dict:
    """TransferModel's keyword arguments on one of the SMALL bases."""
    return {"base": base, "feature_shape": BASES[base]["features"], "hidden": hidden, "num_outputs": num_outputs}


@st.composite
def _small(draw) -> dict:
    base = draw(st.sampled_from(SMALL), label="base")
    return small_model(base, draw(upto(8), label="hidden"), draw(upto(3), label="num_outputs"))


SMALL_MODELS = _small()
VGG = {"base": "vgg16", "feature_shape": (512, 6, 6)}
# The lecture's counts: VGG16's base 14,714,688 parameters, frozen; the head 4,718,848 + 257, training.
VGG_COUNTS = {"trainable": 4_719_105, "frozen": 14_714_688, "statistics": 0}
# A TransferModel small enough to verify by its outputs (VGG16's would mean sending 78 MB of weights).
SMALL_MODEL = small_model(SMALL[0], hidden=8, num_outputs=1)
# Fixed batches, tried first at every seed: on each small base, a hidden size and outputs other than the
# defaults (an ignored argument shows), two images and 64 images.
BATCHES = ({"kwargs": small_model(SMALL[0], hidden=5, num_outputs=3), "N": 2, "seed": 0, "size": None},
           {"kwargs": small_model(SMALL[1], hidden=7, num_outputs=2), "N": 64, "seed": 1, "size": None})


# --- Known mistakes -----------------------------------------------------------------------------------------------

# The detectors read what the worker says about the model (a claim: it only picks the hint) and
# what the grader verified (facts["moved"]: parameters that moved where the reference's stayed).

def _base(evidence) -> set:
    return set(model_info(evidence).get("module_parameters", {}).get("base", []))


def _base_trains(evidence, outcome) -> bool:
    base = _base(evidence)
    return any(grad for name, _, grad in model_info(evidence).get("parameters", []) if name in base)


def _head_frozen(evidence, outcome) -> bool:
    base = _base(evidence)
    return any(not grad for name, _, grad in model_info(evidence).get("parameters", []) if name not in base)


def _attribute_set(evidence) -> bool:
    """`module.requires_grad = False`: an attribute on the module object (freeze's, or the base's)."""
    return "requires_grad" in evidence.facts.get("flags", {}) or \
        "requires_grad" in model_info(evidence).get("module_flags", {}).get("base", {})


def _attribute_not_freeze(evidence, outcome) -> bool:
    return _attribute_set(evidence) and (bool(evidence.facts.get("flags")) or _base_trains(evidence, outcome))


def _not_frozen(evidence, outcome) -> bool:
    return _base_trains(evidence, outcome) and not _attribute_set(evidence)


def _whole_base_given(evidence, outcome) -> bool:
    base = _base(evidence)
    return bool(base & set(evidence.facts.get("given", []))) and not _base_trains(evidence, outcome)


def _base_in_training(evidence, outcome) -> bool:
    flags = evidence.facts.get("training", {})
    changed, expected = evidence.facts.get("buffers") or ([], [])
    return any(mine and not theirs for mine, theirs in flags.values()) or bool(set(changed) - set(expected))


TRANSFER_MISTAKES = (
    Mistake("base_not_frozen", "TransferModel",
            "The base is not frozen: its parameters still have requires_grad=True, so training would change "
            "the pretrained weights (and the optimizer would get them). Call freeze(base) in __init__: the "
            "lecture's vgg_base.trainable = False.",
            detect=when(_not_frozen)),
    Mistake("head_frozen", "TransferModel",
            "The head is frozen too: freeze only the base (freeze(base), or freeze(self.base)), never the whole "
            "model, or nothing trains at all.",
            detect=when(_head_frozen)),
    Mistake("requires_grad_attribute", "freeze",
            "`module.requires_grad = False` freezes nothing: it only sets a new attribute on the module object, "
            "which PyTorch never reads. Set it on the parameters: for p in module.parameters(): "
            "p.requires_grad_(False) (or module.requires_grad_(False), a method).",
            detect=when(_attribute_not_freeze)),
    Mistake("requires_grad_attribute", "TransferModel",
            "`module.requires_grad = False` freezes nothing: it only sets a new attribute on the module object, "
            "which PyTorch never reads. Set it on the parameters: for p in module.parameters(): "
            "p.requires_grad_(False) (or module.requires_grad_(False), a method).",
            detect=when(_attribute_not_freeze)),
    Mistake("whole_base_to_optimizer", "TransferModel",
            "trainable_parameters(model) also returns the frozen base's parameters: give the optimizer only the "
            "parameters that train, [p for p in model.parameters() if p.requires_grad] (Keras: "
            "model.trainable_weights). Frozen ones get no gradient; passing them only hides which weights train "
            "(and with weight decay or a later unfreeze, they would move).",
            detect=when(_whole_base_given)),
    Mistake("base_train_mode", "TransferModel",
            "model.train() put the frozen base back into training mode: its BatchNorm layers normalise with "
            "batch statistics and update their running ones, its Dropout layers drop features. requires_grad "
            "does not control that; override train() to call super().train(mode) and then self.base.eval().",
            detect=when(_base_in_training)),
    Mistake("sigmoid_in_forward", "TransferModel",
            "Your model returns probabilities (a sigmoid in forward): return the logits. The lecture's "
            "Dense(1, activation='sigmoid') + binary_crossentropy is nn.Linear(hidden, 1) + "
            "nn.BCEWithLogitsLoss, which applies the sigmoid itself (and is numerically safer).",
            detect=output_is(sigmoid)),
)

EXERCISE = Exercise(
    id="exercise9",
    module=__name__.rpartition(".")[2],
    title="Transfer learning",
    section="18. Transfer Learning, 19. Binary Classification with Transfer Learning",
    summary="freeze(module), class TransferModel(nn.Module) (frozen base + Dense head, logits out), "
            "trainable_parameters(model)",
    points=10,
    functions=("freeze", "TransferModel", "trainable_parameters"),
    checks=(
        freeze_check(
            "freeze", tuple((name, BASES[name]["spec"], BASES[name]["input"]) for name in SMALL), points=2,
            name="freeze: no parameter trains any more",
            description="In a model (small base, Flatten, Linear) with the grader's weights, after freeze(model[0]) "
                        "SGD steps on every parameter with requires_grad move only the Linear layer, exactly as "
                        "the grader's replay; freeze returns the module it froze."),
        count_check(
            TRANSFER, ((VGG, VGG_COUNTS),), forward=False, verify_with=SMALL_MODEL, points=2,
            name="TransferModel: the lecture's VGG16 model",
            description="On VGG16's base (random weights) with feature_shape (512, 6, 6): the base's 14,714,688 "
                        "parameters frozen, a head of Linear(18432 -> 256) and Linear(256 -> 1), 4,719,105 "
                        "parameters, all training; on a small base, the outputs bear the layers out."),
        forward_check(
            TRANSFER, draws(SMALL_MODELS, batch=(1, 4)), points=2, name="TransferModel: outputs match the reference",
            examples=BATCHES,
            description="On small bases with BatchNorm and Dropout and drawn hidden sizes (1-8) and outputs (1-3), "
                        "given the reference's random weights, the logits in eval mode equal the reference's, on "
                        "batches of 1-4 images and of 64.",
            max_examples=6),
        modes_check(
            TRANSFER, draws(SMALL_MODELS, batch=(2, 4)), points=2, name="TransferModel: the base stays in eval mode",
            examples=({"kwargs": small_model(SMALL[0], hidden=5, num_outputs=1), "N": 64, "seed": 0, "size": None},),
            max_examples=2,
            description="After model.train(), the base's BatchNorm keeps its running statistics and its Dropout "
                        "drops nothing: two training-mode calls agree; model.eval() is deterministic too. On a batch "
                        "of 64 images and on drawn ones."),
        training_check(
            TRANSFER, ({"kwargs": SMALL_MODEL, "N": 64, "seed": 0, "size": None},),
            loss="bce", optimizer_gets="trainable_parameters", points=2,
            name="trainable_parameters: only the head trains",
            description="From the grader's weights, five SGD steps (nn.BCEWithLogitsLoss, weight decay) on a batch "
                        "of 64 images with what trainable_parameters(model) returns move exactly the head's "
                        "parameters, as the grader's replay does: a frozen parameter given to the optimizer would "
                        "decay."),
    ),
    mistakes=TRANSFER_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
