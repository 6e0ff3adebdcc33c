"""trainable_parameters() hands the optimizer every parameter, the frozen base included."""

import math

from torch import nn


def freeze(module):
    """Stop every parameter of `module` from training; return `module`."""
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    return module


class TransferModel(nn.Module):
    """A frozen `base`, then Flatten -> Dense(hidden) + ReLU -> Dense(num_outputs): logits.

    base: an nn.Module mapping (N, 3, H, W) to features (N, *feature_shape).
    The base stays frozen and in eval mode, also after model.train().
    """

    def __init__(self, base, feature_shape, hidden=256, num_outputs=1):
        super().__init__()
        self.base = freeze(base)
        self.base.eval()
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(math.prod(feature_shape), hidden), nn.ReLU(),
            nn.Linear(hidden, num_outputs),
        )

    def train(self, mode=True):
        """model.train() / model.eval(): the head follows, the base stays in eval mode."""
        super().train(mode)
        self.base.eval()
        return self

    def forward(self, x):
        """x: (N, 3, H, W) -> logits (N, num_outputs)."""
        return self.head(self.base(x))


def trainable_parameters(model):
    """The parameters the optimizer should get: those that train (the head's), as a list."""
    return list(model.parameters())
