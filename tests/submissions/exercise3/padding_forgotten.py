"""Mistake: the output size counts the padding, but the windows slide over the unpadded x; written with
np.tensordot, the last windows fail with "shape-mismatch for sum" (NumPy's broadcast error in other spellings)."""
import numpy as np


def _pair(value):
    """`2` -> `(2, 2)`; `(2, 1)` -> `(2, 1)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def output_size(size, kernel, stride=1, padding=0):
    """How many positions a `kernel`-wide window takes along an axis of `size` pixels.

    size, kernel, stride, padding: ints (padding on each side)
    returns an int: (size + 2*padding - kernel) // stride + 1
    """
    return (size + 2 * padding - kernel) // stride + 1


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    """A convolutional layer with stride and zero padding.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    stride, padding: int, or (for H, for W)
    returns (N, F, H', W'), floating point, with H' = output_size(H, KH, sh, ph) and
        out[n, f, i, j] = sum(x_padded[n, :, i*sh:i*sh+KH, j*sw:j*sw+KW] * w[f]) + b[f]
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out, W_out = output_size(H, KH, sh, ph), output_size(W, KW, sw, pw)
    padded = x
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = padded[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))  # (N, F)
    if b is not None:
        out += np.asarray(b, dtype=np.float64).reshape(1, F, 1, 1)
    return out
