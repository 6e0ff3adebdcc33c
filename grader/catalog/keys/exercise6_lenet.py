"""Exercise 6's answer key: the reference LeNet-5 as the model oracle builds it, known mistakes included."""

from torch import nn

from grader.reference import models as ref

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
POOLS = {"average": nn.AvgPool2d, "max": nn.MaxPool2d}


class LeNet5(ref.LeNet5):
    """The reference for the oracle's `(kwargs, **variant)`: a known mistake names its layers as data
    (activation="relu", pool="max"). A class, so that the course's key hands it over as it is: only
    the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, activation: str = "tanh", pool: str = "average"):
        super().__init__(**kwargs, activation=ACTIVATIONS[activation], pool=POOLS[pool])
