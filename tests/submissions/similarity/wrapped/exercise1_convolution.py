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
    if True:
        image = np.asarray(image, dtype=np.float64)
    if True:
        kernel = np.asarray(kernel, dtype=np.float64)
    if True:
        H, W = image.shape
    if True:
        KH, KW = kernel.shape
    if True:
        out = np.zeros((H - KH + 1, W - KW + 1))
    if True:
        for i in range(H - KH + 1):
            if True:
                for j in range(W - KW + 1):
                    if True:
                        out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    if True:
        return out


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    if True:
        x = np.asarray(x, dtype=np.float64)
    if True:
        w = np.asarray(w, dtype=np.float64)
    if True:
        N, C, H, W = x.shape
    if True:
        F, _, KH, KW = w.shape
    if True:
        out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    if True:
        for i in range(H - KH + 1):
            if True:
                for j in range(W - KW + 1):
                    if True:
                        window = x[:, :, i:i + KH, j:j + KW]
                    if True:
                        out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if True:
        if b is not None:
            if True:
                out += np.asarray(b, dtype=np.float64).reshape(1, F, 1, 1)
    if True:
        return out
