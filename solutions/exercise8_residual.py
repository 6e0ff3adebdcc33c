"""Exercise 8: the residual block of ResNet (lecture section 17).

A residual block learns F(x) and adds its input back through a shortcut connection, so that
an identity mapping is easy to learn: out = ReLU(F(x) + shortcut(x)).

    F(x) = BN(conv3x3(ReLU(BN(conv3x3(x, stride)))))      the residual branch
    shortcut(x) = x                                       when the shape is kept
                = BN(conv1x1(x, stride))                  when the stride or the channels change

    conv 3x3: padding=1, bias=False (the BatchNorm right after it has its own shift, beta:
    a conv bias there would be cancelled by the normalisation and only waste parameters)

    x: (N, in_channels, H, W) -> (N, out_channels, H', W'), H' = (H - 1) // stride + 1

    parameters: 64 -> 64: 2 * 64*64*3*3 + 2 * (64 + 64) = 73,984
                64 -> 128, stride 2: 64*128*9 + 128*128*9 + 64*128 + 3 * (128 + 128) = 230,144

Add the shortcut before the last ReLU (not after a ReLU of the branch), and without writing
into x in place (`x += ...` changes the caller's tensor and breaks backpropagation).
Layers may be attributes, an nn.Sequential, or torch.nn.functional calls in forward.

Grade your work with `grade exercise8`.
"""

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """x (N, in_channels, H, W) -> ReLU(F(x) + shortcut(x)) (N, out_channels, H', W')."""

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        # BEGIN SOLUTION: two 3x3 convs (bias=False) with a BatchNorm each; a 1x1 conv + BatchNorm shortcut when stride != 1 or in_channels != out_channels
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.shortcut = nn.Identity()
        # END SOLUTION

    def forward(self, x):
        """x: (N, in_channels, H, W) -> (N, out_channels, H', W')."""
        # BEGIN SOLUTION: out = BN(conv(ReLU(BN(conv(x))))); return ReLU(out + shortcut(x))
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))
        # END SOLUTION
