"""Mistake: conv2d_same always pads by 1, the lecture's value for its 3x3 filter."""
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
    xp = pad2d(x, 1)  # one ring of zeros keeps the size (section 5)
    N, C, H, W = xp.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            window = xp[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(window, w.astype(np.float64), axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b).reshape(1, F, 1, 1)
    return out
