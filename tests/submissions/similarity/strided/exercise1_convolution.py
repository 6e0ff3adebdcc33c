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
    img = np.ascontiguousarray(image, dtype=np.float64)
    k = np.asarray(kernel, dtype=np.float64)
    oh, ow = img.shape[0] - k.shape[0] + 1, img.shape[1] - k.shape[1] + 1
    s0, s1 = img.strides
    win = np.lib.stride_tricks.as_strided(img, shape=(oh, ow) + k.shape, strides=(s0, s1, s0, s1))
    return (win * k).sum(axis=(2, 3))


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    outputs = []
    for image_channels in np.asarray(x, dtype=np.float64):
        maps = []
        for f, filt in enumerate(np.asarray(w, dtype=np.float64)):
            acc = sum(correlate2d(channel, k) for channel, k in zip(image_channels, filt))
            maps.append(acc + (0 if b is None else b[f]))
        outputs.append(maps)
    return np.array(outputs, dtype=np.float64)
