"""Mistake: dense computes x @ w.T + b on the arrays as given, so integer inputs give an int64 output."""
import numpy as np


def flatten(x):
    """One vector per sample: every axis after the first, row-major.

    x: (N, ...) such as (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    returns (N, D) with D the product of the other axes, floating point or x's dtype:
        out[n] lists x[n, 0, 0, 0], x[n, 0, 0, 1], ..., the last axis changing fastest
    """
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(x.shape[0], -1)


def dense(x, w, b):
    """A fully-connected layer: every output is a weighted sum of all D inputs, plus a bias.

    x: (N, D)   w: (M, D), PyTorch's Linear layout   b: (M,)
    returns (N, M), floating point:
        out[n, m] = sum(x[n, :] * w[m, :]) + b[m]
    """
    return x @ w.T + b
