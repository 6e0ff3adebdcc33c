"""Hostile: conv2d returns a dict shaped like the report's own array encoding.

Before the report tagged its encoding, this dict was stored as if it were an array, and
every rerun of `grade batch` failed while rebuilding the reports ("cannot reshape").
correlate2d is right (4 points).
"""
import numpy as np


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def conv2d(x, w, b=None):
    if b is not None:  # the grader's tagged form, too: it must stay a dict
        return {"$array": {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]}}
    return {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]}
