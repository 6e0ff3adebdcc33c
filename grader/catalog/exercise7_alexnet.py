"""Exercise 7, AlexNet (sections 13, 14): the lecture's CIFAR-10 AlexNet in PyTorch, returning logits.

The structure and outputs checks build the lecture's AlexNet() and one with 7 classes, so that a
hard-coded 10 costs points; the outputs, modes and training checks run a batch of 64 images as
well as small ones. Each known mistake has a fixed example that exposes it whatever the seed, and
is told by what the model computes or which layers it calls on which shapes.
"""

from grader.authoring import (Exercise, Mistake, ModelSpec, answer_key, count_check, draws, family, forward_check,
                              model_info, modes_check, output_is, softmax, st, structure_check, training_check, units, when)

key = answer_key(__name__)

# Every PyTorch spelling of Keras's 'same' that gives the table's shapes: the first conv padded
# 7 to 10 pixels in all (Keras: 3 before, 4 after), the pools 0 + 1 (Keras, ceil_mode=True) or
# 1 + 1 (padding=1). Tried in this order until one reproduces the student's outputs; the first
# (padding=4, padding=1: all inside the layers) is what the structure check shows.
PADDINGS = tuple({"conv1_padding": conv, "pool_padding": pool}
                 for conv, pool in [((4, 4), (1, 1)), ((3, 4), (0, 1)), ((4, 4), (0, 1)), ((3, 4), (1, 1)),
                                    ((5, 5), (1, 1)), ((5, 5), (0, 1)), ((4, 3), (0, 1)), ((4, 3), (1, 1)),
                                    ((4, 5), (0, 1)), ((4, 5), (1, 1)), ((5, 4), (0, 1)), ((5, 4), (1, 1))])

ALEXNET = ModelSpec(cls="AlexNet", reference=key.AlexNet, input_shape=lambda kwargs: (3, 32, 32),
                    variants=PADDINGS, same_layers=(softmax,))

# Hypothesis draws the lecture's 10 classes only: every other num_classes costs another 8.5M-parameter
# model. The fixed examples add 7 classes once, and a batch of 64 images to each check that runs the model.
TEN, SEVEN = {"num_classes": 10}, {"num_classes": 7}
TEN_CLASSES = st.just(TEN)


def _batchnorm_before_pooling(evidence, outcome) -> bool:
    """A BatchNorm straight after its conv's ReLU: its input has the conv's size, not the pool's."""
    found = units(model_info(evidence).get("calls", []))
    return any(family(unit["type"]) == "batchnorm" and index and unit["inputs"]
               and unit["inputs"][0] == found[index - 1]["output"]
               for index, unit in enumerate(found))


def _classes_ignored(evidence, outcome) -> bool:
    """Asked for another number of classes than 10, the model still gives 10 scores per image."""
    asked = evidence.model.kwargs.get("num_classes") if evidence.model is not None else None
    output = model_info(evidence).get("output")
    return asked not in (None, 10) and isinstance(output, list) and output[-1:] == [10]


def _dropout_misplaced(evidence, outcome) -> bool:
    varies = evidence.facts.get("varies", {})
    return evidence.facts.get("after_last", False) or any(mine != theirs for mine, theirs in varies.values())


ALEXNET_MISTAKES = (
    Mistake("softmax_in_forward", "AlexNet",
            "Your model returns probabilities (a softmax in forward): return the logits. The lecture's "
            "Dense(10, activation='softmax') + categorical_crossentropy is nn.Linear(2048, 10) + "
            "nn.CrossEntropyLoss, which applies the softmax itself.",
            detect=output_is(softmax)),
    Mistake("batchnorm_before_pooling", "AlexNet",
            "A BatchNorm comes before its max pool: in the lecture's table each BatchNormalization follows "
            "the MaxPooling2D (conv, ReLU, pool, BatchNorm), so it normalises the pooled maps: (N, 96, 4, 4), "
            "(N, 256, 2, 2) and (N, 256, 1, 1).",
            detect=when(_batchnorm_before_pooling)),
    Mistake("dropout_before_dense", "AlexNet",
            "Dropout is in the wrong place: in the lecture's AlexNet each Dropout(0.5) comes after a hidden "
            "Dense layer and its ReLU (Dense 2048, ReLU, Dropout, Dense 2048, ReLU, Dropout, Dense 10), so it "
            "drops inputs of the second and third dense layers; none before the first, none on the logits.",
            detect=when(_dropout_misplaced)),
    Mistake("num_classes_ignored", "AlexNet",
            "AlexNet(num_classes=7) still gives 10 scores per image: the last layer is written for CIFAR-10's "
            "10 classes. Use the argument, nn.Linear(2048, num_classes), so that the same class serves any "
            "number of classes.",
            detect=when(_classes_ignored)),
)

EXERCISE = Exercise(
    id="exercise7",
    module=__name__.rpartition(".")[2],
    title="AlexNet",
    section="13. AlexNet, 14. Multiclass Classification by LeNet & AlexNet",
    summary="class AlexNet(nn.Module), __init__(self, num_classes=10): the lecture's CIFAR-10 AlexNet, logits out",
    points=10,
    functions=("AlexNet",),
    checks=(
        structure_check(
            ALEXNET, TEN_CLASSES, points=3, name="AlexNet: layers and output shapes", max_examples=1,
            examples=(TEN, SEVEN),
            description="Conv 96@11x11/4 (N, 96, 8, 8), pool and BatchNorm (N, 96, 4, 4), conv 256@5x5, pool, "
                        "BatchNorm (N, 256, 2, 2), convs 384, 384, 256 @3x3, pool, BatchNorm (N, 256, 1, 1), "
                        "dense 2048, 2048, num_classes: the lecture's summary table, for 10 classes and for 7."),
        count_check(
            ALEXNET, ((TEN, {"trainable": 8_491_594, "frozen": 0, "statistics": 1_216}),), points=1,
            name="AlexNet: 8,491,594 parameters + 1,216 statistics",
            description="Trainable parameters per layer as in the lecture's table, plus the BatchNorm running "
                        "means and variances (Keras's 1,216 non-trainable parameters): 8,492,810."),
        forward_check(
            ALEXNET, draws(TEN_CLASSES, batch=(1, 4)), points=3, name="AlexNet: outputs match the reference",
            examples=({"kwargs": TEN, "N": 2, "seed": 0, "size": None},
                      {"kwargs": SEVEN, "N": 64, "seed": 1, "size": None}),
            description="Given the reference's random weights (BatchNorm statistics included), the logits in eval "
                        "mode equal the reference's on a batch of 64 images (7 classes) and on random batches of "
                        "1-4 images, for any 'same' padding that gives the table's shapes.",
            max_examples=2),
        modes_check(
            ALEXNET, draws(TEN_CLASSES, batch=(4, 8)), points=2, name="AlexNet: Dropout and BatchNorm modes",
            examples=({"kwargs": TEN, "N": 64, "seed": 0, "size": None},), max_examples=1,
            description="On a batch of 64 images and one of 4-8: eval(): two calls give the reference's logits; "
                        "train() (torch seeded alike): the reference's logits, Dropout dropping the inputs of the "
                        "second and third dense layers (only those), and the reference's updated BatchNorm "
                        "statistics."),
        training_check(
            ALEXNET, ({"kwargs": TEN, "N": 64, "seed": 0, "size": None},), loss="cross_entropy",
            points=1, name="AlexNet: trains", steps=2,
            description="From the grader's weights, two SGD steps with nn.CrossEntropyLoss on a fixed batch of 64 "
                        "images (eval mode: Dropout off) give every parameter the value of the grader's own replay."),
    ),
    mistakes=ALEXNET_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True, "threads": 2},
)
