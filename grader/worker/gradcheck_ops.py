"""Worker ops for gradient checking (`gradcheck.<name>`): the student's numerical_gradient on a named loss.

A function cannot cross to the worker, so the grader names the scalar loss and sends its
arrays; the worker builds `f` here and hands it, with the array to vary, to the submission's
`numerical_gradient`. It answers with the gradient and the array as the call left it (to
tell whether it was put back). The losses are plain NumPy forward passes, written out here
(the worker imports nothing from reference/); the grader compares with its own gradients.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.worker import protocol


def _pair(value):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def _conv2d(x, w, b, stride, padding):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = sliding_window_view(padded, w.shape[2:], axis=(2, 3))[:, :, ::sh, ::sw]
    return np.einsum("nchwkl,fckl->nfhw", windows, w) + b[None, :, None, None]


def _pool_windows(x, size, stride):
    (KH, KW), (sh, sw) = _pair(size), _pair(size if stride is None else stride)
    return sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::sh, ::sw]


# Each loss is sum(dout * layer(...)): its gradient with respect to an input is that layer's backward pass.
LOSSES = {
    "quadratic": lambda x, a, c: np.sum(a * x * x + c * x),
    "relu": lambda x, dout: np.sum(dout * np.maximum(x, 0)),
    "dense": lambda x, w, b, dout: np.sum(dout * (x @ w.T + b)),
    "conv2d": lambda x, w, b, dout, stride, padding: np.sum(dout * _conv2d(x, w, b, stride, padding)),
    "max_pool2d": lambda x, dout, size, stride: np.sum(dout * _pool_windows(x, size, stride).max(axis=(4, 5))),
    "avg_pool2d": lambda x, dout, size, stride: np.sum(dout * _pool_windows(x, size, stride).mean(axis=(4, 5))),
}


def op_numerical_gradient(worker, args: dict, out_arrays: list):
    """numerical_gradient(f, values[wrt], h) with f = LOSSES[loss] of the other values held fixed.

    args: loss (a name in LOSSES), wrt (the value to vary), values (the loss's arguments), h (or None:
    the submission's default). Returns {"gradient": what it returned, "x": values[wrt] after the call}.
    """
    function = getattr(worker.module, "numerical_gradient", None)
    if not callable(function):
        raise NameError("numerical_gradient is not defined")
    loss, wrt, values = LOSSES[args["loss"]], args["wrt"], dict(args["values"])
    x = np.array(values[wrt], dtype=np.float64)

    def f(varied):
        return float(loss(**{**values, wrt: np.asarray(varied, dtype=np.float64)}))

    gradient = function(f, x) if args.get("h") is None else function(f, x, args["h"])
    return protocol.encode({"gradient": gradient, "x": x}, out_arrays)


OPS = {"numerical_gradient": op_numerical_gradient}
