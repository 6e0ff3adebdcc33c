"""Exercise 16: GoogLeNet's Inception module, 1x1 convolutions and global average pooling
(lecture section 16).

An Inception module runs four branches side by side on the same input and concatenates their
outputs on the channel axis (dim=1 in PyTorch's (N, C, H, W)); every conv is followed by a ReLU
and keeps the size (H, W):

    branch 1: 1x1 conv -> c1
    branch 2: 1x1 conv -> c3_reduce, then 3x3 conv (padding 1) -> c3
    branch 3: 1x1 conv -> c5_reduce, then 5x5 conv (padding 2) -> c5
    branch 4: 3x3 max pool (stride 1, padding 1), then 1x1 conv -> pool_proj

Output channels: c1 + c3 + c5 + pool_proj. Inception (3a), Inception(192, 64, 96, 128, 16, 32, 32),
maps (N, 192, 28, 28) to (N, 256, 28, 28) with 163,696 parameters (163,328 weights + 368 biases).

The 1x1 "reduce" convolutions make the expensive 3x3 and 5x5 convolutions cheap. In 3a's 5x5
branch at 28x28, 192 -> 32 channels directly costs 192 * 32 * 5 * 5 * 28 * 28 = 120,422,400
multiply-adds; through a 16-channel 1x1 reduce it is 2,408,448 + 10,035,200 = 12,443,648.

Global average pooling replaces the big dense layers at the end: each feature map becomes its
mean, (N, C, H, W) -> (N, C), whatever H and W are (GoogLeNet's 7x7 is only one case).

Erratum: the lecture's GoogLeNet table (from the paper) has a params column that its own filter
columns do not give (4c: the filters have 509,440 weights without biases, the table says 463K),
and its ops column says 54M for 5a where the filters give 51.1M. The grader works from the filter
columns.

Grade your work with `grade exercise16`.
"""

import torch
from torch import nn


class Inception(nn.Module):
    """(N, in_channels, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W)."""

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        raise NotImplementedError("four branches as nn.Sequential: nn.Conv2d(in_channels, c1, 1) + nn.ReLU(); 1x1 -> c3_reduce + ReLU, 3x3 padding=1 -> c3 + ReLU; 1x1 -> c5_reduce + ReLU, 5x5 padding=2 -> c5 + ReLU; nn.MaxPool2d(3, stride=1, padding=1), 1x1 -> pool_proj + ReLU")

    def forward(self, x):
        """x: (N, in_channels, H, W) -> the four branches' outputs, concatenated on the channel axis."""
        raise NotImplementedError("torch.cat([...the four branches of x...], dim=1)")


def global_avg_pool(x):
    """x: (N, C, H, W) tensor -> (N, C): the mean of each feature map, for any H and W."""
    raise NotImplementedError("the mean over the two spatial axes (dims 2 and 3)")


def conv_params(in_channels, out_channels, kernel_size, bias=True):
    """The number of parameters of nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias), an int."""
    raise NotImplementedError("one kernel_size x kernel_size x in_channels filter per output channel, plus one bias each")


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w):
    """Multiply-adds of that convolution producing an out_h x out_w map per output channel, an int."""
    raise NotImplementedError("every one of the out_channels * out_h * out_w outputs sums in_channels * kernel_size**2 products")
