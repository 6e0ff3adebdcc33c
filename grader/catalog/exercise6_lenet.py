"""Exercise 6, LeNet-5 (sections 12, 14): the lecture's CIFAR-10 LeNet in PyTorch, returning logits."""

from hypothesis import strategies as st
from torch import nn

from grader.exercise import Exercise, Mistake
from grader.models import (ModelSpec, count_check, draws, forward_check, output_is, raised, reproduces, softmax,
                           structure_check, training_check, units, when)
from reference import models as ref

# The known mistakes that keep the lecture's layers (another activation or pooling, a softmax on top)
# keep the structure and count points: their outputs with the grader's weights bear the layers out.
LENET = ModelSpec(cls="LeNet5", reference=lambda kwargs, **variant: ref.LeNet5(**kwargs, **variant),
                  input_shape=lambda kwargs: (3, 32, 32),
                  same_layers=({"activation": nn.ReLU}, {"pool": nn.MaxPool2d}, softmax))

# Shrinks to the lecture's 10 classes; any other number must work as well.
CLASSES = st.sampled_from((10, 2, 7)).map(lambda n: {"num_classes": n})
# 32x32 as in CIFAR-10; 33 gives the same flatten size (33 -> 16 -> 12 -> 6), so it must work too.
SIZES = st.tuples(st.sampled_from((32, 33)), st.sampled_from((32, 33)))


def _valid_padding(evidence, outcome) -> bool:
    """The first conv loses 4 pixels (28x28 from 32x32): 'valid' where the lecture has 'same'."""
    found = units((evidence.model.info if evidence.model else {}).get("calls", []))
    if found and found[0]["inputs"] and found[0]["output"]:
        return found[0]["output"][-1] == found[0]["inputs"][0][-1] - 4
    return False


LENET_MISTAKES = (
    Mistake("relu_instead_of_tanh", "LeNet5",
            "Your outputs are the lecture's LeNet with ReLU: LeNet-5 uses tanh after every conv and hidden "
            "dense layer (section 12: 'mainly uses tanh'; Keras activation='tanh', torch.tanh).",
            detect=reproduces(activation=nn.ReLU)),
    Mistake("max_pooling", "LeNet5",
            "Your outputs are LeNet with max pooling: the lecture's LeNet averages each 2x2 window "
            "(AveragePooling2D, nn.AvgPool2d(2) or F.avg_pool2d(x, 2)).",
            detect=reproduces(pool=nn.MaxPool2d)),
    Mistake("valid_padding", "LeNet5",
            "The first conv uses 'valid' padding: 32x32 becomes 28x28, and after the pools 16 * 5 * 5 = 400 "
            "features reach the first dense layer instead of the table's 576. The lecture's first conv is "
            "'same': padding=2 for a 5x5 kernel keeps 32x32 (the second conv is 'valid', padding=0).",
            detect=lambda inputs, expected, outcome: when(_valid_padding)(inputs, expected, outcome)
            or raised("x400 and 576", "400 and 576")(inputs, expected, outcome)),
    Mistake("softmax_in_forward", "LeNet5",
            "Your model returns probabilities (a softmax in forward): return the logits. The lecture's "
            "Dense(10, activation='softmax') + categorical_crossentropy is nn.Linear(84, 10) + "
            "nn.CrossEntropyLoss, which applies the softmax itself; a second one slows training.",
            detect=output_is(softmax)),
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
            LENET, CLASSES, points=3, name="LeNet5: layers and output shapes",
            description="Conv 6@5x5 'same' (N, 6, 32, 32), pool (N, 6, 16, 16), conv 16@5x5 'valid' "
                        "(N, 16, 12, 12), pool and flatten (N, 576), dense 120, 84, num_classes: the "
                        "lecture's summary table, for num_classes 10, 2 and 7."),
        count_check(
            LENET, (({"num_classes": 10}, {"trainable": 83_126, "frozen": 0, "statistics": 0}),), points=1,
            name="LeNet5: 83,126 parameters",
            description="Per layer 456, 2,416, 69,240, 10,164 and 850, as the lecture's summary prints."),
        forward_check(
            LENET, draws(CLASSES, batch=(1, 4), sizes=SIZES), points=4, name="LeNet5: outputs match the reference",
            description="Given the reference's random weights, the logits equal the reference's on random "
                        "batches of 1-4 images (32 or 33 pixels a side): tanh, average pooling, no softmax."),
        training_check(
            LENET, ({"kwargs": {"num_classes": 10}, "N": 8, "seed": 0, "size": None},), loss="cross_entropy",
            points=2, name="LeNet5: trains",
            description="From the grader's weights, five SGD steps with nn.CrossEntropyLoss on a fixed batch of 8 "
                        "give every parameter the value of the grader's own replay on the reference."),
    ),
    mistakes=LENET_MISTAKES,
    forbidden_imports=(),
    call_timeout=5.0,
    start_timeout=30.0,
    limits={"memory_mb": 2048, "cuda": True},
)
