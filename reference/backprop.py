"""Backward passes of the layers of exercises 1-5: the gradient of a scalar loss, given `dout`.

`dout` is the gradient at the layer's output, d(loss)/d(out), of the output's shape; each
function returns d(loss)/d(input) for every input. Checked against torch.autograd in tests/.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.reference.padding import pad2d, pair


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of conv2d_strided(x, w, b, stride, padding) (exercise 3).

    dout: (N, F, H', W')   x: (N, C, H, W)   w: (F, C, KH, KW)   stride, padding: int or (for H, for W)
    returns dx (N, C, H, W), dw (F, C, KH, KW), db (F,), float64
    """
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    dout, w = np.asarray(dout, dtype=np.float64), np.asarray(w, dtype=np.float64)
    x_padded = pad2d(x, padding)
    (_, _, H, W), (_, _, KH, KW), (_, _, H_out, W_out) = np.shape(x), w.shape, dout.shape
    windows = sliding_window_view(x_padded, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]  # (N, C, H', W', KH, KW)
    dw = np.einsum("nchwkl,nfhw->fckl", windows, dout)
    db = dout.sum(axis=(0, 2, 3))
    dx_padded = np.zeros_like(x_padded)
    for i in range(KH):  # pixel (i, j) of every window: windows overlap where the stride is below the kernel
        for j in range(KW):
            dx_padded[:, :, i:i + sh * H_out:sh, j:j + sw * W_out:sw] += np.einsum("nfhw,fc->nchw", dout, w[:, :, i, j])
    return dx_padded[:, :, ph:ph + H, pw:pw + W], dw, db


def _pool_windows(x, size, stride):
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    windows = sliding_window_view(np.asarray(x, dtype=np.float64), (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows, (KH, KW), (sh, sw)


def max_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of max_pool2d(x, size, stride) (exercise 4): each window's dout goes to its maximum.

    Where a window holds several equal maxima, the first in row-major order gets it (PyTorch's
    choice); overlapping windows add up. Returns dx (N, C, H, W), float64.
    """
    windows, (KH, KW), (sh, sw) = _pool_windows(x, size, stride)
    N, C, H_out, W_out = windows.shape[:4]
    first = windows.reshape(N, C, H_out, W_out, KH * KW).argmax(axis=-1)
    rows = np.arange(H_out)[:, None] * sh + first // KW
    cols = np.arange(W_out)[None, :] * sw + first % KW
    dx = np.zeros(np.shape(x))
    np.add.at(dx, (np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None], rows, cols),
              np.asarray(dout, dtype=np.float64))
    return dx


def avg_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of avg_pool2d(x, size, stride): each window's dout / (KH * KW) to all of its pixels."""
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    dout = np.asarray(dout, dtype=np.float64)
    H_out, W_out = dout.shape[2:]
    dx = np.zeros(np.shape(x))
    for i in range(KH):
        for j in range(KW):
            dx[:, :, i:i + sh * H_out:sh, j:j + sw * W_out:sw] += dout / (KH * KW)
    return dx


def dense_backward(dout, x, w):
    """Gradients of dense(x, w, b) = x @ w.T + b (exercise 5).

    dout: (N, M)   x: (N, D)   w: (M, D)   returns dx (N, D), dw (M, D), db (M,), float64
    """
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    return dout @ w, dout.T @ x, dout.sum(axis=0)


def relu_backward(dout, x):
    """dout where x > 0, else 0 (also at x == 0, as PyTorch)."""
    return np.where(np.asarray(x) > 0, np.asarray(dout, dtype=np.float64), 0.0)


def numerical_gradient(f, x, h=1e-5):
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h for every element i; x is left as it was."""
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        kept = x[index]
        x[index] = kept + h
        above = f(x)
        x[index] = kept - h
        below = f(x)
        x[index] = kept
        gradient[index] = (above - below) / (2 * h)
    return gradient
