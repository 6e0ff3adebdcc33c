"""Exercise 13's answer key: the reference autoencoders, the training replay the grader compares with, and
the sigmoid's derivative."""

import copy

import numpy as np
import torch
from torch import nn

from grader.reference import autoencoder as ref


class Autoencoder(ref.Autoencoder):
    """The reference for the oracle's `(kwargs, **variant)`. A class, so that the course's key hands it over as it
    is: only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, **variant):
        super().__init__(**kwargs, **variant)


class ConvAutoencoder(ref.ConvAutoencoder):
    """The reference for the oracle's `(kwargs, **variant)`. A class, so that the course's key hands it over as it
    is: only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, **variant):
        super().__init__(**kwargs, **variant)


def _bce(model: nn.Module, x: torch.Tensor) -> float:
    model.train()
    with torch.no_grad():
        return float(nn.functional.binary_cross_entropy(model(x), x))


def replay_training(module: nn.Module, x: np.ndarray, lr: float, steps: int) -> dict:
    """The reference with the grader's weights in float64: its loss on x, its state after `steps` plain SGD
    steps with nn.BCELoss, and its loss then (the oracle question "model.autoencoder.training")."""
    reference = copy.deepcopy(module).double()
    x_tensor = torch.from_numpy(x)
    loss_before = _bce(reference, x_tensor)
    replay = copy.deepcopy(reference)
    for _ in range(steps):  # plain SGD: torch.optim's first use imports torch._dynamo (seconds)
        replay.zero_grad(set_to_none=True)
        nn.functional.binary_cross_entropy(replay(x_tensor), x_tensor).backward()
        with torch.no_grad():
            for parameter in replay.parameters():
                assert parameter.grad is not None  # every parameter takes part in the loss
                parameter.add_(parameter.grad, alpha=-lr)
    expected = {name: tensor.numpy().copy() for name, tensor in replay.state_dict().items()}
    return {"state": expected, "loss_before": loss_before, "loss_after": _bce(replay, x_tensor)}


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    return ref.sigmoid_grad(torch.from_numpy(x)).numpy()
