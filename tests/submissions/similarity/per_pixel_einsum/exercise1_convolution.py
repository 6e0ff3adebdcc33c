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
    pic = np.asarray(image, dtype=np.float64)
    filt = np.asarray(kernel, dtype=np.float64)
    fh, fw = filt.shape
    answer = np.empty((pic.shape[0] - fh + 1, pic.shape[1] - fw + 1))
    for (row, col), _ in np.ndenumerate(answer):
        answer[row, col] = np.einsum("ab,ab->", pic[row:row + fh, col:col + fw], filt)
    return answer


def conv2d(x, w, b=None):
    """A convolutional layer: every filter over every image, summed over the input channels.

    x: (N, C, H, W)   w: (F, C, KH, KW)   b: (F,) or None
    returns (N, F, H', W') with H' = H - KH + 1, W' = W - KW + 1, floating point:
        out[n, f, i, j] = sum(x[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    batch = np.asarray(x, dtype=np.float64)
    bank = np.asarray(w, dtype=np.float64)
    fh, fw = bank.shape[2], bank.shape[3]
    answer = np.empty((batch.shape[0], bank.shape[0], batch.shape[2] - fh + 1, batch.shape[3] - fw + 1))
    for index in np.ndindex(*answer.shape):
        n, f, row, col = index
        answer[index] = np.sum(batch[n, :, row:row + fh, col:col + fw] * bank[f])
        if b is not None:
            answer[index] += b[f]
    return answer
