"""Exercise 12's answer key: the reference CatDogCNN and training loop, the logits the full-size check
expects, and what each known mistake computes."""

import numpy as np
import torch
import torch.nn.functional as F

from grader.torch_calls import layers_model, seeded_factors, seeded_values, state_of
from grader.models.weights import sample_input
from grader.reference import binary_cnn as ref


class CatDogCNN(ref.CatDogCNN):
    """The reference for the oracle's `(kwargs, **variant)`. A class, so that the course's key hands it over as it
    is: only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict):
        super().__init__(**kwargs)


def full_size_logits(image_size: int, fill: int, input_seed: int) -> np.ndarray:
    """The reference CatDogCNN(image_size)'s logits on sample_input((2, 3, S, S), input_seed), every
    parameter given the worker's seeded fill, without building its 32 (S/2)^2 x 128 weight matrix: that
    fill is outer(u, v), so W @ h = u * (v @ h). (tests/grader/test_exercise12.py checks this against
    the reference model filled in full.)"""
    x = torch.from_numpy(sample_input((2, 3, image_size, image_size), input_seed))
    seeded = lambda *shape: seeded_values(shape, fill)
    h = F.max_pool2d(F.relu(F.conv2d(x, seeded(32, 3, 3, 3), seeded(32), padding=1)), 2).flatten(1)
    u, v = seeded_factors((128, 32 * (image_size // 2) ** 2), fill)
    h = F.relu(u * (h @ v)[:, None] + seeded(128))
    return F.linear(h, seeded(1, 128), seeded(1)).numpy()


def binary_accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    return float(ref.binary_accuracy(torch.from_numpy(logits), torch.from_numpy(targets)))


def broadcast_accuracy(logits: np.ndarray, targets: np.ndarray) -> float:
    """(N, 1) predictions == (N,) targets: an (N, N) table, and its mean."""
    return float(np.mean((logits > 0).astype(np.float64) == targets))


def threshold_at_half(logits: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean((logits.reshape(-1) > 0.5) == targets.reshape(-1)))


def loop(function: str, run: dict, variant: dict) -> tuple:
    """The reference's (value, state after, output on the probe afterwards) for `function` on the grader's
    `run` ({layers, state, mode, train, val, probe, seed, lr, epochs}), changed by a known mistake's `variant`."""
    model = layers_model(run["layers"], run["state"])
    model.train(run["mode"] == "train")
    tensors = lambda batches: [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]
    train, val = tensors(run["train"]), tensors(run["val"])
    torch.manual_seed(run["seed"])
    if function == "train_epoch":
        value = ref.train_epoch(model, train, ref.SGD(model.parameters(), run["lr"]), **variant)
    elif function == "evaluate":
        value = ref.evaluate(model, val, **variant)
    else:
        value = ref.fit(model, train, val, run["epochs"], ref.SGD(model.parameters(), run["lr"]), **variant)
    state = state_of(model)
    torch.manual_seed(run["seed"])
    with torch.no_grad():
        probe = model(torch.from_numpy(run["probe"])).numpy()
    return value, state, probe
