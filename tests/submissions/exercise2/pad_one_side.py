"""Mistake: np.pad's (before, after) written as (0, ph), so zeros go below and right only."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    ph, pw = _pair(pad)
    return np.pad(x.astype(np.float64), ((0, 0), (0, 0), (0, ph), (0, pw)))


def conv2d_same(x, w, b=None):
    F, C, KH, KW = w.shape
    N, _, H, W = x.shape
    xp = pad2d(x, (KH - 1, KW - 1))
    out = np.zeros((N, F, H, W))
    for i in range(H):
        for j in range(W):
            window = xp[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.reshape(1, F, 1, 1)
    return out
