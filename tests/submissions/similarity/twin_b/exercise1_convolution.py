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
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    num_imgs, num_ch = x.shape[:2]
    num_f = w.shape[0]
    hh = x.shape[2] - w.shape[2] + 1
    ww = x.shape[3] - w.shape[3] + 1
    output = np.zeros((num_imgs, num_f, hh, ww))
    for ii in range(num_imgs):
        for ff in range(num_f):
            for cc in range(num_ch):
                output[ii, ff] += correlate2d(x[ii, cc], w[ff, cc])
            if b is not None:
                output[ii, ff] += b[ff]
    return output


def correlate2d(image, kernel):
    """Slide `kernel` over `image` without flipping it; keep only positions where it fits.

    image: (H, W)   kernel: (KH, KW)   any real dtype, uint8 pixels (0-255) included
    returns (H - KH + 1, W - KW + 1), floating point:
        out[i, j] = sum(image[i:i+KH, j:j+KW] * kernel)
    """
    # cast the inputs
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    hh = image.shape[0] - kernel.shape[0] + 1
    ww = image.shape[1] - kernel.shape[1] + 1
    fmap = np.zeros((hh, ww))
    for r in range(hh):
        for c in range(ww):
            window = image[r:r + kernel.shape[0], c:c + kernel.shape[1]]
            fmap[r, c] = np.sum(window * kernel)
    return fmap
