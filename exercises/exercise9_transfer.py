"""Exercise 9: transfer learning with a frozen base (lecture sections 18 and 19).

Section 19 reuses VGG16's convolutional base, trained on ImageNet, and trains only a new head
for cats versus dogs:

    vgg_base = VGG16(weights='imagenet', include_top=False, input_shape=(200, 200, 3))
    vgg_model = Sequential([vgg_base, Flatten(), Dense(256, activation='relu'),
                            Dense(1, activation='sigmoid')])
    vgg_base.trainable = False

    layer                       output (PyTorch)       parameters
    vgg16 (the base)            (N, 512, 6, 6)       14,714,688   frozen
    Flatten()                   (N, 18432)                    0
    Dense(256, relu)            (N, 256)              4,718,848   trains
    Dense(1)                    (N, 1)                      257   trains

In PyTorch:
  - freeze(module): a parameter trains when its requires_grad is True; set it to False on every
    parameter of the module (parameter.requires_grad_(False), or module.requires_grad_(False)).
    Note: `module.requires_grad = False` only sets a new attribute on the module object and
    freezes nothing.
  - BatchNorm and Dropout layers of a base follow model.train() / model.eval(), not
    requires_grad: a frozen base must also stay in eval mode, or model.train() makes its
    BatchNorm layers update their statistics and its Dropout layers drop features. (In Keras,
    trainable=False also runs BatchNorm in inference mode, while Dropout still follows
    training.) In PyTorch override train() to put the base back into eval(): that does both.
  - The head returns logits (no sigmoid); nn.BCEWithLogitsLoss applies the sigmoid (Keras:
    Dense(1, activation='sigmoid') + binary_crossentropy), more stably than a sigmoid in forward.
  - The optimizer gets only what trains: torch.optim.RMSprop(trainable_parameters(model)).

The grader passes bases built for the test (VGG16's with random weights, and small ones with
BatchNorm and Dropout) and `feature_shape`, the shape of one image's features, (512, 6, 6) for
VGG16 at 200x200.

Grade your work with `grade exercise9`.
"""

import math

from torch import nn


def freeze(module):
    """Stop every parameter of `module` from training; return `module`."""
    raise NotImplementedError("set requires_grad to False on every parameter of module (not an attribute of the module itself)")


class TransferModel(nn.Module):
    """A frozen `base`, then Flatten -> Dense(hidden) + ReLU -> Dense(num_outputs): logits.

    base: an nn.Module mapping (N, 3, H, W) to features (N, *feature_shape).
    The base stays frozen and in eval mode, also after model.train().
    """

    def __init__(self, base, feature_shape, hidden=256, num_outputs=1):
        super().__init__()
        raise NotImplementedError("keep the base (frozen, in eval mode) and build the head: nn.Flatten(), nn.Linear(math.prod(feature_shape), hidden), nn.ReLU(), nn.Linear(hidden, num_outputs)")

    def train(self, mode=True):
        """model.train() / model.eval(): the head follows, the base stays in eval mode."""
        raise NotImplementedError("call super().train(mode), then put the base back into eval mode; return self")

    def forward(self, x):
        """x: (N, 3, H, W) -> logits (N, num_outputs)."""
        raise NotImplementedError("the head applied to the base's features (no sigmoid: return logits)")


def trainable_parameters(model):
    """The parameters the optimizer should get: those that train (the head's), as a list."""
    raise NotImplementedError("the parameters of model whose requires_grad is True")
