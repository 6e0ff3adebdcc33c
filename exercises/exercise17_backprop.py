"""Exercise 17: backward passes (what exercises 1-5 compute forward, run backwards).

Training a CNN needs, for every layer, the gradient of the loss with respect to its input and
its weights. Backpropagation gets them layer by layer, from the last one back: a layer receives
`dout`, the gradient of the loss at its output (same shape as the output), and returns the
gradients at its inputs. The rule behind every function here: an input that contributed to
several outputs gets the SUM of what flows back from each of them.

`numerical_gradient` checks any of them: nudge one input by +h and by -h, and the change of the
loss over 2h approximates that input's gradient ("gradient checking").

All arrays are float64. Grade your work with `grade exercise17`.
"""

import numpy as np


def _pair(value):
    """`2` -> `(2, 2)`; `(2, 1)` -> `(2, 1)`: one value for both axes, or (for H, for W)."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def numerical_gradient(f, x, h=1e-5):
    """Central differences of the scalar function f at x.

    f: takes an array shaped like x, returns a number   x: float64 array, any shape
    returns an array shaped like x: grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h);
    x holds its original values again afterwards.
    """
    raise NotImplementedError("for every element: set it to x+h, then x-h, call f each time, and put it back")


def relu_backward(dout, x):
    """ReLU lets the gradient through where its input was positive.

    dout, x: the same shape   returns dout where x > 0, else 0
    """
    raise NotImplementedError("the gradient passes where x > 0 and is 0 elsewhere (x == 0 included)")


def dense_backward(dout, x, w):
    """Gradients of the fully-connected layer out = x @ w.T + b (exercise 5).

    dout: (N, M)   x: (N, D)   w: (M, D)
    returns dx (N, D), dw (M, D), db (M,)
    """
    raise NotImplementedError("dx = dout @ w; dw has w's shape (M, D); db sums dout over the batch")


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of conv2d_strided(x, w, b, stride, padding) (exercise 3).

    dout: (N, F, H', W')   x: (N, C, H, W)   w: (F, C, KH, KW)   stride, padding: int or (for H, for W)
    returns dx (N, C, H, W), dw (F, C, KH, KW), db (F,)
    Forward, out[n, f, i, j] = sum(x_padded[n, :, i*sh:i*sh+KH, j*sw:j*sw+KW] * w[f]) + b[f], so
        dw[f]  += dout[n, f, i, j] * that window        dx_padded[window] += dout[n, f, i, j] * w[f]
        db[f]   = the sum of dout[:, f] over N, H' and W'
    """
    raise NotImplementedError("loop over the output positions like the forward pass, add (+=) into dx_padded and dw, then crop the padding off")


def max_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of max_pool2d(x, size, stride) (exercise 4).

    dout: (N, C, H', W')   x: (N, C, H, W)   size, stride: int or (for H, for W); stride None = size
    returns dx (N, C, H, W): each window's dout goes to the position of its maximum (where
    several are equal, to one of them); where windows overlap, their gradients add up.
    """
    raise NotImplementedError("find each window's argmax (one of them), add dout there with +=")


def avg_pool2d_backward(dout, x, size=2, stride=None):
    """Gradient of avg_pool2d(x, size, stride) (exercise 4).

    returns dx (N, C, H, W): each window's dout, divided by KH * KW, goes to every pixel of the
    window; where windows overlap, their gradients add up.
    """
    raise NotImplementedError("spread dout / (KH * KW) over each window, adding with +=")
