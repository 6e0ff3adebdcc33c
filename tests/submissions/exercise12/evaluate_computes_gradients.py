"""Exercise 12 whose evaluate was copied from train_epoch without the optimizer: no torch.no_grad(), and a
backward pass that fills every .grad (no step: the parameters stay as they were)."""

import math

import torch
from torch import nn


class CatDogCNN(nn.Module):
    """x: (N, 3, image_size, image_size) -> logits (N, 1); he_uniform weights, zero biases."""

    def __init__(self, image_size=200):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(32 * (image_size // 2) ** 2, 128), nn.ReLU(), nn.Linear(128, 1))
        for layer in (self.features[0], self.classifier[0], self.classifier[2]):
            bound = math.sqrt(6 / layer.weight[0].numel())
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        """x: (N, 3, S, S) -> logits (N, 1) (no sigmoid)."""
        return self.classifier(self.features(x))


def binary_accuracy(logits, targets):
    """The fraction of samples where (logit > 0) equals the 0/1 target, as a float.

    logits: (N, 1) or (N,)   targets: (N, 1) or (N,)
    """
    predictions = (logits.reshape(-1) > 0).to(targets.dtype)
    return (predictions == targets.reshape(-1)).float().mean().item()


def train_epoch(model, loader, optimizer):
    """One pass over `loader` in train mode with nn.BCEWithLogitsLoss -> (loss, accuracy).

    Per batch: zero the gradients, forward, backward, step. Loss and accuracy come from each
    batch's forward pass and are means over samples.
    """
    model.train()
    loss_function = nn.BCEWithLogitsLoss()
    total_loss = total_right = samples = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = loss_function(logits, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(x)
        total_right += binary_accuracy(logits.detach(), y) * len(x)
        samples += len(x)
    return total_loss / samples, total_right / samples


def evaluate(model, loader):
    """Loss and accuracy over `loader` in eval mode, without gradients -> (loss, accuracy).

    Nothing is updated, and the model is left in the mode it was in.
    """
    was_training = model.training
    model.eval()
    loss_function = nn.BCEWithLogitsLoss()
    total_loss = total_right = samples = 0.0
    for x, y in loader:
        logits = model(x)
        loss = loss_function(logits, y)
        loss.backward()
        total_loss += loss.item() * len(x)
        total_right += binary_accuracy(logits.detach(), y) * len(x)
        samples += len(x)
    model.train(was_training)
    return total_loss / samples, total_right / samples


def fit(model, train_loader, val_loader, epochs, optimizer):
    """Train for `epochs` epochs; return Keras's history: {'loss', 'accuracy', 'val_loss', 'val_accuracy'},
    lists with one entry per epoch."""
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for _ in range(epochs):
        loss, accuracy = train_epoch(model, train_loader, optimizer)
        val_loss, val_accuracy = evaluate(model, val_loader)
        history["loss"].append(loss)
        history["accuracy"].append(accuracy)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
    return history
