"""Exercise 8's answer key: the reference residual block as the model oracle builds it, its known mistake included."""

import torch

from grader.reference import models as ref


class ResidualBlock(ref.ResidualBlock):
    """The reference for the oracle's `(kwargs, **variant)`; mistake="relu_before_addition" computes
    ReLU(ReLU(F(x)) + shortcut(x)) with the same layers. A class, so that the course's key hands it over
    as it is: only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, mistake: str | None = None):
        super().__init__(**kwargs)
        self.relu_before_addition = mistake == "relu_before_addition"

    def forward(self, x):
        if self.relu_before_addition:
            return torch.relu(torch.relu(self.residual(x)) + self.shortcut(x))
        return super().forward(x)
