"""Exercise 2: padding (lecture section 5, "Padding").

Every convolution without padding shrinks the image (a 3x3 filter turns 5x5 into 3x3), and
pixels at the border are used less often than pixels in the middle. Padding surrounds each
image with zeros first: with KH // 2 rows above and below and KW // 2 columns left and right,
an odd KH x KW filter gives back an image of the same size ("same" convolution).

Lecture note: one "Padding Effect 2" slide prints the with-padding count map with six columns
(4 6 6 6 6 4); for the 5x5 image it has five (4 6 6 6 4). The grader expects five.

Grade your work with `grade exercise2`.
"""

import numpy as np


def _pair(value):
    """`1` -> `(1, 1)`; `(2, 1)` -> `(2, 1)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def pad2d(x, pad):
    """Surround every image with zeros: `pad` rows above and below, `pad` columns left and right.

    x: (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    pad: int, or (ph, pw) for H and W; the padding on EACH side
    returns (N, C, H + 2*ph, W + 2*pw), floating point or x's dtype; N and C are not padded:
        out[:, :, ph:ph+H, pw:pw+W] == x, zeros everywhere else
    """
    raise NotImplementedError("make an array of zeros of the padded size and copy x into its middle (section 5)")


def conv2d_same(x, w, b=None):
    """A convolutional layer whose output keeps the input's height and width.

    x: (N, C, H, W)   w: (F, C, KH, KW) with KH and KW odd   b: (F,) or None
    returns (N, F, H, W), floating point: pad x by (KH // 2, KW // 2), then
        out[n, f, i, j] = sum(x_padded[n, :, i:i+KH, j:j+KW] * w[f]) + b[f]
    """
    raise NotImplementedError("pad with pad2d so that H + 2*ph - KH + 1 == H, then slide the filters as in exercise 1")
