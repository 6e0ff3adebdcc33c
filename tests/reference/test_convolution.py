"""Is the convolution reference right? Checked against PyTorch and the lecture's arithmetic."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import strategies
from grader.catalog import exercise1_convolution as declaration
from grader.reference.convolution import conv2d, correlate2d
from grader.deferred import built


def torch_conv2d(x, w, b=None):
    bias = None if b is None else torch.as_tensor(b, dtype=torch.float64)
    return torch.nn.functional.conv2d(torch.as_tensor(x, dtype=torch.float64),
                                      torch.as_tensor(w, dtype=torch.float64), bias).numpy()


@settings(max_examples=60, deadline=None)
@given(st.tuples(st.sampled_from(strategies.FLOATS_AND_PIXELS), st.booleans()).flatmap(
    lambda options: built(declaration.batch_and_filters(dtype=options[0], bias=options[1], batch=True, square=False))))
def test_conv2d_matches_torch(inputs):
    """Does conv2d agree with torch.nn.functional.conv2d on drawn shapes, dtypes and biases?"""
    np.testing.assert_allclose(conv2d(**inputs), torch_conv2d(**inputs), rtol=1e-12, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(strategies.FLOATS_AND_PIXELS).flatmap(
    lambda dtype: built(declaration.image_and_kernel(dtype, square=False))))
def test_correlate2d_matches_torch(inputs):
    image, kernel = inputs["image"], inputs["kernel"]
    np.testing.assert_allclose(correlate2d(image, kernel), torch_conv2d(image[None, None], kernel[None, None])[0, 0])


def test_uint8_pixels_do_not_overflow():
    """Do 255-valued uint8 pixels times 255-valued filters give the exact float sum?"""
    x = np.full((1, 3, 4, 4), 255, dtype=np.uint8)
    w = np.full((1, 3, 4, 4), 255, dtype=np.uint8)
    assert conv2d(x, w)[0, 0, 0, 0] == 255 * 255 * 48
    assert conv2d(x, w).dtype == np.float64


@pytest.mark.parametrize("example", declaration.CORRELATE_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_examples(example):
    assert np.array_equal(correlate2d(**example.inputs), example.expected)


@pytest.mark.parametrize("example", declaration.CONV_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_conv_examples(example):
    assert np.array_equal(conv2d(**example.inputs), example.expected)


def test_the_x_example_centre_is_5_not_the_slides_3():
    """The erratum, by hand: the centre window equals the X filter, so five ones meet five ones."""
    centre = declaration.X_IMAGE[1:4, 1:4]
    assert np.array_equal(centre, declaration.X_KERNEL)
    assert correlate2d(declaration.X_IMAGE, declaration.X_KERNEL)[1, 1] == 5


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_strategies_draw_exact_values(data):
    """Are drawn floats quarter steps in [-8, 8] and pixels 0-255, so float32 sums stay exact?"""
    x = data.draw(built(strategies.arrays(np.float32, (2, 3, 5))))
    assert np.all(np.abs(x) <= 8) and np.all((x * 4) == np.round(x * 4))
    pixels = data.draw(built(strategies.arrays(np.uint8, (70,))))
    assert pixels.dtype == np.uint8
