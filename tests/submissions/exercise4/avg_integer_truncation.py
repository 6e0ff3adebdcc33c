"""Mistake: the average uses floor division, so pixel averages come out as whole numbers."""
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
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, c, i, j] = np.max(x[n, c, i * sh:i * sh + KH, j * sw:j * sw + KW])
    return out


def avg_pool2d(x, size=2, stride=None):
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - KH) // sh + 1, (W - KW) // sw + 1))
    for n in range(N):
        for c in range(C):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    window = x[n, c, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    out[n, c, i, j] = np.sum(window) // (KH * KW)  # pixels are whole numbers
    return out
