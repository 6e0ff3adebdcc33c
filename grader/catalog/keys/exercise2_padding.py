"""Exercise 2's answer key: the reference, what each known mistake returns, and the padding a probe adds."""

from typing import Literal

import numpy as np

from grader.reference import convolution
from grader.reference import padding as ref

pad2d = ref.pad2d
conv2d_same = ref.conv2d_same


def _zeros_around(x, before: tuple, after: tuple, mode: Literal["constant", "edge", "reflect"] = "constant"):
    """x (N, C, H, W) as float64, with `before` and `after` = (rows, columns) added by np.pad's `mode`."""
    return np.pad(np.asarray(x, dtype=np.float64),
                  ((0, 0), (0, 0), (before[0], after[0]), (before[1], after[1])), mode=mode)


def pad2d_below_right(x, pad):
    """np.pad's (before, after) written (0, ph): zeros below and to the right only."""
    return _zeros_around(x, (0, 0), ref.pair(pad))


def pad2d_above_left(x, pad):
    return _zeros_around(x, ref.pair(pad), (0, 0))


def pad2d_halved(x, pad):
    """`pad` taken as the total, half of it on each side."""
    return ref.pad2d(x, tuple(p // 2 for p in ref.pair(pad)))


def pad2d_hw_swapped(x, pad):
    return ref.pad2d(x, ref.pair(pad)[::-1])


def _half_filter(w) -> tuple[int, int]:
    KH, KW = np.shape(w)[2:]
    return KH // 2, KW // 2


def conv2d_same_below_right(x, w, b=None):
    """All KH - 1 rows below and KW - 1 columns to the right: the output keeps its size, shifted."""
    ph, pw = _half_filter(w)
    return convolution.conv2d(_zeros_around(x, (0, 0), (2 * ph, 2 * pw)), w, b)


def conv2d_same_above_left(x, w, b=None):
    ph, pw = _half_filter(w)
    return convolution.conv2d(_zeros_around(x, (2 * ph, 2 * pw), (0, 0)), w, b)


def conv2d_same_edge_padded(x, w, b=None):
    """np.pad(..., mode="edge"): copies of the border pixels instead of zeros."""
    padding = _half_filter(w)
    return convolution.conv2d(_zeros_around(x, padding, padding, mode="edge"), w, b)


def conv2d_same_reflect_padded(x, w, b=None):
    padding = _half_filter(w)
    return convolution.conv2d(_zeros_around(x, padding, padding, mode="reflect"), w, b)


def conv2d_same_padded_by_one(x, w, b=None):
    """Padding 1 whatever the filter, right for 3x3 only (raises where the filter does not fit)."""
    return convolution.conv2d(ref.pad2d(x, 1), w, b)


def conv2d_same_padded_by_filter(x, w, b=None):
    """KH - 1 rows on each side (the total taken for each side): a 'full' convolution, larger than x."""
    ph, pw = _half_filter(w)
    return convolution.conv2d(ref.pad2d(x, (2 * ph, 2 * pw)), w, b)


def padded_for_same(x, w):
    """x with the zeros conv2d_same adds, KH // 2 rows and KW // 2 columns on each side, in x's own
    dtype (a probe asks the student's conv2d_same again on it: an answer that comes out right means
    x was never padded)."""
    ph, pw = _half_filter(w)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
