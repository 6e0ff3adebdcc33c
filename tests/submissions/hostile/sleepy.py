"""Correct, but sleeps 1.9 s per call (just under the 2 s call timeout).

Before each exercise had a time budget, this took 324 s for full marks on exercise 1. The
checks that do not finish within the budget must fail with "time budget used up".
"""
import time

import numpy as np


def correlate2d(image, kernel):
    time.sleep(1.9)
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def conv2d(x, w, b=None):
    time.sleep(1.9)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH + 1):
                for j in range(W - KW + 1):
                    out[n, f, i, j] = np.sum(x[n, :, i:i + KH, j:j + KW] * w[f])
    return out if b is None else out + np.asarray(b).reshape(1, F, 1, 1)
