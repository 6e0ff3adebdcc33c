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
    image = np.array(image, dtype=np.float64)
    kh, kw = np.shape(kernel)
    h_out, w_out = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    columns = np.empty((h_out * w_out, kh * kw))
    for index in range(h_out * w_out):
        top, left = divmod(index, w_out)
        columns[index] = image[top:top + kh, left:left + kw].ravel()
    return (columns @ np.ravel(kernel).astype(np.float64)).reshape(h_out, w_out)


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    x = np.array(x, dtype=np.float64)
    n_img, n_ch, h, wd = x.shape
    n_f, _, kh, kw = np.shape(w)
    h_out, w_out = h - kh + 1, wd - kw + 1
    cols = np.empty((n_img, h_out * w_out, n_ch * kh * kw))
    for index in range(h_out * w_out):
        top, left = divmod(index, w_out)
        cols[:, index] = x[:, :, top:top + kh, left:left + kw].reshape(n_img, -1)
    flat = np.reshape(w, (n_f, -1)).astype(np.float64)
    res = (cols @ flat.T).transpose(0, 2, 1).reshape(n_img, n_f, h_out, w_out)
    if b is not None:
        res = res + np.asarray(b, np.float64)[:, None, None]
    return res
