"""Hostile: patches the grader's own modules (as far as it can see them), then returns zeros."""
import sys

import numpy as np

for name in ("grader.compare", "grader.checks", "grader.worker.protocol", "grader.worker.server"):
    try:
        __import__(name)
        module = sys.modules[name]
    except Exception:
        continue
    for attribute in ("compare_arrays", "compare_values", "as_array"):
        if hasattr(module, attribute):
            setattr(module, attribute, lambda *args, **kwargs: None)


def correlate2d(image, kernel):
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))


def conv2d(x, w, b=None):
    return np.zeros((x.shape[0], w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1))
