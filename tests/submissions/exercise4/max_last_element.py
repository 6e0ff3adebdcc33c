"""Mistake: the loop over a window's pixels assigns each one instead of keeping the largest."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def max_pool2d(x, size=2, stride=None):
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - KH) // sh + 1, (W - KW) // sw + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            for a in range(KH):
                for b in range(KW):
                    out[:, :, i, j] = x[:, :, i * sh + a, j * sw + b]
    return out


def avg_pool2d(x, size=2, stride=None):
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - KH) // sh + 1, (W - KW) // sw + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            for a in range(KH):
                for b in range(KW):
                    out[:, :, i, j] += x[:, :, i * sh + a, j * sw + b]
    return out / (KH * KW)
