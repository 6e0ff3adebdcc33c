"""Hostile: conv2d kills the worker's parent (the process grading it) with SIGKILL.

Without bubblewrap that parent is a `grade batch` pool process, and the pool broke
(BrokenProcessPool) on every run. correlate2d is right (4 points).
"""
import os
import signal

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
    os.kill(os.getppid(), signal.SIGKILL)
    raise RuntimeError("the grader should be gone")
