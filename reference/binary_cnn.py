"""Section 10: cats versus dogs, a binary CNN and the training loop that Keras's fit() runs.

The lecture's model, in Keras:

    Conv2D(32, (3, 3), activation='relu', padding='same', kernel_initializer='he_uniform',
           input_shape=(200, 200, 3)), MaxPooling2D((2, 2)), Flatten(),
    Dense(128, activation='relu', kernel_initializer='he_uniform'), Dense(1, activation='sigmoid')

Here it returns logits (N, 1) and the loss is nn.BCEWithLogitsLoss, which applies the sigmoid.
`train_epoch`, `evaluate` and `fit` are Keras's fit(..., validation_data=...) written out: per
epoch, loss and accuracy are means over samples of each batch's figures before its step.
The keyword arguments after `*` exist so the grader can replay the known wrong variants.
"""

import math

import torch
from torch import nn


def he_uniform_(layer):
    """Keras's he_uniform: weights uniform in +-sqrt(6 / fan_in), biases zero."""
    fan_in = layer.weight[0].numel()
    bound = math.sqrt(6.0 / fan_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound)
        layer.bias.zero_()
    return layer


class CatDogCNN(nn.Module):
    """x: (N, 3, S, S) -> conv 32@3x3 'same' + ReLU (N, 32, S, S) -> max pool (N, 32, S//2, S//2)
    -> flatten (N, 32 (S//2)^2) -> dense 128 + ReLU -> dense 1: logits (N, 1).

    40,961,153 parameters at S = 200: 896 + 40,960,128 + 129.
    """

    def __init__(self, image_size=200):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(32 * (image_size // 2) ** 2, 128), nn.ReLU(), nn.Linear(128, 1))
        for layer in (self.features[0], self.classifier[0], self.classifier[2]):
            if not layer.weight.is_meta:
                he_uniform_(layer)

    def forward(self, x):
        return self.classifier(self.features(x))


class SGD:
    """Plain SGD (p -= lr * p.grad, as p.add_(grad, alpha=-lr)): torch.optim.SGD(params, lr)'s updates, bit for bit."""

    def __init__(self, params, lr):
        self.params, self.lr = [p for p in params if p.requires_grad], lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)


def binary_accuracy(logits, targets, *, threshold=0.0):
    """The fraction of samples where (logit > 0), i.e. probability > 0.5, equals the 0/1 target."""
    predictions = (logits.reshape(-1) > threshold).to(targets.dtype)
    return (predictions == targets.reshape(-1)).float().mean().item()


def _means(figures, weighted):
    """Loss and accuracy over an epoch from [(loss, accuracy, batch size)]: means over samples."""
    if weighted:
        total = sum(n for _, _, n in figures)
        return sum(loss * n for loss, _, n in figures) / total, sum(a * n for _, a, n in figures) / total
    return sum(loss for loss, _, _ in figures) / len(figures), sum(a for _, a, _ in figures) / len(figures)


def train_epoch(model, loader, optimizer, *, zero_grad=True, weighted=True, threshold=0.0):
    """One pass over `loader` in train mode: per batch zero the gradients, forward, backward, step."""
    model.train()
    loss_function = nn.BCEWithLogitsLoss()
    figures = []
    for x, y in loader:
        if zero_grad:
            optimizer.zero_grad()
        logits = model(x)
        loss = loss_function(logits, y)
        loss.backward()
        optimizer.step()
        figures.append((loss.item(), binary_accuracy(logits.detach(), y, threshold=threshold), len(x)))
    return _means(figures, weighted)


def evaluate(model, loader, *, mode="eval", weighted=True, restore=True, threshold=0.0):
    """Loss and accuracy over `loader` in eval mode, without gradients; the model's mode is put back."""
    was_training = model.training
    model.train(mode == "train")
    loss_function = nn.BCEWithLogitsLoss()
    figures = []
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            figures.append((loss_function(logits, y).item(), binary_accuracy(logits, y, threshold=threshold), len(x)))
    if restore:
        model.train(was_training)
    return _means(figures, weighted)


def fit(model, train_loader, val_loader, epochs, optimizer, **variant):
    """Keras's history: {'loss', 'accuracy', 'val_loss', 'val_accuracy'}, one entry per epoch."""
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    train_variant = {k: v for k, v in variant.items() if k in ("zero_grad", "weighted", "threshold")}
    evaluate_variant = {k: v for k, v in variant.items() if k in ("mode", "weighted", "restore", "threshold")}
    for _ in range(epochs):
        loss, accuracy = train_epoch(model, train_loader, optimizer, **train_variant)
        val_loss, val_accuracy = evaluate(model, val_loader, **evaluate_variant)
        for key, value in zip(history, (loss, accuracy, val_loss, val_accuracy)):
            history[key].append(value)
    return history
