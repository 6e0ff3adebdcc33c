"""Mistake: H and W read from the wrong axes, so the output comes out transposed."""
import numpy as np


def correlate2d(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    W, H = image.shape
    KW, KH = kernel.shape
    out = np.zeros((W - KW + 1, H - KH + 1)).T
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[j:j + KW, i:i + KH] * kernel)
    return out


def conv2d(x, w, b=None):
    x = np.asarray(x, dtype=np.float64)
    N, C, W, H = x.shape
    F, _, KW, KH = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            window = x[:, :, j:j + KW, i:i + KH]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b).reshape(1, F, 1, 1)
    return out
