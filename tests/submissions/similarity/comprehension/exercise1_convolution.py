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
    I = np.asarray(image, float); K = np.asarray(kernel, float)
    kh, kw = K.shape
    return np.array([[float((I[i:i + kh, j:j + kw] * K).sum())
                      for j in range(I.shape[1] - kw + 1)]
                     for i in range(I.shape[0] - kh + 1)])


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    bias = np.zeros(len(w)) if b is None else np.asarray(b, float)
    return np.array([[sum(correlate2d(xc, wc) for xc, wc in zip(xn, wf)) + bf
                      for wf, bf in zip(np.asarray(w, float), bias)]
                     for xn in np.asarray(x, float)])
