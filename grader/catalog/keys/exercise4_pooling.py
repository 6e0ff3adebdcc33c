"""Exercise 4's answer key: the reference, and what each known mistake returns."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.reference import pooling as ref
from grader.reference.padding import pair

max_pool2d = ref.max_pool2d
avg_pool2d = ref.avg_pool2d


def max_pool2d_stride_1_by_default(x, size=2, stride=None):
    return ref.max_pool2d(x, size, 1 if stride is None else stride)


def avg_pool2d_stride_1_by_default(x, size=2, stride=None):
    return ref.avg_pool2d(x, size, 1 if stride is None else stride)


def _windows(x, size, stride):
    """(N, C, H', W', KH, KW) windows that fit, and (KH, KW), (sh, sw)."""
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    windows = sliding_window_view(np.asarray(x, dtype=np.float64), (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows, (KH, KW), (sh, sw)


def max_over_positions(x, size=2, stride=None):
    """The windows' max over axes (2, 3), the window positions, instead of the window's own axes."""
    return _windows(x, size, stride)[0].max(axis=(2, 3))


def last_element(x, size=2, stride=None):
    """The bottom-right element of each window: what a loop that assigns instead of compares keeps."""
    return _windows(x, size, stride)[0][..., -1, -1]


def max_from_zero(x, size=2, stride=None):
    """A running maximum that starts at 0."""
    return np.maximum(ref.max_pool2d(x, size, stride), 0)


def _started_windows(x, size, stride, reduce):
    """H // sh windows down and W // sw across, cut short by the edge: windows that start in the image."""
    (KH, KW), (sh, sw) = pair(size), pair(size if stride is None else stride)
    x = np.asarray(x, dtype=np.float64)
    rows, cols = x.shape[2] // sh, x.shape[3] // sw
    out = np.empty((*x.shape[:2], rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, :, i, j] = reduce(x[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW], axis=(2, 3))
    return out


def max_pool2d_started_windows(x, size=2, stride=None):
    return _started_windows(x, size, stride, np.max)


def avg_pool2d_started_windows(x, size=2, stride=None):
    return _started_windows(x, size, stride, np.mean)
