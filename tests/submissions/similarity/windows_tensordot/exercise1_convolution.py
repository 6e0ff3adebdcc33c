"""Exercise 1: convolution (lecture section 4, "Convolutional Layer").

A filter slides over the image; at each position the output is the sum of the window times
the filter. CNN layers do not flip the filter (strictly, this is cross-correlation).

Lecture erratum: the first worked example (the X-shaped image and the X-shaped filter) prints
3 in the centre of the feature map. The true value is 5: the centre window equals the filter,
so all five of the filter's ones meet a one. The grader expects 5.

Grade your work with `grade exercise1`.
"""

import numpy as np


def correlate2d(image, kernel):
    """Slide `kernel` over `image` without flipping it; keep only positions where it fits.

    image: (H, W)   kernel: (KH, KW)   any real dtype, uint8 pixels (0-255) included
    returns (H - KH + 1, W - KW + 1), floating point:
        out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel)
    """
    from numpy.lib.stride_tricks import sliding_window_view as view
    patches = view(np.asarray(image, np.float64), np.shape(kernel))
    return np.tensordot(patches, np.asarray(kernel, np.float64), axes=2)


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    from numpy.lib.stride_tricks import sliding_window_view as view
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    patches = view(x, w.shape[-2:], axis=(-2, -1))           # N C H' W' KH KW
    out = np.tensordot(patches, w, axes=([1, 4, 5], [1, 2, 3]))  # N H' W' F
    out = out.transpose(0, 3, 1, 2)
    return out if b is None else out + np.reshape(b, (1, -1, 1, 1))
