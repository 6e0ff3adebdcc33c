"""Mistake: size and stride used as ints, so a (for H, for W) pair raises a TypeError."""
import numpy as np


def _pair(value):
    """`2` -> `(2, 2)`; `(3, 2)` -> `(3, 2)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def max_pool2d(x, size=2, stride=None):
    """The largest value of each KH x KW window, for every image and channel.

    x: (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    size: int or (KH, KW)   stride: int or (sh, sw); None means stride = size
    returns (N, C, H', W'), floating point, with H' = (H - KH) // sh + 1:
        out[n, c, i, j] = max(x[n, c, i*sh:i*sh+KH, j*sw:j*sw+KW])
    """
    x = np.asarray(x, dtype=np.float64)
    KH = KW = size
    sh = sw = size if stride is None else stride
    N, C, H, W = x.shape
    H_out, W_out = (H - KH) // sh + 1, (W - KW) // sw + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out


def avg_pool2d(x, size=2, stride=None):
    """The mean of each KH x KW window, for every image and channel.

    x: (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    size: int or (KH, KW)   stride: int or (sh, sw); None means stride = size
    returns (N, C, H', W'), floating point, with H' = (H - KH) // sh + 1:
        out[n, c, i, j] = sum(x[n, c, i*sh:i*sh+KH, j*sw:j*sw+KW]) / (KH * KW)
    """
    x = np.asarray(x, dtype=np.float64)
    KH = KW = size
    sh = sw = size if stride is None else stride
    N, C, H, W = x.shape
    H_out, W_out = (H - KH) // sh + 1, (W - KW) // sw + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = window.sum(axis=(2, 3)) / (KH * KW)
    return out
