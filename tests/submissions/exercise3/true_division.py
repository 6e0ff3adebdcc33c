"""Mistake: output_size divides with /, so it returns a float (int() patched in where it crashed)."""
import numpy as np


def output_size(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) / stride + 1


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = int(output_size(H, KH, sh, ph)), int(output_size(W, KW, sw, pw))
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.reshape(b, (1, F, 1, 1))
    return out
