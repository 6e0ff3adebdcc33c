"""Mistake: `pad` read as the total number of rows and columns to add, half on each side."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    ph, pw = _pair(pad)
    top, left = ph // 2, pw // 2  # half of the padding above, half below
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * top, W + 2 * left))
    out[:, :, top:top + H, left:left + W] = x
    return out


def conv2d_same(x, w, b=None):
    F, C, KH, KW = w.shape
    xp = pad2d(x, (KH - 1, KW - 1))  # a KH-tall filter needs KH - 1 extra rows in total
    N, _, H, W = x.shape
    out = np.zeros((N, F, H, W))
    for i in range(H):
        for j in range(W):
            window = xp[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b).reshape(1, F, 1, 1)
    return out
