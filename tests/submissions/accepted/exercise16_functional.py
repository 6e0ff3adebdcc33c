"""A right Inception written differently: convs in an nn.ModuleDict, functional ReLU and max
pooling, branches in a list; global pooling and the counts written another way."""

import torch
import torch.nn.functional as F
from torch import nn


class Inception(nn.Module):
    def __init__(self, in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
        super().__init__()
        self.convs = nn.ModuleDict({
            "one": nn.Conv2d(in_channels, c1, 1),
            "reduce3": nn.Conv2d(in_channels, c3_reduce, 1), "three": nn.Conv2d(c3_reduce, c3, 3, padding=1),
            "reduce5": nn.Conv2d(in_channels, c5_reduce, 1), "five": nn.Conv2d(c5_reduce, c5, 5, padding=2),
            "proj": nn.Conv2d(in_channels, pool_proj, 1),
        })

    def forward(self, x):
        c = self.convs
        branches = [
            F.relu(c["one"](x)),
            F.relu(c["three"](F.relu(c["reduce3"](x)))),
            F.relu(c["five"](F.relu(c["reduce5"](x)))),
            F.relu(c["proj"](F.max_pool2d(x, 3, stride=1, padding=1))),
        ]
        return torch.cat(branches, 1)


def global_avg_pool(x):
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


def conv_params(in_channels, out_channels, kernel_size, bias=True):
    return (in_channels * kernel_size ** 2 + int(bias)) * out_channels


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w):
    return conv_params(in_channels, out_channels, kernel_size, bias=False) * out_h * out_w
