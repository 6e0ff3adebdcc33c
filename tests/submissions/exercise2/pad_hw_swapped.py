"""Mistake: pad=(a, b) read as (horizontal, vertical), the (x, y) order of image sizes in PIL."""
import numpy as np


def pad2d(x, pad):
    if isinstance(pad, int):
        pad = (pad, pad)
    pad_x, pad_y = pad  # x: left/right, y: top/bottom
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * pad_y, W + 2 * pad_x))
    out[:, :, pad_y:pad_y + H, pad_x:pad_x + W] = x
    return out


def conv2d_same(x, w, b=None):
    F, C, KH, KW = w.shape
    xp = pad2d(x, (KW // 2, KH // 2))
    N, _, H, W = x.shape
    out = np.zeros((N, F, H, W))
    for n in range(N):
        for f in range(F):
            for i in range(H):
                for j in range(W):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + KH, j:j + KW] * w[f])
            if b is not None:
                out[n, f] += b[f]
    return out
