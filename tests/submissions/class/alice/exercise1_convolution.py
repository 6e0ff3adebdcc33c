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
    # BEGIN SOLUTION: for each output position (i, j), multiply the window by the kernel and sum (section 4)
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out
    # END SOLUTION


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    # BEGIN SOLUTION: out[n, f] sums the correlation of every channel x[n, c] with w[f, c], plus b[f]
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            window = x[:, :, i:i + KH, j:j + KW]  # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))  # (N, F)
    if b is not None:
        out += np.asarray(b, dtype=np.float64).reshape(1, F, 1, 1)
    return out
    # END SOLUTION
