"""Hostile: returns wrong-shaped float64 arrays of 4M elements (32 MB) from every call.

Before replies were bounded by the expected output, this made the grader use 5.1 GB of
memory, take about 5 minutes and write a 544 MB results.json. Each call must be refused as
"output too large (shape (2000, 2000), ...)" without the grader keeping the reply.
"""
import numpy as np


def correlate2d(image, kernel):
    return np.ones((2000, 2000))


def conv2d(x, w, b=None):
    return np.ones((2000, 2000))
