"""Mistake: np.pad(x, pad) pads every axis, so the batch and the channels grow too."""
import numpy as np


def pad2d(x, pad):
    return np.pad(x.astype(np.float64), pad)


def conv2d_same(x, w, b=None):
    F, C, KH, KW = w.shape
    xp = pad2d(x, (KH // 2, KW // 2))
    N, H, W = x.shape[0], x.shape[2], x.shape[3]
    out = np.zeros((N, F, H, W))
    for n in range(N):
        for f in range(F):
            for i in range(H):
                for j in range(W):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + KH, j:j + KW] * w[f])
            if b is not None:
                out[n, f] += b[f]
    return out
