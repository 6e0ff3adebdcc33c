"""The trusted ReLU: what the toy exercise's checks compare with."""

import numpy as np


def relu(x):
    return np.maximum(np.asarray(x, dtype=np.float64), 0)
