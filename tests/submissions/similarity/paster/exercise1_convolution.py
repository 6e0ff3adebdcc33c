"""Exercise 1: convolution (lecture section 4, "Convolutional Layer").

A filter slides over the image; at each position the output is the sum of the window times
the filter. CNN layers do not flip the filter (strictly, this is cross-correlation).

Lecture erratum: the first worked example (the X-shaped image and the X-shaped filter) prints
3 in the centre of the feature map. The true value is 5: the centre window equals the filter,
so all five of the filter's ones meet a one. The grader expects 5.

Grade your work with `grade exercise1`.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate2d(image, kernel):
    """Slide `kernel` over `image` without flipping it; keep only positions where it fits.

    image: (H, W)   kernel: (KH, KW)   any real dtype, uint8 pixels (0-255) included
    returns (H - KH + 1, W - KW + 1), floating point:
        out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel)
    """
    img = np.asarray(image, dtype=np.float64)
    kern = np.asarray(kernel, dtype=np.float64)
    views = sliding_window_view(img, kern.shape)  # (H', W', KH, KW)
    return np.einsum("ijkl,kl->ij", views, kern)


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    inp = np.asarray(x, dtype=np.float64)
    weights = np.asarray(w, dtype=np.float64)
    views = sliding_window_view(inp, weights.shape[2:], axis=(2, 3))  # (N, C, H', W', KH, KW)
    result = np.einsum("nchwkl,fckl->nfhw", views, weights)
    if b is not None:
        result += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return result
