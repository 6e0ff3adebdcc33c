"""Mistake: stride=None falls back to 1, so the default windows overlap."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def _pool(x, size, stride, reduce):
    if stride is None:
        stride = 1
    (KH, KW), (sh, sw) = _pair(size), _pair(stride)
    x = x.astype(np.float64)
    N, C, H, W = x.shape
    H_out, W_out = (H - KH) // sh + 1, (W - KW) // sw + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = reduce(x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW], axis=(2, 3))
    return out


def max_pool2d(x, size=2, stride=None):
    return _pool(x, size, stride, np.max)


def avg_pool2d(x, size=2, stride=None):
    return _pool(x, size, stride, np.mean)
