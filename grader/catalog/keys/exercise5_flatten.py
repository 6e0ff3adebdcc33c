"""Exercise 5's answer key: the reference, and what each known mistake returns."""

import numpy as np

from grader.reference import flatten as ref

flatten = ref.flatten
dense = ref.dense


def flatten_channels_last(x):
    """Keras's order: the channels moved to the end, (N, H, W, C), then flattened."""
    return np.moveaxis(np.asarray(x, dtype=np.float64), 1, -1).reshape(len(x), -1)


def flatten_everything(x):
    """x.flatten(): the batch axis flattened with the rest, one long vector."""
    return np.asarray(x, dtype=np.float64).reshape(-1)


def dense_without_bias(x, w, b):
    return np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64).T


def dense_for_transposed_weights(x, w, b):
    """The right answer for weights passed transposed, (D, M): x @ w + b, what `x @ w` code gives then."""
    return ref.dense(x, np.transpose(w), b)
