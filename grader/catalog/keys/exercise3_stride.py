"""Exercise 3's answer key: the reference, what each known mistake returns, and the inputs its probes ask about."""

import numpy as np

from grader.reference import stride as ref
from grader.reference.padding import pair

output_size = ref.output_size
conv2d_strided = ref.conv2d_strided


def output_size_without_plus_one(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) // stride


def output_size_rounded_up(size, kernel, stride=1, padding=0):
    """math.ceil((size + 2*padding - kernel) / stride) + 1: a window that does not fit is counted."""
    return -(-(size + 2 * padding - kernel) // stride) + 1


def output_size_rounded(size, kernel, stride=1, padding=0):
    """round((size + 2*padding - kernel) / stride) + 1: half a window or more counts as one."""
    return round((size + 2 * padding - kernel) / stride) + 1


def output_size_padding_once(size, kernel, stride=1, padding=0):
    return (size + padding - kernel) // stride + 1


def _dense(x, w, b, padding):
    return ref.conv2d_strided(x, w, b, 1, padding)


def conv2d_strided_stride_not_applied(x, w, b=None, stride=1, padding=0):
    """The strided output's size, but window (i, j) read at row i, column j."""
    H_out, W_out = ref.conv2d_strided(x, w, b, stride, padding).shape[2:]
    return _dense(x, w, b, padding)[:, :, :H_out, :W_out]


def _strided_by(x, w, b, stride, padding, steps):
    """The strided output's size, window (i, j) read at (i * steps[0], j * steps[1])."""
    H_out, W_out = ref.conv2d_strided(x, w, b, stride, padding).shape[2:]
    return _dense(x, w, b, padding)[:, :, ::steps[0], ::steps[1]][:, :, :H_out, :W_out]


def conv2d_strided_rows_only(x, w, b=None, stride=1, padding=0):
    return _strided_by(x, w, b, stride, padding, (pair(stride)[0], 1))


def conv2d_strided_columns_only(x, w, b=None, stride=1, padding=0):
    return _strided_by(x, w, b, stride, padding, (1, pair(stride)[1]))


def conv2d_strided_first_stride_for_both(x, w, b=None, stride=1, padding=0):
    """stride=(sh, sw) read as sh for both axes."""
    return ref.conv2d_strided(x, w, b, pair(stride)[0], padding)


def conv2d_strided_without_plus_one(x, w, b=None, stride=1, padding=0):
    """H' and W' one too small: the last row and column of the answer are never computed."""
    return ref.conv2d_strided(x, w, b, stride, padding)[:, :, :-1, :-1]


def zero_padded(x, padding):
    """x with `padding` zeros on each side of H and W, in x's own dtype: asked again with it and
    padding=0, a conv2d_strided that never pads gets the answer right."""
    ph, pw = pair(padding)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def grown_to_fit(x, w, stride, padding):
    """x with rows of ones below and columns of ones to the right until the last window ends at the
    padded edge, or None where it already does: asked again on it, an output size that rounds up
    (round(), math.ceil) has nothing left to round and comes out right. (Ones, not zeros: a last
    window of zeros would agree with code that never computes it.)"""
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    (_, _, H, W), (_, _, KH, KW) = np.shape(x), np.shape(w)
    rows, columns = -(H + 2 * ph - KH) % sh, -(W + 2 * pw - KW) % sw
    if rows == columns == 0:
        return None
    return np.pad(x, ((0, 0), (0, 0), (0, rows), (0, columns)), constant_values=1)
