"""Mistake: pad used as an int, so a (ph, pw) pair breaks np.pad."""
import numpy as np


def _pair(value):
    """`1` -> `(1, 1)`; `(2, 1)` -> `(2, 1)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    """Surround every image with zeros: `pad` rows above and below, `pad` columns left and right.

    x: (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    pad: int, or (ph, pw) for H and W; the padding on EACH side
    returns (N, C, H + 2*ph, W + 2*pw), floating point; N and C are not padded:
        out[:, :, ph:ph+H, pw:pw+W] == x, zeros everywhere else
    """
    x = np.asarray(x, dtype=np.float64)
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv2d_same(x, w, b=None):
    """A convolutional layer whose output keeps the input's height and width.

    x: (N, C, H, W)   w: (F, C, KH, KW) with KH and KW odd   b: (F,) or None
    returns (N, F, H, W), floating point: pad x by (KH // 2, KW // 2), then
        out[n, f, i, j] = sum(x_padded[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    w = np.asarray(w, dtype=np.float64)
    F, C, KH, KW = w.shape
    x = np.pad(np.asarray(x, dtype=np.float64), ((0, 0), (0, 0), (KH // 2, KH // 2), (KW // 2, KW // 2)))
    N, _, H, W = x.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            window = x[:, :, i:i + KH, j:j + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))  # (N, F)
    if b is not None:
        out += np.asarray(b, dtype=np.float64).reshape(1, F, 1, 1)
    return out
