"""Forbidden, and disguised: scipy imported by a computed name inside the function."""
import importlib

import numpy as np


def correlate2d(image, kernel):
    signal = importlib.import_module("sci" + "py.signal")
    return signal.correlate2d(image, kernel, mode="valid").astype(float)


def conv2d(x, w, b=None):
    return np.zeros((x.shape[0], w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1))
