"""Exercise 4: pooling (lecture section 6, "Pooling").

Pooling shrinks each feature map on its own, channel by channel, with no weights to learn:
max pooling keeps the largest value of each window, average pooling the mean. The window
moves `stride` pixels at a time (by default its own size, so windows do not overlap); windows
that do not fit are dropped, so H' = (H - KH) // stride + 1 as in exercise 3, with no padding.

Grade your work with `grade exercise4`.
"""

import numpy as np


def _pair(value):
    """`2` -> `(2, 2)`; `(3, 2)` -> `(3, 2)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def max_pool2d(x, size=2, stride=None):
    """The largest value of each KH x KW window, for every image and channel.

    x: (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    size: int or (KH, KW)   stride: int or (sh, sw); None means stride = size
    returns (N, C, H', W'), floating point, with H' = (H - KH) // sh + 1:
        out[n, c, i, j] = max(x[n, c, i*sh:i*sh+KH, j*sw:j*sw+KW])
    """
    raise NotImplementedError("stride defaults to the window size; take the max of each window over its last two axes")


def avg_pool2d(x, size=2, stride=None):
    """The mean of each KH x KW window, for every image and channel.

    x: (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    size: int or (KH, KW)   stride: int or (sh, sw); None means stride = size
    returns (N, C, H', W'), floating point, with H' = (H - KH) // sh + 1:
        out[n, c, i, j] = sum(x[n, c, i*sh:i*sh+KH, j*sw:j*sw+KW]) / (KH * KW)
    """
    raise NotImplementedError("like max_pool2d, but the sum of each window divided by its area KH * KW, in floating point")
