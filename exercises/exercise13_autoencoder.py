"""Exercise 13: autoencoders and the vanishing gradient (lecture section 11).

An autoencoder learns to copy its input through a bottleneck: the encoder compresses an image
to a short code, the decoder reconstructs the image from it, and the loss compares the
reconstruction with the input (no labels needed). The lecture gives no exact architecture;
these are the course's, for 28x28 grey images (MNIST) with pixels in [0, 1]:

    Autoencoder (x flattened to (N, 784))          parameters
      encoder: Linear(784, 128), ReLU                 100,480
               Linear(128, 64), ReLU                    8,256
               Linear(64, 32)          the code         2,080   (no activation)
      decoder: Linear(32, 64), ReLU                     2,112
               Linear(64, 128), ReLU                    8,320
               Linear(128, 784), Sigmoid              101,136
                                                      222,384

    ConvAutoencoder (x: (N, 1, 28, 28))          output         parameters
      encoder: Conv2d(1, 16, 3, stride=2, padding=1), ReLU       (N, 16, 14, 14)    160
               Conv2d(16, 8, 3, stride=2, padding=1), ReLU       (N, 8, 7, 7)     1,160   the code
      decoder: ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1), ReLU
                                                                 (N, 8, 14, 14)     584
               ConvTranspose2d(8, 16, 3, stride=2, padding=1, output_padding=1), ReLU
                                                                 (N, 16, 28, 28)  1,168
               Conv2d(16, 1, 3, padding=1), Sigmoid              (N, 1, 28, 28)     145
                                                                                  3,217

A transposed convolution gives (H - 1) * stride - 2 * padding + kernel + output_padding:
(7 - 1) * 2 - 2 + 3 + 1 = 14. Without output_padding it is 13, and 28 becomes 25.

The reconstruction ends with a sigmoid, so it lies in (0, 1) like the pixels, and trains with
nn.BCELoss (on probabilities, not logits). The decoder has weights of its own (not the
encoder's, transposed).

The vanishing gradient: the sigmoid's derivative f'(x) = e^-x / (1 + e^-x)^2 is at most 0.25
(at x = 0), so through ten sigmoid layers a gradient shrinks by 0.25^10 = 9.5e-7 at least.

Grade your work with `grade exercise13`.
"""

import torch
from torch import nn


class Autoencoder(nn.Module):
    """x: (N, input_dim) -> code (N, code_dim) -> reconstruction (N, input_dim) in (0, 1)."""

    def __init__(self, input_dim=784, hidden=(128, 64), code_dim=32):
        super().__init__()
        raise NotImplementedError("self.encoder: Linear(input_dim, hidden[0]), ReLU, Linear(hidden[0], hidden[1]), ReLU, Linear(hidden[1], code_dim); self.decoder: the mirror image, ending in Sigmoid")

    def encode(self, x):
        """x: (N, input_dim) -> the code (N, code_dim), no activation."""
        raise NotImplementedError("the encoder applied to x")

    def decode(self, z):
        """z: (N, code_dim) -> (N, input_dim) in (0, 1)."""
        raise NotImplementedError("the decoder applied to z")

    def forward(self, x):
        raise NotImplementedError("decode(encode(x))")


class ConvAutoencoder(nn.Module):
    """x: (N, 1, 28, 28) -> code (N, 8, 7, 7) -> reconstruction (N, 1, 28, 28) in (0, 1)."""

    def __init__(self):
        super().__init__()
        raise NotImplementedError("self.encoder and self.decoder as in the table above (output_padding=1 in both transposed convolutions)")

    def encode(self, x):
        """x: (N, 1, 28, 28) -> the code (N, 8, 7, 7)."""
        raise NotImplementedError("the encoder applied to x")

    def decode(self, z):
        """z: (N, 8, 7, 7) -> (N, 1, 28, 28) in (0, 1)."""
        raise NotImplementedError("the decoder applied to z")

    def forward(self, x):
        raise NotImplementedError("decode(encode(x))")


def sigmoid_grad(x):
    """The sigmoid's derivative f'(x) = e^-x / (1 + e^-x)^2, elementwise on a tensor.

    Finite and warning-free for every x (|x| up to 1000 and beyond); 0.25 at x = 0.
    """
    raise NotImplementedError("with s = torch.sigmoid(x), f'(x) = s * (1 - s): e^-x alone overflows to inf for x = -1000")
