"""The grader's weights for a model, as a function of data: its tensor table and the run's seed.

The student's model gets random weights of the grader's choosing, the same ones the reference
computes with (grader.models.reference). They are drawn from the reference's *init table*
(every module that owns tensors, in `model.modules()` order: its path, whether it is a
BatchNorm, and its tensors' names, shapes and dtypes), never from the reference module itself,
so the student kit, which holds the table but no reference, gives a model the same weights:

    BatchNorm  weight uniform in 0.5..1.5 with 30% of the signs flipped, bias N(0, 0.3),
               running_mean N(0, 0.3), running_var uniform in 0.5..2.0 (a BatchNorm before a
               max pool or a ReLU then shows);
    other      a weight of 2 or more axes N(0, 2 / fan_in) (activations stay near 1), any other
               parameter N(0, 0.1).

One torch.Generator seeded with the run's seed draws them in table order. Buffers other than
BatchNorm's statistics (num_batches_tracked) keep their initial values; the references hold
no other floating buffers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from torch import nn

from grader import memo

BATCHNORM, OTHER = "batchnorm", "other"
_BATCHNORM_TENSORS = ("weight", "bias", "running_mean", "running_var")


def sample_input(shape: tuple, seed: int) -> np.ndarray:
    """The grader's input of `shape`: standard normal float32 values from `seed`."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def init_table(model: nn.Module) -> list:
    """[[module path, "batchnorm" | "other", [[tensor name, shape, dtype], ...]], ...]: the tensors the
    grader's weights fill, module by module in `model.modules()` order (plain data)."""
    table = []
    for path, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            tensors = [(local, getattr(module, local)) for local in _BATCHNORM_TENSORS]
            kind = BATCHNORM
        else:
            tensors, kind = list(module.named_parameters(recurse=False)), OTHER
        entries = [[local, list(tensor.shape), str(tensor.dtype).removeprefix("torch.")]
                   for local, tensor in tensors if tensor is not None]
        if entries:
            table.append([path, kind, entries])
    return table


def randomized_state(table: list, seed: int) -> dict[str, np.ndarray]:
    """{tensor name: the grader's random values} for every tensor of `table` (init_table), from `seed`.
    The arrays are read-only: inside a memo scope (grader.memo) they are drawn once per process and
    shared, not copied (every student's AlexNet gets the same 8.5M values, 0.1 s to draw and 34 MB to
    copy); the dict is the caller's own."""
    key = None if memo.current() is None else (memo.current(), "randomized_state", repr(table), int(seed))
    kept = memo.MISSING if key is None else memo.get(key)
    if isinstance(kept, dict):
        return dict(kept)
    state = _drawn_state(table, seed)
    for array in state.values():
        array.flags.writeable = False
    if key is not None:
        memo.put(key, state, shared=True)
    return dict(state)


def _drawn_state(table: list, seed: int) -> dict[str, np.ndarray]:
    generator = torch.Generator().manual_seed(seed)

    def normal(shape, std):
        return torch.randn(shape, generator=generator) * std

    def uniform(shape, low, high):
        return low + (high - low) * torch.rand(shape, generator=generator)

    state = {}
    for path, kind, entries in table:
        shapes = {local: shape for local, shape, _ in entries}
        values = {}
        if kind == BATCHNORM:
            if "weight" in shapes:
                weight = uniform(shapes["weight"], 0.5, 1.5)
                flipped = torch.rand(shapes["weight"], generator=generator) < 0.3
                values["weight"] = weight * torch.where(flipped, -1.0, 1.0)
                values["bias"] = normal(shapes["bias"], 0.3)
            if "running_mean" in shapes:
                values["running_mean"] = normal(shapes["running_mean"], 0.3)
                values["running_var"] = uniform(shapes["running_var"], 0.5, 2.0)
        else:
            for local, shape in shapes.items():
                wide = local == "weight" and len(shape) > 1
                values[local] = normal(shape, math.sqrt(2.0 / math.prod(shape[1:])) if wide else 0.1)
        for local, _, dtype in entries:
            if local in values:
                state[f"{path}.{local}" if path else local] = values[local].to(getattr(torch, dtype)).numpy()
    return state


def load_state(model: nn.Module, state: dict[str, np.ndarray]) -> nn.Module:
    """Copy `state` (arrays by name) into the model's parameters and buffers of those names."""
    tensors = dict(model.named_parameters()) | dict(model.named_buffers())
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The given NumPy array is not writable")  # randomized_state's: copy_ only reads
        for name, array in state.items():
            tensors[name].copy_(torch.from_numpy(np.asarray(array)))
    return model
