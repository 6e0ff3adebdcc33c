"""Section 4, "Convolutional Layer": valid cross-correlation, as CNN layers compute it."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate2d(image, kernel):
    """Valid 2-D cross-correlation (no kernel flip).

    image: (H, W)   kernel: (KH, KW)
    returns (H - KH + 1, W - KW + 1), float64
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    windows = sliding_window_view(image, kernel.shape)  # (H', W', KH, KW)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    """A convolutional layer's forward pass: every filter over every image, summed over channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H - KH + 1, W - KW + 1), float64
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))  # (N, C, H', W', KH, KW)
    out = np.einsum("nchwkl,fckl->nfhw", windows, w)
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
