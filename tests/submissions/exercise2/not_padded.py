"""Mistake: conv2d_same never pads x, so it slides the filters only where they fit (written with np.tensordot)."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    ph, pw = _pair(pad)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out


def conv2d_same(x, w, b=None):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[:, :, i, j] = np.tensordot(x[:, :, i:i + KH, j:j + KW], w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b, dtype=np.float64).reshape(1, F, 1, 1)
    return out
