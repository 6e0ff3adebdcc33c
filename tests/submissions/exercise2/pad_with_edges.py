"""Mistake: the border repeats the edge pixels, to avoid the 'drawback of zero padding' slide."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    ph, pw = _pair(pad)
    # zeros make dark borders (section 5), so copy the edge pixels outwards instead
    return np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="edge")


def conv2d_same(x, w, b=None):
    w = np.asarray(w, dtype=np.float64)
    F, C, KH, KW = w.shape
    xp = pad2d(x, (KH // 2, KW // 2))
    N, _, H, W = x.shape
    out = np.zeros((N, F, H, W))
    for i in range(H):
        for j in range(W):
            out[:, :, i, j] = np.tensordot(xp[:, :, i:i + KH, j:j + KW], w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b).reshape(1, F, 1, 1)
    return out
