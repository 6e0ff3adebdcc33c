"""Exercise 17's answer key: the reference backward passes, what each known mistake returns, and the
geometry the strategies need (a convolution's output shape)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.reference import backprop as ref
from grader.reference.flatten import dense
from grader.reference.pooling import avg_pool2d, max_pool2d
from grader.reference.stride import conv2d_strided
from grader.reference.padding import pair

conv2d_backward = ref.conv2d_backward
max_pool2d_backward = ref.max_pool2d_backward
avg_pool2d_backward = ref.avg_pool2d_backward
dense_backward = ref.dense_backward
relu_backward = ref.relu_backward


def conv2d_output_shape(x_shape, w_shape, stride, padding) -> tuple:
    """(N, F, H', W') of conv2d_strided on x and w: the shape dout must have."""
    (N, _, H, W), (F, _, KH, KW), (sh, sw), (ph, pw) = x_shape, w_shape, pair(stride), pair(padding)
    return N, F, (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1


def relu_mask(dout, x):
    return (np.asarray(x) > 0).astype(np.float64)


def relu_backward_at_zero(dout, x):
    return np.asarray(dout, dtype=np.float64) * (np.asarray(x) >= 0)


def avg_pool2d_backward_undivided(dout, x, size=2, stride=None):
    return ref.avg_pool2d_backward(dout, x, size, stride) * np.prod(pair(size))


def _windows(dout, size, stride):
    """(i, j, rows, cols) of every window, in the order a loop over the output visits them."""
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    for i, j in np.ndindex(*np.shape(dout)[2:]):
        yield i, j, slice(i * sh, i * sh + KH), slice(j * sw, j * sw + KW)


def max_pool2d_backward_to_every_maximum(dout, x, size=2, stride=None):
    """Each window's dout added to every position equal to its maximum."""
    x, dx = np.asarray(x, dtype=np.float64), np.zeros(np.shape(x))
    for i, j, rows, cols in _windows(dout, size, stride):
        window = x[:, :, rows, cols]
        dx[:, :, rows, cols] += (window == window.max(axis=(2, 3), keepdims=True)) * dout[:, :, i, j, None, None]
    return dx


def max_pool2d_backward_assigned(dout, x, size=2, stride=None):
    """dx[argmax] = dout: where windows share a maximum, the last window's dout stays."""
    x, dx = np.asarray(x, dtype=np.float64), np.zeros(np.shape(x))
    for i, j, rows, cols in _windows(dout, size, stride):
        for n, c in np.ndindex(*x.shape[:2]):
            window = x[n, c, rows, cols]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            dx[n, c, rows.start + a, cols.start + b] = dout[n, c, i, j]
    return dx


def max_pool2d_backward_mask_assigned(dout, x, size=2, stride=None):
    """dx[window] = mask * dout: each window overwrites all of its pixels, its maximum and its zeros. A
    mistake only where windows overlap (elsewhere it is mask * dout added, which names no mistake of its own)."""
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    if sh >= KH and sw >= KW:
        raise ValueError("the windows do not overlap: assigning and adding give the same dx")
    x, dx = np.asarray(x, dtype=np.float64), np.zeros(np.shape(x))
    for i, j, rows, cols in _windows(dout, size, stride):
        window = x[:, :, rows, cols]
        dx[:, :, rows, cols] = (window == window.max(axis=(2, 3), keepdims=True)) * dout[:, :, i, j, None, None]
    return dx


def avg_pool2d_backward_assigned(dout, x, size=2, stride=None):
    """dx[window] = dout / (KH * KW): each window overwrites its pixels."""
    KH, KW = pair(size)
    dx = np.zeros(np.shape(x))
    for i, j, rows, cols in _windows(dout, size, stride):
        dx[:, :, rows, cols] = np.asarray(dout, dtype=np.float64)[:, :, i, j, None, None] / (KH * KW)
    return dx


def window_maxima(dout, x, size=2, stride=None):
    """Where each window's maxima are: (N, C, H', W', KH * KW) flat positions in x's (H, W) plane, -1 for a
    pixel of the window that is not a maximum."""
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    W = np.shape(x)[3]
    windows = sliding_window_view(np.asarray(x, dtype=np.float64), (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]
    N, C, H_out, W_out = windows.shape[:4]
    flat = windows.reshape(N, C, H_out, W_out, KH * KW)
    a, b = np.divmod(np.arange(KH * KW), KW)
    positions = (np.arange(H_out)[:, None, None] * sh + a) * W + np.arange(W_out)[None, :, None] * sw + b
    return np.where(flat == flat.max(axis=-1, keepdims=True), positions, -1)


def layer_loss(layer: str, point: dict) -> float:
    """L = sum(dout * layer(...)) at `point` (the backward's inputs, and b): the loss that gradient
    checking differentiates, whose value the worker's linear stand-in takes there."""
    x = point["x"]
    if layer == "relu":
        out = np.maximum(x, 0)
    elif layer == "dense":
        out = dense(x, point["w"], point["b"])
    elif layer == "conv2d":
        out = conv2d_strided(x, point["w"], point["b"], point.get("stride", 1), point.get("padding", 0))
    else:
        pool = max_pool2d if layer == "max_pool2d" else avg_pool2d
        out = pool(x, point.get("size", 2), point.get("stride"))
    return float(np.sum(np.asarray(point["dout"], dtype=np.float64) * out))
