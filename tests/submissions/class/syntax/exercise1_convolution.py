"""Broken: a syntax error on line 7."""
import numpy as np


def correlate2d(image, kernel):
    out = np.zeros((2, 2))
    out[0, 0] = = 1
    return out


def conv2d(x, w, b=None):
    return x
