"""Exercise 6, LeNet-5 (sections 12, 14): the lecture's CIFAR-10 LeNet in PyTorch, returning logits.

The structure and outputs checks build the lecture's LeNet5() and one with another number of
classes (7), so that a hard-coded 10 costs points; the outputs and training checks run a batch of
64 images as well as small ones, so that a model fitted to the drawn batch sizes loses points
too. Each known mistake has a fixed example that exposes it whatever the seed, and is told by
what the model computes or which layers it calls on which shapes.
"""

from grader.authoring import (Exercise, Mistake, ModelSpec, answer_key, count_check, draws, forward_check, model_info,
                              output_is, reproduces, softmax, st, structure_check, training_check, units, when)

key = answer_key(__name__)

# The known mistakes that keep the lecture's layers (another activation or pooling, a softmax on top)
# keep the structure and count points: their outputs with the grader's weights bear the layers out.
LENET = ModelSpec(cls="LeNet5", reference=key.LeNet5, input_shape=lambda kwargs: (3, 32, 32),
                  same_layers=({"activation": "relu"}, {"pool": "max"}, softmax))

TEN, SEVEN = {"num_classes": 10}, {"num_classes": 7}
# Shrinks to the lecture's 10 classes; any other number must work as well.
CLASSES = st.sampled_from((10, 2, 7)).map(lambda n: {"num_classes": n})
# 32x32 as in CIFAR-10; 33 gives the same flatten size (33 -> 16 -> 12 -> 6), so it must work too.
SIZES = st.tuples(st.sampled_from((32, 33)), st.sampled_from((32, 33)))

# Fixed batches, tried first at every seed: two images for the lecture's 10 classes (every known
# mistake shows on them), and 64 images for 7 classes (a realistic batch, a class count other than 10).
BATCHES = ({"kwargs": TEN, "N": 2, "seed": 0, "size": None}, {"kwargs": SEVEN, "N": 64, "seed": 1, "size": None})


def _valid_padding(evidence, outcome) -> bool:
    """The first conv loses 4 pixels (28x28 from 32x32): 'valid' where the lecture has 'same'. Read from the
    layers the model called, which the worker reports even when the forward pass then fails."""
    found = units(model_info(evidence).get("calls", []))
    if found and found[0]["inputs"] and found[0]["output"]:
        return found[0]["output"][-1] == found[0]["inputs"][0][-1] - 4
    return False


def _classes_ignored(evidence, outcome) -> bool:
    """Asked for another number of classes than 10, the model still gives 10 scores per image."""
    asked = evidence.model.kwargs.get("num_classes") if evidence.model is not None else None
    output = model_info(evidence).get("output")
    return asked not in (None, 10) and isinstance(output, list) and output[-1:] == [10]


LENET_MISTAKES = (
    Mistake("relu_instead_of_tanh", "LeNet5",
            "Your outputs are the lecture's LeNet with ReLU: LeNet-5 uses tanh after every conv and hidden "
            "dense layer (section 12: 'mainly uses tanh'; Keras activation='tanh', torch.tanh).",
            detect=reproduces(activation="relu")),
    Mistake("max_pooling", "LeNet5",
            "Your outputs are LeNet with max pooling: the lecture's LeNet averages each 2x2 window "
            "(AveragePooling2D, nn.AvgPool2d(2) or F.avg_pool2d(x, 2)).",
            detect=reproduces(pool="max")),
    Mistake("valid_padding", "LeNet5",
            "The first conv uses 'valid' padding: 32x32 becomes 28x28, and after the pools 16 * 5 * 5 = 400 "
            "features reach the first dense layer instead of the table's 576. The lecture's first conv is "
            "'same': padding=2 for a 5x5 kernel keeps 32x32 (the second conv is 'valid', padding=0).",
            detect=when(_valid_padding)),
    Mistake("softmax_in_forward", "LeNet5",
            "Your model returns probabilities (a softmax in forward): return the logits. The lecture's "
            "Dense(10, activation='softmax') + categorical_crossentropy is nn.Linear(84, 10) + "
            "nn.CrossEntropyLoss, which applies the softmax itself; a second one slows training.",
            detect=output_is(softmax)),
    Mistake("num_classes_ignored", "LeNet5",
            "LeNet5(num_classes=7) still gives 10 scores per image: the last layer is written for CIFAR-10's "
            "10 classes. Use the argument, nn.Linear(84, num_classes), so that the same class serves any "
            "number of classes.",
            detect=when(_classes_ignored)),
)

EXERCISE = Exercise(
    id="exercise6",
    module=__name__.rpartition(".")[2],
    title="LeNet-5",
    section="12. LeNet, 14. Multiclass Classification by LeNet & AlexNet",
    summary="class LeNet5(nn.Module), __init__(self, num_classes=10): the lecture's CIFAR-10 LeNet, logits out",
    points=10,
    functions=("LeNet5",),
    checks=(
        structure_check(
            LENET, CLASSES, points=3, name="LeNet5: layers and output shapes", examples=(TEN, SEVEN),
            max_examples=3,
            description="Conv 6@5x5 'same' (N, 6, 32, 32), pool (N, 6, 16, 16), conv 16@5x5 'valid' "
                        "(N, 16, 12, 12), pool and flatten (N, 576), dense 120, 84, num_classes: the "
                        "lecture's summary table, for num_classes 10, 7 and 2."),
        count_check(
            LENET, ((TEN, {"trainable": 83_126, "frozen": 0, "statistics": 0}),), points=1,
            name="LeNet5: 83,126 parameters",
            description="Per layer 456, 2,416, 69,240, 10,164 and 850, as the lecture's summary prints."),
        forward_check(
            LENET, draws(CLASSES, batch=(1, 4), sizes=SIZES), points=4, name="LeNet5: outputs match the reference",
            examples=BATCHES, max_examples=6,
            description="Given the reference's random weights, the logits equal the reference's on a batch of 64 "
                        "images (7 classes) and on random batches of 1-4 images (32 or 33 pixels a side): tanh, "
                        "average pooling, no softmax."),
        training_check(
            LENET, ({"kwargs": TEN, "N": 64, "seed": 0, "size": None},), loss="cross_entropy",
            points=2, name="LeNet5: trains",
            description="From the grader's weights, five SGD steps with nn.CrossEntropyLoss on a fixed batch of "
                        "64 images give every parameter the value of the grader's own replay on the reference."),
    ),
    mistakes=LENET_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
