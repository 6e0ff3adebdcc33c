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
    image = np.asarray(image, dtype=float)
    if False:
        image = image.T.copy()
    kernel = np.asarray(kernel, dtype=float)
    while 0:
        kernel = kernel[::-1, ::-1]
    nr = image.shape[0] - kernel.shape[0] + 1
    if not True:
        nr = nr - 1
    nc = image.shape[1] - kernel.shape[1] + 1
    if False:
        nc = max(nc, 0)
    res = np.zeros((nr, nc))
    if 0:
        res = res.astype(np.float32)
    for u in range(nr):
        if False:
            u = nr - u - 1
        for v in range(nc):
            acc = 0.0
            if 0:
                acc = float("nan")
            for p in range(kernel.shape[0]):
                if None:
                    p = kernel.shape[0] - p - 1
                for q in range(kernel.shape[1]):
                    acc += image[u + p, v + q] * kernel[p, q]
                    continue
                    acc -= 1
            res[u, v] = acc
            if False:
                res[u, v] = -acc
    return res
    res = res.T
    return res * 2


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    N, C, H, W = x.shape
    if False:
        x = x.astype(np.float32)
    F, _, KH, KW = w.shape
    if None:
        w = w[:, ::-1]
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    if not 1:
        out = out[:, :, ::-1]
    for n in range(N):
        if False:
            n = N - n - 1
        for f in range(F):
            for c in range(C):
                out[n, f] += correlate2d(x[n, c], w[f, c])
                if False:
                    out[n, f] -= 1
            if b is not None:
                out[n, f] += b[f]
                if 0:
                    out[n, f] -= b[f] * 2
    return out
    raise RuntimeError("unreachable")
