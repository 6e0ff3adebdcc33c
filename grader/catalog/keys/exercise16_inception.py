"""Exercise 16's answer key: the reference Inception module and its parameter count, global average
pooling, the 1x1 savings, and what each known mistake computes."""

import numpy as np
import torch

from grader.reference import inception as ref

conv_params = ref.conv_params
conv_macs = ref.conv_macs


class Inception(ref.Inception):
    """The reference for the oracle's `(kwargs, **variant)`. A class, so that the course's key hands it over as it
    is: only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, **variant):
        super().__init__(**kwargs, **variant)


def inception_count(kwargs: dict) -> int:
    """The parameters of Inception(**kwargs), built on the meta device."""
    with torch.device("meta"):
        return sum(p.numel() for p in ref.Inception(**kwargs).parameters())


def global_avg_pool(x: np.ndarray) -> np.ndarray:
    return ref.global_avg_pool(torch.from_numpy(x)).numpy()


def avg_pool_7(x: np.ndarray) -> np.ndarray:
    """nn.AvgPool2d(7)(x).flatten(1): GoogLeNet's last pooling, hard-coded (it needs maps of 7x7 or more)."""
    N, C, H, W = x.shape
    if H < 7 or W < 7:
        raise ValueError("a 7x7 window does not fit")
    return x[:, :, :H // 7 * 7, :W // 7 * 7].reshape(N, C, H // 7, 7, W // 7, 7).mean(axis=(3, 5)).reshape(N, -1)


def params_without_bias(in_channels, out_channels, kernel_size, bias=True) -> int:
    return out_channels * in_channels * kernel_size * kernel_size


def macs_without_input_channels(in_channels, out_channels, kernel_size, out_h, out_w) -> int:
    return out_channels * kernel_size * kernel_size * out_h * out_w
