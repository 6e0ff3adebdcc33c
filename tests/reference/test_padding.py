"""Is the padding reference right? Checked against PyTorch and the lecture's arithmetic."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from grader import strategies
from grader.catalog import exercise2_padding as declaration
from grader.reference.padding import conv2d_same, pad2d, pair
from grader.deferred import built


def tensor(array):
    return torch.as_tensor(np.asarray(array, dtype=np.float64))


@settings(max_examples=60, deadline=None)
@given(built(declaration.images_and_padding()))
def test_pad2d_matches_torch(inputs):
    """Does pad2d agree with torch.nn.functional.pad, which lists the last axis first?"""
    ph, pw = pair(inputs["pad"])
    expected = torch.nn.functional.pad(tensor(inputs["x"]), (pw, pw, ph, ph)).numpy()
    actual = pad2d(**inputs)
    assert actual.dtype == np.float64
    np.testing.assert_array_equal(actual, expected)


@settings(max_examples=60, deadline=None)
@given(built(declaration.same_conv_inputs(dtypes=strategies.FLOATS_AND_PIXELS, bias=None)))
def test_conv2d_same_matches_torch(inputs):
    """Does conv2d_same agree with torch's conv2d(padding='same'), also for filters larger than the image?"""
    bias = None if inputs["b"] is None else tensor(inputs["b"])
    expected = torch.nn.functional.conv2d(tensor(inputs["x"]), tensor(inputs["w"]), bias, padding="same").numpy()
    np.testing.assert_allclose(conv2d_same(**inputs), expected, rtol=1e-12, atol=1e-9)


def test_uint8_pixels_do_not_overflow():
    """Do 255-valued uint8 pixels and filters give the exact float sums, and zeros at the border?"""
    x = np.full((1, 2, 3, 3), 255, dtype=np.uint8)
    w = np.full((1, 2, 3, 3), 255, dtype=np.uint8)
    out = conv2d_same(x, w)
    assert out.dtype == np.float64
    assert out[0, 0, 1, 1] == 255 * 255 * 18 and out[0, 0, 0, 0] == 255 * 255 * 8


@pytest.mark.parametrize("example", declaration.PAD_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_pad_examples(example):
    assert np.array_equal(pad2d(**example.inputs), example.expected)


@pytest.mark.parametrize("example", declaration.SAME_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_same_examples(example):
    assert np.array_equal(conv2d_same(**example.inputs), example.expected)


def test_the_centre_of_the_padded_feature_map_is_10():
    """By hand: the centre window [[2,1,2],[1,2,1],[2,1,2]] meets the X filter's ones at 2+2+2+2+2."""
    window = declaration.PADDED_IMAGE[2:5, 2:5]
    assert np.array_equal(window, [[2, 1, 2], [1, 2, 1], [2, 1, 2]])
    assert np.sum(window * declaration.X_KERNEL) == 10 == declaration.PADDED_FEATURE_MAP[2, 2]


def test_the_use_counts_with_padding_are_5x5_not_the_slides_5x6():
    """The erratum: with padding 1 a 3x3 window is centred on each of the 5x5 pixels, so 5 columns."""
    per_axis = np.array([2, 3, 3, 3, 2])  # windows covering pixel i along one axis
    assert np.array_equal(np.outer(per_axis, per_axis), declaration.USES_WITH_PADDING)
    assert "five (4 6 6 6 4)" in declaration.COUNT_ERRATUM
