"""Known mistake: np.max (a reduction) where np.maximum (element by element) was meant."""

import numpy as np


def relu(x):
    return np.max(np.asarray(x, dtype=np.float64), 0)
