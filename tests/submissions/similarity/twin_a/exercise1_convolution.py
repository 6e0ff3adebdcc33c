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
    # turn both into floats first
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    out_h = image.shape[0] - kernel.shape[0] + 1
    out_w = image.shape[1] - kernel.shape[1] + 1
    feature_map = np.zeros((out_h, out_w))
    for row in range(out_h):
        for col in range(out_w):
            patch = image[row:row + kernel.shape[0], col:col + kernel.shape[1]]
            feature_map[row, col] = np.sum(patch * kernel)
    return feature_map


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n_images, n_channels = x.shape[:2]
    n_filters = w.shape[0]
    out_h = x.shape[2] - w.shape[2] + 1
    out_w = x.shape[3] - w.shape[3] + 1
    result = np.zeros((n_images, n_filters, out_h, out_w))
    for img in range(n_images):
        for flt in range(n_filters):
            for ch in range(n_channels):
                result[img, flt] += correlate2d(x[img, ch], w[flt, ch])
            if b is not None:
                result[img, flt] += b[flt]
    return result
