"""Known mistake: the pool branch's 3x3 max pool without padding."""

import torch
from torch import nn


class Inception(nn.Module):
    """(N, in_channels, H, W) -> (N, c1 + c3 + c5 + pool_proj, H, W)."""

    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.branch1 = nn.Sequential(nn.Conv2d(in_channels, c1, kernel_size=1), nn.ReLU())
        self.branch2 = nn.Sequential(
            nn.Conv2d(in_channels, c3_reduce, kernel_size=1), nn.ReLU(),
            nn.Conv2d(c3_reduce, c3, kernel_size=3, padding=1), nn.ReLU(),
        )
        self.branch3 = nn.Sequential(
            nn.Conv2d(in_channels, c5_reduce, kernel_size=1), nn.ReLU(),
            nn.Conv2d(c5_reduce, c5, kernel_size=5, padding=2), nn.ReLU(),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1),
            nn.Conv2d(in_channels, pool_proj, kernel_size=1), nn.ReLU(),
        )

    def forward(self, x):
        """x: (N, in_channels, H, W) -> the four branches' outputs, concatenated on the channel axis."""
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)


def global_avg_pool(x):
    """x: (N, C, H, W) tensor -> (N, C): the mean of each feature map, for any H and W."""
    return x.mean(dim=(2, 3))


def conv_params(in_channels, out_channels, kernel_size, bias=True):
    """The number of parameters of nn.Conv2d(in_channels, out_channels, kernel_size, bias=bias), an int."""
    weights = out_channels * in_channels * kernel_size * kernel_size
    return weights + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w):
    """Multiply-adds of that convolution producing an out_h x out_w map per output channel, an int."""
    return out_channels * out_h * out_w * in_channels * kernel_size * kernel_size
