"""LeNet-5 that ends with the lecture's softmax, copied from Keras into forward."""

import torch
from torch import nn


class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2, 2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2, 2),
        )
        self.dense1 = nn.Linear(576, 120)
        self.dense2 = nn.Linear(120, 84)
        self.dense3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.features(x).view(x.shape[0], -1)
        x = torch.tanh(self.dense1(x))
        x = torch.tanh(self.dense2(x))
        return torch.softmax(self.dense3(x), dim=1)
