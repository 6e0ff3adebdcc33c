"""A LeNet whose forward pass dereferences a null pointer: the worker dies of SIGSEGV."""

import ctypes

from torch import nn


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.fc = nn.Linear(3 * 32 * 32, num_classes)

    def forward(self, x):
        ctypes.string_at(0)
        return self.fc(x.flatten(1))
