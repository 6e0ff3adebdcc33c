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
    image = np.asarray(image, np.float64)
    kernel = np.asarray(kernel, np.float64)
    KH, KW = kernel.shape
    H2, W2 = image.shape[0] - KH + 1, image.shape[1] - KW + 1
    acc = np.zeros((H2, W2))
    for dy in range(KH):
        for dx in range(KW):
            acc += kernel[dy, dx] * image[dy:dy + H2, dx:dx + W2]
    return acc


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    KH, KW = w.shape[2:]
    H2, W2 = x.shape[2] - KH + 1, x.shape[3] - KW + 1
    acc = np.zeros((x.shape[0], w.shape[0], H2, W2))
    for dy in range(KH):
        for dx in range(KW):
            acc += np.einsum("nchw,fc->nfhw", x[:, :, dy:dy + H2, dx:dx + W2], w[:, :, dy, dx])
    if b is not None:
        acc += np.asarray(b, np.float64).reshape(-1, 1, 1)
    return acc
