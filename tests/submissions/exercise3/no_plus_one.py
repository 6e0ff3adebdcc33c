"""Mistake: the output size forgets the + 1 (the window at position 0 is not counted)."""
import numpy as np


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def output_size(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) // stride


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, output_size(H, KH, sh), output_size(W, KW, sw)))
    for n in range(N):
        for f in range(F):
            for i in range(out.shape[2]):
                for j in range(out.shape[3]):
                    out[n, f, i, j] = np.sum(x[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW] * w[f])
            if b is not None:
                out[n, f] += b[f]
    return out
