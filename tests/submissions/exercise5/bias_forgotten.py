"""Mistake: the bias is accepted and never added."""
import numpy as np


def flatten(x):
    return np.asarray(x, dtype=np.float64).reshape(len(x), -1)


def dense(x, w, b):
    return x.astype(np.float64) @ w.T
