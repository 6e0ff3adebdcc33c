"""Section 5, "Stride": the filter moves `stride` pixels at a time, over the padded image."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.reference.padding import pad2d, pair


def output_size(size, kernel, stride=1, padding=0):
    """How many windows fit along one axis: (size + 2*padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    """A convolutional layer with stride and zero padding.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None   stride, padding: int or (for H, for W)
    returns (N, F, H', W'), float64, with H' = (H + 2*ph - KH) // sh + 1
    """
    (sh, sw), w = pair(stride), np.asarray(w, dtype=np.float64)
    windows = sliding_window_view(pad2d(x, padding), w.shape[2:], axis=(2, 3))[:, :, ::sh, ::sw]
    out = np.einsum("nchwkl,fckl->nfhw", windows, w)
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
