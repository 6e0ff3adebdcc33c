"""Mistake: output_size rounds with round(), so half a window or more counts as one, and conv2d_strided,
which uses it, slides one window too many where (H + 2*padding - KH) / stride ends in .5 or more."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def output_size(size, kernel, stride=1, padding=0):
    return round((size + 2 * padding - kernel) / stride) + 1


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = output_size(H, KH, sh, ph), output_size(W, KW, sw, pw)
    xp = np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, f, i, j] = np.sum(xp[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW] * w[f])
            if b is not None:
                out[n, f] += b[f]
    return out
