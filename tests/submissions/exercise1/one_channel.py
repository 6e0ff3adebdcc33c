"""Mistake: only the first input channel is summed."""
import numpy as np


def correlate2d(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def conv2d(x, w, b=None):
    N, C, H, W = x.shape
    F = w.shape[0]
    out = np.zeros((N, F, H - w.shape[2] + 1, W - w.shape[3] + 1))
    for n in range(N):
        for f in range(F):
            out[n, f] = correlate2d(x[n, 0], w[f, 0])
            if b is not None:
                out[n, f] += b[f]
    return out
