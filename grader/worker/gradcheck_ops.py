"""Worker ops for gradient checking (`gradcheck.<name>`): the student's numerical_gradient on a named loss.

A function cannot cross to the worker, so the grader names the scalar loss and sends its
arrays; the worker builds `f` here and hands it, with the array to vary, to the submission's
`numerical_gradient`. It answers with the gradient and the array as the call left it (to
tell whether it was put back).

The worker computes no layer of the course: a layer's forward pass would be an answer to
exercises 3-5, readable by any submission that imports this module. Gradient checking varies
one argument of L = sum(dout * layer(...)), in which every layer of exercise 17 is linear, or
linear around the given point (ReLU, max pooling); so the grader sends the slope `g` and the
value `c` at the origin of that linear function, and `f(v) = sum(g * v) + c` is the loss near
the point where numerical differences look.
"""

from __future__ import annotations

import numpy as np

from grader.worker import protocol

def _dot(u, v):
    """sum(u * v): one BLAS dot where the shapes agree (a student's loop calls the loss thousands of
    times: 6 us a call, not 14, over a 32x32x3 image), NumPy's broadcasting where they do not."""
    return np.vdot(u, v) if u.shape == v.shape else np.sum(u * v)


LOSSES = {
    "quadratic": lambda x, a, c: _dot(a * x + c, x),  # sum(a * x**2 + c * x)
    "linear": lambda x, g, c: _dot(g, x) + c,  # sum(g * x) + c
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
