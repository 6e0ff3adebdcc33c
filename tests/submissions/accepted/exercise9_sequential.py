"""Transfer learning with one nn.Sequential holding the base and the head, frozen with requires_grad_."""

from torch import nn


def freeze(module):
    return module.requires_grad_(False)


class TransferModel(nn.Module):
    def __init__(self, base, feature_shape, hidden=256, num_outputs=1):
        super().__init__()
        features = 1
        for size in feature_shape:
            features *= size
        self.base = freeze(base)
        self.net = nn.Sequential(base, nn.Flatten(), nn.Linear(features, hidden), nn.ReLU(),
                                 nn.Linear(hidden, num_outputs))

    def train(self, mode=True):
        super().train(mode)
        self.base.train(False)
        return self

    def forward(self, x):
        return self.net(x)


def trainable_parameters(model):
    return list(filter(lambda p: p.requires_grad, model.parameters()))
