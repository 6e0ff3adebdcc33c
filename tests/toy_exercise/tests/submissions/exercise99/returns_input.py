"""Known mistake: returns its input unchanged."""

import numpy as np


def relu(x):
    return np.asarray(x, dtype=np.float64)
