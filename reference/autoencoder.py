"""Section 11: autoencoders, and the derivative of the sigmoid behind the vanishing gradient.

The lecture gives no exact architecture; these are the course's. Both compress an image to a
code and reconstruct it in (0, 1), trained with nn.BCELoss on the reconstruction. The keyword
arguments after `*` exist so the grader can build the known wrong variants.
"""

import torch
from torch import nn


class Autoencoder(nn.Module):
    """x: (N, input_dim) -> encoder 128, ReLU, 64, ReLU, code_dim (no activation) -> decoder 64, ReLU,
    128, ReLU, input_dim, Sigmoid. 222,384 parameters with the defaults."""

    def __init__(self, input_dim=784, hidden=(128, 64), code_dim=32, *, code_activation=None, output_sigmoid=True):
        super().__init__()
        sizes = [input_dim, *hidden, code_dim]
        encoder, decoder = [], []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            encoder += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        for i, (a, b) in enumerate(zip(sizes[::-1], sizes[::-1][1:])):
            decoder += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        if code_activation is not None:
            encoder.append(code_activation())
        if output_sigmoid:
            decoder.append(nn.Sigmoid())
        self.encoder, self.decoder = nn.Sequential(*encoder), nn.Sequential(*decoder)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
    """x: (N, 1, 28, 28) -> conv 16@3x3/2 (N, 16, 14, 14) -> conv 8@3x3/2 (N, 8, 7, 7): the code
    -> transposed conv 8@3x3/2 (N, 8, 14, 14) -> transposed conv 16@3x3/2 (N, 16, 28, 28) -> conv 1@3x3
    + Sigmoid (N, 1, 28, 28). ReLU after every layer but the last. 3,217 parameters."""

    def __init__(self, *, output_sigmoid=True, output_padding=1):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                                     nn.Conv2d(16, 8, 3, stride=2, padding=1), nn.ReLU())
        decoder = [nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=output_padding), nn.ReLU(),
                   nn.ConvTranspose2d(8, 16, 3, stride=2, padding=1, output_padding=output_padding), nn.ReLU(),
                   nn.Conv2d(16, 1, 3, padding=1)]
        if output_sigmoid:
            decoder.append(nn.Sigmoid())
        self.decoder = nn.Sequential(*decoder)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


def sigmoid_grad(x):
    """f'(x) = e^-x / (1 + e^-x)^2 = s (1 - s) with s = sigmoid(x): finite for every x, 0.25 at 0."""
    s = torch.sigmoid(x)
    return s * (1 - s)
