"""Exercise 6: LeNet-5 in PyTorch (lecture sections 12 and 14).

The lecture builds LeNet-5 for CIFAR-10 in Keras (section 14); build the same network as a
torch.nn.Module. PyTorch keeps images channels first: x is (N, 3, 32, 32), where Keras has
(N, 32, 32, 3).

    layer (lecture's Keras)                      output (PyTorch)    parameters
    Conv2D(6, (5, 5), padding='same', tanh)      (N, 6, 32, 32)             456
    AveragePooling2D((2, 2), strides=(2, 2))     (N, 6, 16, 16)               0
    Conv2D(16, (5, 5), padding='valid', tanh)    (N, 16, 12, 12)          2,416
    AveragePooling2D((2, 2), strides=(2, 2))     (N, 16, 6, 6)                0
    Flatten()                                    (N, 576)                     0
    Dense(120, tanh)                             (N, 120)                69,240
    Dense(84, tanh)                              (N, 84)                 10,164
    Dense(num_classes, softmax)                  (N, num_classes)           850
                                                 total                   83,126

'same' padding for a 5x5 kernel at stride 1 is padding=2 in PyTorch (2 pixels on every side);
'valid' is padding=0. Layers may be attributes, an nn.Sequential, or torch.nn.functional
calls (torch.tanh, F.avg_pool2d) in forward: the grader checks what the model computes.

The model returns logits: leave out the lecture's softmax. In PyTorch the loss applies it,
nn.CrossEntropyLoss()(logits, labels) = Keras's softmax output + categorical_crossentropy
(with integer labels instead of one-hot vectors).

Grade your work with `grade exercise6`.
"""

import torch
from torch import nn


class LeNet5(nn.Module):
    """LeNet-5 for 32x32 colour images: x (N, 3, 32, 32) -> logits (N, num_classes)."""

    def __init__(self, num_classes=10):
        super().__init__()
        # BEGIN SOLUTION: create the layers of the table: nn.Conv2d(3, 6, kernel_size=5, padding=2), nn.AvgPool2d(2), ..., nn.Linear(84, num_classes)
        self.conv1 = nn.Conv2d(3, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.fc1 = nn.Linear(16 * 6 * 6, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        # END SOLUTION

    def forward(self, x):
        """x: (N, 3, 32, 32) -> logits (N, num_classes); tanh after every layer but the last."""
        # BEGIN SOLUTION: conv, tanh, pool, conv, tanh, pool, flatten, then the dense layers (no softmax: return logits)
        x = self.pool(torch.tanh(self.conv1(x)))  # (N, 6, 16, 16)
        x = self.pool(torch.tanh(self.conv2(x)))  # (N, 16, 6, 6)
        x = torch.flatten(x, 1)  # (N, 576)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)
        # END SOLUTION
