"""The arguments of the PyTorch worker ops (`torch.<op>`), as the grader sends them.

Both sides import these types: the grader builds requests with them, grader.worker.torch_ops
reads them. They are TypedDicts, so they cross the wire as the plain dicts the protocol
encodes (JSON and `.npy` arrays). Every op is generic: build a model, describe it, load
weights, run it on given inputs, take given steps. What an op answers is a claim about the
submission's model; the grader verifies what it scores (grader.models).

A layer spec is a list of layers, each `[kind, *arguments]`: ["conv", C_in, C_out, K, padding],
["bn", C], ["relu"], ["dropout", p], ["maxpool", K], ["avgpool", K], ["flatten"],
["linear", in_features, out_features], ["sequential", spec].
"""

from __future__ import annotations

from typing import Literal, TypedDict

import numpy as np

LayerSpec = list
Mode = Literal["train", "eval", "keep"]
Loss = Literal["cross_entropy", "bce", "mse"]


class BuildArgs(TypedDict, total=False):
    """Build `class(**kwargs, **modules)` from the submission, or a bare nn.Sequential from `spec`."""

    handle: str
    device: str  # "cpu", "cuda" or "auto"
    cls: str  # the submission's class
    kwargs: dict
    modules: dict[str, LayerSpec]  # keyword arguments that are modules built from a spec
    spec: LayerSpec  # instead of `cls`: a model built from this spec alone


class InspectArgs(TypedDict, total=False):
    """Parameters and buffers of a built model; with `x`, the modules one forward pass calls."""

    handle: str
    x: np.ndarray | None
    mode: Mode


class LoadArgs(TypedDict):
    """Copy arrays into the parameters and buffers of those names."""

    handle: str
    state: dict[str, np.ndarray]


class ForwardArgs(TypedDict, total=False):
    """`repeat` forward passes on `x` in `mode`, torch seeded with `seed` first; with `trace`, the
    units' inputs and outputs; with `state`, the buffers as they are after the passes."""

    handle: str
    x: np.ndarray
    mode: Mode
    repeat: int
    trace: bool
    seed: int
    state: bool


class BackwardArgs(TypedDict, total=False):
    """d(sum(output * grad_output))/dx and /dparameters in `mode`."""

    handle: str
    x: np.ndarray
    grad_output: np.ndarray
    mode: Mode


class StepsArgs(TypedDict, total=False):
    """`steps` SGD steps on one batch from the model's current weights, then every parameter's value.

    `params`: "all" (every parameter with requires_grad) or the name of the submission's function
    that picks them from the model. Each step is p -= lr * (grad + weight_decay * p) for every
    parameter given, with no gradient counted as zero: a parameter given to the optimizer
    shows, even a frozen one. The model is put back as it was afterwards.
    """

    handle: str
    x: np.ndarray
    y: np.ndarray
    loss: Loss
    lr: float
    weight_decay: float
    steps: int
    params: str
    mode: Mode
    seed: int


class ApplyArgs(TypedDict, total=False):
    """Call the submission's `function` on a built model (or its submodule at `path`)."""

    handle: str
    function: str
    path: str
