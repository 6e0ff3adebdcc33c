"""Right: pad2d is one np.pad, so uint8 or int64 input stays uint8 or int64 (the values are exact)."""
import numpy as np


def pad2d(x, pad):
    ph, pw = (pad, pad) if np.ndim(pad) == 0 else pad
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def conv2d_same(x, w, b=None):
    w = np.asarray(w, dtype=np.float64)
    F, C, KH, KW = w.shape
    x = pad2d(np.asarray(x, dtype=np.float64), (KH // 2, KW // 2))
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))  # (N, C, H, W, KH, KW)
    out = np.einsum("nchwij,fcij->nfhw", windows, w)
    return out if b is None else out + np.asarray(b, dtype=np.float64)[None, :, None, None]
