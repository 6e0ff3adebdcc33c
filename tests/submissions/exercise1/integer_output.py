"""Mistake: the output array is created with an integer dtype, so fractions are cut off."""
import numpy as np


def correlate2d(image, kernel):
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1), dtype=int)
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW].astype(float) * kernel)
    return out


def conv2d(x, w, b=None):
    N, C, H, W = x.shape
    F = w.shape[0]
    out = np.zeros((N, F, H - w.shape[2] + 1, W - w.shape[3] + 1), dtype=int)
    for n in range(N):
        for f in range(F):
            for c in range(C):
                out[n, f] += correlate2d(x[n, c], w[f, c])
            if b is not None:
                out[n, f] += b[f]
    return out
