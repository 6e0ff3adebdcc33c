"""Exercise 12: binary classification and the training loop (lecture section 10, cats vs dogs).

Section 10 classifies 200x200 photos as cat (0) or dog (1) with a small CNN:

    model = Sequential([
        Conv2D(32, (3, 3), activation='relu', kernel_initializer='he_uniform', padding='same',
               input_shape=(200, 200, 3)),
        MaxPooling2D((2, 2)), Flatten(),
        Dense(128, activation='relu', kernel_initializer='he_uniform'),
        Dense(1, activation='sigmoid')])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    history = model.fit(train_it, validation_data=test_it, epochs=20)

    layer                  output (PyTorch)          parameters
    Conv2d(3, 32, 3, p=1)  (N, 32, 200, 200)                896
    MaxPool2d(2)           (N, 32, 100, 100)                  0
    Flatten()              (N, 320000)                        0
    Linear(320000, 128)    (N, 128)                  40,960,128
    Linear(128, 1)         (N, 1)                           129
                                                     40,961,153

In PyTorch the model returns logits (N, 1), no sigmoid: nn.BCEWithLogitsLoss applies it (the
lecture's Dense(1, activation='sigmoid') + binary_crossentropy, computed more stably). A logit
> 0 means a probability > 0.5: the prediction "dog". Keras's he_uniform draws each weight
uniformly in +-sqrt(6 / fan_in) (fan_in: the inputs of one output unit, 3 * 3 * 3 = 27 for the
conv) and starts biases at zero; PyTorch's default is different, so initialise yourself
(nn.init.kaiming_uniform_(w, nonlinearity='relu') gives the same bound; nn.init.zeros_(b)).

The loop is what Keras's fit() runs. A loader is any iterable of (images (N, 3, H, W),
targets (N, 1)) batches: a DataLoader, or a list. An epoch's loss and accuracy are means over
samples of each batch's figures, taken from the forward pass before the batch's step (a short
last batch weighs less). Any optimizer works the same way (torch.optim.Adam as in the lecture,
or SGD): your loop only calls optimizer.zero_grad() and optimizer.step(). The grader runs your
loop on models and batches of its own choosing (float64, some with Dropout and BatchNorm) with
plain SGD, and compares the parameters with its own replay.

Grade your work with `grade exercise12`.
"""

import math

import torch
from torch import nn


class CatDogCNN(nn.Module):
    """x: (N, 3, image_size, image_size) -> logits (N, 1); he_uniform weights, zero biases."""

    def __init__(self, image_size=200):
        super().__init__()
        raise NotImplementedError("nn.Conv2d(3, 32, 3, padding=1), ReLU, MaxPool2d(2), Flatten, nn.Linear(32 * (image_size // 2) ** 2, 128), ReLU, nn.Linear(128, 1); then weights uniform in +-sqrt(6 / fan_in), biases zero")

    def forward(self, x):
        """x: (N, 3, S, S) -> logits (N, 1) (no sigmoid)."""
        raise NotImplementedError("the layers in order; return the logits")


def binary_accuracy(logits, targets):
    """The fraction of samples where (logit > 0) equals the 0/1 target, as a float.

    logits: (N, 1) or (N,)   targets: (N, 1) or (N,)
    """
    raise NotImplementedError("flatten both to (N,) first (an (N, 1) == (N,) comparison broadcasts to (N, N)); threshold the logits at 0")


def train_epoch(model, loader, optimizer):
    """One pass over `loader` in train mode with nn.BCEWithLogitsLoss -> (loss, accuracy).

    Per batch: zero the gradients, forward, backward, step. Loss and accuracy come from each
    batch's forward pass and are means over samples.
    """
    raise NotImplementedError("model.train(); per batch optimizer.zero_grad(), loss, backward, step; add up loss * batch size and right predictions; divide by the samples")


def evaluate(model, loader):
    """Loss and accuracy over `loader` in eval mode, without gradients -> (loss, accuracy).

    Nothing is updated, and the model is left in the mode it was in.
    """
    raise NotImplementedError("remember model.training, model.eval(), torch.no_grad(), means over samples, then model.train(was_training)")


def fit(model, train_loader, val_loader, epochs, optimizer):
    """Train for `epochs` epochs; return Keras's history: {'loss', 'accuracy', 'val_loss', 'val_accuracy'},
    lists with one entry per epoch."""
    raise NotImplementedError("per epoch train_epoch then evaluate on val_loader; append the four figures")
