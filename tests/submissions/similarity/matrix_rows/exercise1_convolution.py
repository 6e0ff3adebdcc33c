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
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    height = image.shape[0] - kernel.shape[0] + 1
    rows = [sum(np.convolve(image[i + k], kernel[k][::-1], mode="valid") for k in range(kernel.shape[0]))
            for i in range(height)]
    return np.array(rows, dtype=np.float64).reshape(height, image.shape[1] - kernel.shape[1] + 1)


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    result = []
    for sample in np.asarray(x, dtype=np.float64):
        per_filter = []
        for f in range(np.shape(w)[0]):
            planes = [correlate2d(sample[c], np.asarray(w, dtype=np.float64)[f, c]) for c in range(sample.shape[0])]
            total = np.sum(planes, axis=0)
            per_filter.append(total if b is None else total + float(b[f]))
        result.append(per_filter)
    return np.asarray(result, dtype=np.float64)
