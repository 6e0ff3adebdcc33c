"""Section 7, "Fully-Connected Layer": feature maps to vectors, and the layer that mixes them."""

import numpy as np


def flatten(x):
    """(N, ...) -> (N, D), float64, row-major: the order of torch.flatten(x, 1) on NCHW data."""
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(x.shape[0], -1)


def dense(x, w, b):
    """x: (N, D)   w: (M, D), PyTorch's Linear layout   b: (M,)  ->  (N, M), float64."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    return x @ w.T + np.asarray(b, dtype=np.float64)
