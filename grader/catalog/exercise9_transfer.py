"""Exercise 9, transfer learning (sections 18, 19): freeze(), TransferModel and trainable_parameters().

The worker sees only the grader package, so the bases are specs it builds itself
(grader.worker.torch_inspect.build_base): VGG16's (random weights, for the lecture's counts)
and small ones with BatchNorm and Dropout, where a base left in training mode shows.
"""

import math

from hypothesis import strategies as st

from grader.checks import Session
from grader.exercise import Exercise, Mistake
from grader.model_behaviour import forward_check, modes_check
from grader.model_checks import FixedCheck, draws, fail, training_check
from grader.model_mistakes import output_is, raised, sigmoid, when
from grader.model_runs import Evidence, ModelSpec, get_model, request_op
from grader.strategies import upto
from grader.worker.torch_inspect import build_base, vgg16_spec
from reference import models as ref

BASES = {
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


def _reference(kwargs: dict, **variant):
    rest = {name: value for name, value in kwargs.items() if name != "base"}
    return ref.TransferModel(build_base(BASES[kwargs["base"]]["spec"]), **rest)


TRANSFER = ModelSpec(cls="TransferModel", reference=_reference,
                     input_shape=lambda kwargs: BASES[kwargs["base"]]["input"],
                     bases=lambda kwargs: {"base": BASES[kwargs["base"]]["spec"]})


@st.composite
def _small(draw) -> dict:
    base = draw(st.sampled_from(SMALL), label="base")
    return {"base": base, "feature_shape": BASES[base]["features"], "hidden": draw(upto(8), label="hidden"),
            "num_outputs": draw(upto(3), label="num_outputs")}


SMALL_MODELS = _small()
VGG = {"base": "vgg16", "feature_shape": (512, 6, 6)}
VGG_BASE_PARAMETERS = 14_714_688
VGG_HEAD = {"parameters": 4_719_105, "shapes": sorted([[256, 18432], [256], [1, 256], [1]])}


# --- freeze(module) ----------------------------------------------------------------------------------------

def _freeze(session: Session, example: dict) -> None:
    inputs = {"module": f"a small base: {example['base']}"}
    handle = f"freeze-{example['base']}"
    request_op(session, TRANSFER, "torch.build", {"handle": handle, "spec": BASES[example["base"]]["spec"],
                                                  "device": session.device}, inputs, function="freeze")
    evidence = Evidence()
    info = request_op(session, TRANSFER, "torch.apply", {"handle": handle, "function": "freeze"}, inputs, evidence,
                      function="freeze")
    evidence.facts.update(info)
    training = [name for name, _, grad in info["parameters"] if grad]
    problems = []
    if training:
        problems.append(f"after freeze(module), {len(training)} of {len(info['parameters'])} parameters still "
                        f"have requires_grad=True ({', '.join(training[:4])}{' ...' if len(training) > 4 else ''})")
    if info["returned"] != "the same module":
        problems.append(f"freeze(module) returned {info['returned']}; return the module it froze")
    if problems:
        raise fail("\n".join(f"- {p}" for p in problems), None, inputs, evidence, function="freeze")


# --- TransferModel on VGG16's base: the lecture's counts ----------------------------------------------------------

def _vgg_head(session: Session, kwargs: dict) -> None:
    inputs = dict(kwargs)
    model = get_model(session, TRANSFER, kwargs, inputs, forward=False)
    info = model.info
    base = set(info["base_parameters"])
    sizes = {name: math.prod(shape) for name, shape, _ in info["parameters"]}
    head = [(name, shape, grad) for name, shape, grad in info["parameters"] if name not in base]
    problems = []
    if not base:
        problems.append("the model holds none of the base's parameters: keep the `base` it is given "
                        "(self.base = base), not a copy")
    else:
        count = sum(sizes[name] for name in base)
        trainable = [name for name, _, grad in info["parameters"] if name in base and grad]
        if count != VGG_BASE_PARAMETERS:
            problems.append(f"the base holds {count:,} parameters in the model, "
                            f"expected VGG16's {VGG_BASE_PARAMETERS:,}")
        if trainable:
            problems.append(f"{sum(sizes[n] for n in trainable):,} of the base's {count:,} parameters still train "
                            "(requires_grad=True): the base must be frozen")
    head_count = sum(math.prod(shape) for _, shape, _ in head)
    if head_count != VGG_HEAD["parameters"] or sorted(shape for _, shape, _ in head) != VGG_HEAD["shapes"]:
        problems.append(f"the head has {head_count:,} parameters, shapes {sorted(shape for _, shape, _ in head)}; "
                        f"expected {VGG_HEAD['parameters']:,}: Linear(18432 -> 256) and Linear(256 -> 1), "
                        "weights and biases")
    frozen_head = [name for name, _, grad in head if not grad]
    if frozen_head:
        problems.append(f"head parameters are frozen (requires_grad=False): {', '.join(frozen_head)}")
    if problems:
        raise fail(f"{TRANSFER.call(kwargs)} with VGG16's base (14,714,688 parameters; features (512, 6, 6) "
                    "at 200x200):\n" + "\n".join(f"- {p}" for p in problems), model, inputs)


# --- Known mistakes -----------------------------------------------------------------------------------------------

def _info(evidence) -> dict:
    return evidence.model.info if evidence.model is not None else {}


def _base_trains(evidence, outcome) -> bool:
    info = _info(evidence)
    base = set(info.get("base_parameters", []))
    return any(grad for name, _, grad in info.get("parameters", []) if name in base)


def _head_frozen(evidence, outcome) -> bool:
    info = _info(evidence)
    base = set(info.get("base_parameters", []))
    return any(not grad for name, _, grad in info.get("parameters", []) if name not in base)


def _attribute_not_freeze(evidence, outcome) -> bool:
    return evidence.facts.get("requires_grad_attribute") or \
        (_info(evidence).get("base_requires_grad_attribute") and _base_trains(evidence, outcome))


def _not_frozen(evidence, outcome) -> bool:
    return _base_trains(evidence, outcome) and not _info(evidence).get("base_requires_grad_attribute")


def _whole_base_given(evidence, outcome) -> bool:
    base = set(_info(evidence).get("base_parameters", []))
    return bool(base & set(evidence.facts.get("given", []))) and not _base_trains(evidence, outcome)


def _base_in_training(evidence, outcome) -> bool:
    flags = evidence.facts.get("training", {})
    changed, expected = evidence.facts.get("buffers") or ([], [])
    return any(mine and not theirs for mine, theirs in flags.values()) or set(changed) - set(expected)


TRANSFER_MISTAKES = (
    Mistake("base_not_frozen", "TransferModel",
            "The base is not frozen: its parameters still have requires_grad=True, so training would change "
            "the pretrained weights (and the optimizer would get them). Call freeze(base) in __init__: the "
            "lecture's vgg_base.trainable = False.",
            detect=when(_not_frozen)),
    Mistake("head_frozen", "TransferModel",
            "The head is frozen too: freeze only the base (freeze(base), or freeze(self.base)), never the whole "
            "model, or nothing trains at all.",
            detect=lambda inputs, expected, outcome: raised("empty parameter list")(inputs, expected, outcome)
            or when(_head_frozen)(inputs, expected, outcome)),
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
        FixedCheck(
            name="freeze: no parameter trains any more", points=2, functions=("freeze",),
            examples=({"base": SMALL[0]}, {"base": SMALL[1]}), prop=_freeze, kind="a small base",
            description="freeze(module) sets requires_grad=False on every parameter of a small base "
                        "(conv, BatchNorm, ReLU, Dropout, pooling) and returns the module."),
        FixedCheck(
            name="TransferModel: the lecture's VGG16 model", points=2, functions=("TransferModel",),
            examples=(VGG,), prop=lambda session, kwargs: _vgg_head(session, kwargs), kind="VGG16's base",
            description="On VGG16's base (random weights) with feature_shape (512, 6, 6): the base's 14,714,688 "
                        "parameters frozen, a head of Linear(18432 -> 256) and Linear(256 -> 1), 4,719,105 "
                        "parameters, all training."),
        forward_check(
            TRANSFER, draws(SMALL_MODELS, batch=(1, 4)), points=2, name="TransferModel: outputs match the reference",
            description="On small bases with BatchNorm and Dropout and drawn hidden sizes (1-8) and outputs (1-3), "
                        "given the reference's random weights, the logits in eval mode equal the reference's.",
            max_examples=8),
        modes_check(
            TRANSFER, draws(SMALL_MODELS, batch=(2, 4)), points=2, name="TransferModel: the base stays in eval mode",
            description="After model.train(), the base's BatchNorm keeps its running statistics and its Dropout "
                        "drops nothing: two training-mode calls agree; model.eval() is deterministic too."),
        training_check(
            TRANSFER, ({"kwargs": {"base": SMALL[0], "feature_shape": (4, 3, 3), "hidden": 8, "num_outputs": 1},
                        "N": 8, "seed": 0, "size": None},),
            loss="bce", optimizer_gets="trainable_parameters", points=2,
            trains=lambda info: {n for n, *_ in info["parameters"]} - set(info["base_parameters"]),
            name="trainable_parameters: only the head trains",
            description="trainable_parameters(model) returns exactly the head's parameters; an SGD step with "
                        "nn.BCEWithLogitsLoss changes exactly those, and five steps on a fixed batch lower the loss."),
    ),
    mistakes=TRANSFER_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
