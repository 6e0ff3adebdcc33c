"""Mistake: uint8 images are padded with np.pad, which keeps uint8, and multiplied as uint8, so products wrap at 256."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    ph, pw = _pair(pad)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def conv2d_same(x, w, b=None):
    F, C, KH, KW = w.shape
    xp = pad2d(x, (KH // 2, KW // 2))
    N, _, H, W = x.shape
    out = np.zeros((N, F, H, W))
    for i in range(H):
        for j in range(W):
            window = xp[:, :, i:i + KH, j:j + KW]
            for f in range(F):
                out[:, f, i, j] = np.sum(window * w[f], axis=(1, 2, 3))
    if b is not None:
        out += np.asarray(b, dtype=np.float64).reshape(1, F, 1, 1)
    return out
