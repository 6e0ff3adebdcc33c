"""Right: flatten is one reshape, so uint8 or int64 input stays uint8 or int64 (the values are exact)."""
import numpy as np


def flatten(x):
    return x.reshape(len(x), -1)


def dense(x, w, b):
    return np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
