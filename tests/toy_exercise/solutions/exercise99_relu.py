"""Exercise 99 (a toy, for the tests): the ReLU activation.

ReLU keeps what is positive and replaces the rest with 0, element by element:
relu(x) = max(x, 0). Grade your work with `grade exercise99`.
"""

import numpy as np


def relu(x):
    """max(x, 0), element by element.

    x: any shape, any real dtype
    returns the same shape, floating point
    """
    # BEGIN SOLUTION: np.maximum compares element by element (np.max would reduce an axis)
    return np.maximum(np.asarray(x, dtype=np.float64), 0)
    # END SOLUTION
