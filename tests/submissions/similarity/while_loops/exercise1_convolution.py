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
    src = np.asarray(image).astype(np.float64)
    ker = np.asarray(kernel).astype(np.float64)
    out = np.zeros((src.shape[0] - ker.shape[0] + 1, src.shape[1] - ker.shape[1] + 1))
    i = 0
    while i < out.shape[0]:
        j = 0
        while j < out.shape[1]:
            out[i, j] = np.vdot(src[i:i + ker.shape[0], j:j + ker.shape[1]], ker)
            j += 1
        i += 1
    return out


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    x = np.asarray(x).astype(np.float64)
    w = np.asarray(w).astype(np.float64)
    out = np.zeros((x.shape[0], w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1))
    i = 0
    while i < out.shape[2]:
        j = 0
        while j < out.shape[3]:
            block = x[:, :, i:i + w.shape[2], j:j + w.shape[3]]
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", block, w)
            j += 1
        i += 1
    if b is not None:
        out += np.asarray(b, np.float64)[np.newaxis, :, np.newaxis, np.newaxis]
    return out
