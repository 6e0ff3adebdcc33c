"""Worker ops `tensor.<name>`: call a submission function that takes and returns torch tensors.

The grader sends NumPy arrays; the worker turns them into tensors (same dtype), calls the
function and sends back what it returned, tensors as NumPy arrays. Only arrays and plain data
cross; the grader compares them with its reference.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.worker import protocol


def op_call(worker, args: dict, out_arrays: list):
    """{function, args}: `function(*args)` with every array argument given as a torch tensor."""
    function = getattr(worker.module, args["function"], None)
    if not callable(function):
        raise NameError(f"{args['function']} is not defined")
    given = [torch.from_numpy(np.array(value)) if isinstance(value, np.ndarray) else value
             for value in args.get("args", [])]
    return protocol.encode(_plain(function(*given)), out_arrays)


def _plain(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(item) for item in value)
    return value


OPS = {"call": op_call}
