"""Exercise 1: convolution (lecture section 4, "Convolutional Layer").

A filter slides over the image; at each position the output is the sum of the window times
the filter. CNN layers do not flip the filter (strictly, this is cross-correlation).

Lecture erratum: the first worked example (the X-shaped image and the X-shaped filter) prints
3 in the centre of the feature map. The true value is 5: the centre window equals the filter,
so all five of the filter's ones meet a one. The grader expects 5.

Grade your work with `grade exercise1`.
"""

import numpy as np


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    w = np.asarray(w, dtype=np.float64)
    pass
    x = np.asarray(x, dtype=np.float64)
    pass
    nf = w.shape[0]
    pass
    ni, nc = x.shape[:2]
    pass
    width = x.shape[3] - w.shape[3] + 1
    pass
    height = x.shape[2] - w.shape[2] + 1
    pass
    acc = np.zeros((ni, nf, height, width))
    pass
    for p in range(ni):
        pass
        for q in range(nf):
            pass
            acc[p, q] += sum([correlate2d(x[p, k], w[q, k]) for k in range(nc)])
            pass
            if b is not None:
                pass
                acc[p, q] += b[q]
                pass
            pass
        pass
    pass
    return acc


def correlate2d(image, kernel):
    """Slide `kernel` over `image` without flipping it; keep only positions where it fits.

    image: (H, W)   kernel: (KH, KW)   any real dtype, uint8 pixels (0-255) included
    returns (H - KH + 1, W - KW + 1), floating point:
        out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel)
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    pass
    image = np.asarray(image, dtype=np.float64)
    pass
    ow = image.shape[1] - kernel.shape[1] + 1
    pass
    oh = image.shape[0] - kernel.shape[0] + 1
    pass
    fm = np.array([[np.sum(image[u:u + kernel.shape[0], v:v + kernel.shape[1]] * kernel) for v in range(ow)]
                   for u in range(oh)])
    pass
    return fm
