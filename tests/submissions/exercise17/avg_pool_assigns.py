"""Mistake: dx[window] = dout / (KH * KW), so where windows overlap only the last window's share stays."""
import numpy as np


def _pair(value):
    """`2` -> `(2, 2)`; `(2, 1)` -> `(2, 1)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def numerical_gradient(f, x, h=1e-5):
    """Central differences of the scalar function f at x.

    f: takes an array shaped like x, returns a number   x: float64 array, any shape
    returns an array shaped like x: grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h);
    x holds its original values again afterwards.
    """
    gradient = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        kept = x[index]
        x[index] = kept + h
        above = f(x)
        x[index] = kept - h
        below = f(x)
        x[index] = kept
        gradient[index] = (above - below) / (2 * h)
    return gradient


def relu_backward(dout, x):
    """ReLU lets the gradient through where its input was positive.

    dout, x: the same shape   returns dout where x > 0, else 0
    """
    return dout * (x > 0)


def dense_backward(dout, x, w):
    """Gradients of the fully-connected layer out = x @ w.T + b (exercise 5).

    dout: (N, M)   x: (N, D)   w: (M, D)
    returns dx (N, D), dw (M, D), db (M,)
    """
    dx = dout @ w
    dw = dout.T @ x
    db = dout.sum(axis=0)
    return dx, dw, db


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of conv2d_strided(x, w, b, stride, padding) (exercise 3).

    dout: (N, F, H', W')   x: (N, C, H, W)   w: (F, C, KH, KW)   stride, padding: int or (for H, for W)
    returns dx (N, C, H, W), dw (F, C, KH, KW), db (F,)
    Forward, out[n, f, i, j] = sum(x_padded[n, :, i*sh:i*sh+KH, j*sw:j*sw+KW] * w[f]) + b[f], so
        dw[f]  += dout[n, f, i, j] * that window        dx_padded[window] += dout[n, f, i, j] * w[f]
        db[f]   = the sum of dout[:, f] over N, H' and W'
    """
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, _, H_out, W_out = dout.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * sh, i * sh + KH), slice(j * sw, j * sw + KW)
            window = x_padded[:, :, rows, cols]  # (N, C, KH, KW)
            dw += np.einsum("nf,nckl->fckl", dout[:, :, i, j], window)
            dx_padded[:, :, rows, cols] += np.einsum("nf,fckl->nckl", dout[:, :, i, j], w)
    db = dout.sum(axis=(0, 2, 3))
    return dx_padded[:, :, ph:ph + H, pw:pw + W], dw, db


def max_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of max_pool2d(x, size, stride) (exercise 4).

    dout: (N, C, H', W')   x: (N, C, H, W)   size, stride: int or (for H, for W); stride None = size
    returns dx (N, C, H, W): each window's dout goes to the position of its maximum (where
    several are equal, to one of them); where windows overlap, their gradients add up.
    """
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x, dtype=np.float64)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * sh:i * sh + KH, j * sw:j * sw + KW]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * sh + a, j * sw + b] += dout[n, c, i, j]
    return dx


def avg_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of avg_pool2d(x, size, stride) (exercise 4).

    returns dx (N, C, H, W): each window's dout, divided by KH * KW, goes to every pixel of the
    window; where windows overlap, their gradients add up.
    """
    KH, KW = _pair(size)
    sh, sw = _pair(size if stride is None else stride)
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x, dtype=np.float64)
    for i in range(H_out):
        for j in range(W_out):
            dx[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW] = dout[:, :, i, j, None, None] / (KH * KW)
    return dx
