"""Mistake: the output is one row and one column too small (range(H - KH))."""
import numpy as np


def correlate2d(image, kernel):
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH, W - KW))
    for i in range(H - KH):
        for j in range(W - KW):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel.astype(float))
    return out


def conv2d(x, w, b=None):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH, W - KW))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH):
                for j in range(W - KW):
                    out[n, f, i, j] = np.sum(x[n, :, i:i + KH, j:j + KW] * w[f].astype(float))
            if b is not None:
                out[n, f] += b[f]
    return out
