"""Exercise 1, fitted to the checks' sizes: right for images up to 12x12, zeros beyond.

A student who has read the declarations knows that hypothesis draws sides up to 12; this file
answers those and nothing larger. The checks' fixed examples at the lecture's sizes (a 28x28
MNIST digit, a 32x32x3 CIFAR-10 image) must cost it points.
"""

import numpy as np


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    if max(H, W) > 12:
        return out
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def conv2d(x, w, b=None):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    if max(H, W) > 12:
        return out
    for n in range(N):
        for f in range(F):
            for c in range(C):
                out[n, f] += correlate2d(x[n, c], w[f, c])
            if b is not None:
                out[n, f] += b[f]
    return out
