"""Is the reference for exercise 13 the course's autoencoders, and sigmoid_grad the sigmoid's derivative?"""

import torch
from torch import nn

from grader.reference import autoencoder as ref


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_the_dense_autoencoder_has_222_384_parameters_and_maps_back_into_0_1():
    model = ref.Autoencoder()
    assert count(model) == 222_384 and count(model.encoder) == 110_816
    x = torch.rand(3, 784)
    code, out = model.encode(x), model(x)
    assert code.shape == (3, 32) and out.shape == (3, 784)
    assert out.min() > 0 and out.max() < 1


def test_the_convolutional_autoencoder_has_3_217_parameters_and_keeps_28x28():
    """Do the transposed convolutions give 7 -> 14 -> 28 with output_padding=1, and 25 without?"""
    model = ref.ConvAutoencoder()
    assert count(model) == 3_217
    x = torch.rand(2, 1, 28, 28)
    assert model.encode(x).shape == (2, 8, 7, 7) and model(x).shape == (2, 1, 28, 28)
    assert ref.ConvAutoencoder(output_padding=0)(x).shape == (2, 1, 25, 25)


def test_sigmoid_grad_is_autograds_derivative_and_finite_up_to_1000():
    """Does sigmoid_grad equal autograd's d sigmoid / dx, stay finite at +-1000, and give 0.25 at 0?"""
    x = torch.linspace(-30, 30, 121, dtype=torch.float64).requires_grad_(True)
    torch.sigmoid(x).sum().backward()
    assert torch.allclose(ref.sigmoid_grad(x.detach()), x.grad)
    extremes = ref.sigmoid_grad(torch.tensor([-1000.0, 0.0, 1000.0], dtype=torch.float64))
    assert torch.isfinite(extremes).all() and extremes[1] == 0.25
    assert f"{0.25 ** 10:.1e}" == "9.5e-07"
