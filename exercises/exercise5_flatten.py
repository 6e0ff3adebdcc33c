"""Exercise 5: flattening and the fully-connected layer (lecture section 7).

Flattening turns each image's feature maps into one vector, so that a fully-connected
(dense) layer can mix every feature with every other. The order matters, because the dense
layer's weights are trained for one order: this course uses PyTorch's, x of shape
(N, C, H, W) read row by row, channel after channel (what `torch.flatten(x, 1)` gives). The
lecture's Keras code is channels-last, (N, H, W, C): the same numbers in another order.

A dense layer from D features to M has a weight per pair and a bias per output:
M * D + M parameters. In the lecture's cats-and-dogs model, the pooled map (100, 100, 32)
flattens to 320,000 features, and the Dense(128) after it holds
320,000 * 128 + 128 = 40,960,128 of the model's 40,961,153 parameters.

Grade your work with `grade exercise5`.
"""

import numpy as np


def flatten(x):
    """One vector per sample: every axis after the first, row-major.

    x: (N, ...) such as (N, C, H, W)   any real dtype, uint8 pixels (0-255) included
    returns (N, D) with D the product of the other axes, floating point or x's dtype:
        out[n] lists x[n, 0, 0, 0], x[n, 0, 0, 1], ..., the last axis changing fastest
    """
    raise NotImplementedError("keep the batch axis and merge all the others: one reshape (section 7)")


def dense(x, w, b):
    """A fully-connected layer: every output is a weighted sum of all D inputs, plus a bias.

    x: (N, D)   w: (M, D), PyTorch's Linear layout   b: (M,)
    returns (N, M), floating point:
        out[n, m] = sum(x[n, :] * w[m, :]) + b[m]
    """
    raise NotImplementedError("one matrix product with the weights transposed, then add the bias to every row")
