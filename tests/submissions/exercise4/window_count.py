"""Mistake: H // stride windows (right for 2x2 windows at stride 2, wrong once they overlap)."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def max_pool2d(x, size=2, stride=None):
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H // sh, W // sw))
    for i in range(H // sh):
        for j in range(W // sw):
            out[:, :, i, j] = x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW].max(axis=(2, 3))
    return out


def avg_pool2d(x, size=2, stride=None):
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H // sh, W // sw))
    for i in range(H // sh):
        for j in range(W // sw):
            out[:, :, i, j] = x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW].mean(axis=(2, 3))
    return out
