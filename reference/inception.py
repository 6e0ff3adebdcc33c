"""Section 16's GoogLeNet pieces: the Inception module, global average pooling, and what 1x1
convolutions save (parameters and multiply-adds).

Inception(in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj): four branches, each conv
followed by ReLU, concatenated on the channel axis:
  1x1 -> c1 | 1x1 -> c3_reduce, 3x3 (padding 1) -> c3 | 1x1 -> c5_reduce, 5x5 (padding 2) -> c5
  | 3x3 max pool (stride 1, padding 1), 1x1 -> pool_proj
x: (N, in_channels, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W). Inception 3a,
Inception(192, 64, 96, 128, 16, 32, 32): (N, 192, 28, 28) -> (N, 256, 28, 28), 163,696 parameters.
"""

import torch
from torch import nn

from grader.googlenet import GOOGLENET as GOOGLENET_TABLE  # noqa: F401 (the lecture's table, one copy for the grader too)


def conv_relu(in_channels, out_channels, kernel_size):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2), nn.ReLU())


class Inception(nn.Module):
    """GoogLeNet's Inception module: four branches concatenated on the channel axis."""

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.branch1 = conv_relu(in_channels, c1, 1)
        self.branch3 = nn.Sequential(conv_relu(in_channels, c3_reduce, 1), conv_relu(c3_reduce, c3, 3))
        self.branch5 = nn.Sequential(conv_relu(in_channels, c5_reduce, 1), conv_relu(c5_reduce, c5, 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv_relu(in_channels, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch3(x), self.branch5(x), self.branch_pool(x)], dim=1)


def global_avg_pool(x):
    """(N, C, H, W) -> (N, C): the mean of each feature map, for any H and W."""
    return x.mean(dim=(2, 3))


def conv_params(in_channels, out_channels, kernel_size, bias=True):
    """Weights (and biases) of a Conv2d: out * in * K * K (+ out)."""
    return out_channels * in_channels * kernel_size * kernel_size + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w):
    """Multiply-adds of a Conv2d: each of the out_h * out_w * out outputs sums in * K * K products."""
    return in_channels * out_channels * kernel_size * kernel_size * out_h * out_w
