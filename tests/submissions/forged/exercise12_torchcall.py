"""Forged: replaces the worker's torchcall ops with answers that claim success without computing anything.

Every claim is the one a correct submission would make where it can be guessed: the right parameter
shapes (40,961,153 parameters), the starting state sent back unchanged, plausible figures.
"""
import sys

import numpy as np

import grader.worker.torchcall_ops  # noqa: F401  (loaded so that it can be patched)
from grader.worker import protocol

SHAPES = {"features.0.weight": [32, 3, 3, 3], "features.0.bias": [32], "classifier.0.weight": [128, 320000],
          "classifier.0.bias": [128], "classifier.2.weight": [1, 128], "classifier.2.bias": [1]}


def _forged_call(worker, args, out_arrays):
    reports = []
    for description in args.get("objects") or []:
        state = description.get("state") or {}
        probe = description.get("probe")
        reports.append({"initial": None, "after": SHAPES if description.get("report") == "shapes" else state,
                        "training": description.get("mode") == "train",
                        "probe": None if probe is None else np.zeros((len(probe), 1))})
    function = (args.get("call") or {}).get("function")
    value = {"fit": {"loss": [0.69, 0.6], "accuracy": [0.5, 0.6], "val_loss": [0.7, 0.65],
                     "val_accuracy": [0.5, 0.5]}}.get(function, (0.6931, 0.5))
    if (args.get("call") or {}).get("model") is not None:
        value = np.zeros((2, 1), np.float32)
    return protocol.encode({"value": value, "models": reports, "warnings": []}, out_arrays)


sys.modules["grader.worker.torchcall_ops"].OPS["call"] = _forged_call


def CatDogCNN(image_size=200):
    raise NotImplementedError


def binary_accuracy(logits, targets):
    return 0.5


def train_epoch(model, loader, optimizer):
    raise NotImplementedError


def evaluate(model, loader):
    raise NotImplementedError


def fit(model, train_loader, val_loader, epochs, optimizer):
    raise NotImplementedError
