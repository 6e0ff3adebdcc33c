"""Is the stride reference right? Checked against PyTorch and the lecture's numbers."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from grader import strategies
from grader.catalog import exercise3_stride as declaration
from grader.reference.padding import pair
from grader.reference.stride import conv2d_strided, output_size
from grader.deferred import built


def tensor(array):
    return torch.as_tensor(np.asarray(array, dtype=np.float64))


@settings(max_examples=80, deadline=None)
@given(built(declaration.strided_conv_inputs(dtypes=strategies.FLOATS_AND_PIXELS)))
def test_conv2d_strided_matches_torch(inputs):
    """Does conv2d_strided agree with torch's conv2d for int and (H, W) strides and paddings?"""
    bias = None if inputs["b"] is None else tensor(inputs["b"])
    expected = torch.nn.functional.conv2d(tensor(inputs["x"]), tensor(inputs["w"]), bias,
                                          stride=pair(inputs["stride"]), padding=pair(inputs["padding"])).numpy()
    np.testing.assert_allclose(conv2d_strided(**inputs), expected, rtol=1e-12, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(built(declaration.output_size_inputs()))
def test_output_size_matches_torchs_output_shape(inputs):
    """Is output_size the length torch's conv1d gives, for drawn sizes, kernels, strides and padding?"""
    out = torch.nn.functional.conv1d(torch.zeros(1, 1, inputs["size"]), torch.zeros(1, 1, inputs["kernel"]),
                                     stride=inputs["stride"], padding=inputs["padding"])
    assert output_size(**inputs) == out.shape[-1]
    assert type(output_size(**inputs)) is int


# The sizes as the lecture prints them (sections 5 and 6, and the Keras summaries of section 10).
LECTURE_SIZES = {
    "CNN problem 1: a 2x2 filter turns 5 pixels into 4": 4,
    "CNN problem 1: three 2x2 filters later, 2 pixels become 1": 1,
    "LeNet's first Conv2D, padding='same': padding 2 keeps 32 with a 5x5 filter": 32,
    "padding 1 keeps 5 pixels with a 3x3 filter": 5,
    "stride 2 on the padded 5x5 image": 3,
    "LeNet: 5x5 filter, no padding, 16 -> 12": 12,
    "LeNet: 2x2 average pooling, stride 2, 12 -> 6": 6,
    "cats and dogs: 2x2 max pooling, 200 -> 100": 100,
    "VGG16 block4_pool: 25 -> 12, the last row has no partner and is dropped": 12,
}


def test_the_output_size_examples_are_the_lectures_numbers():
    assert {example.name: example.expected for example in declaration.SIZE_EXAMPLES} == LECTURE_SIZES


@pytest.mark.parametrize("example", declaration.STRIDED_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_strided_examples(example):
    assert np.array_equal(conv2d_strided(**example.inputs), example.expected)


def test_stride_2_keeps_every_other_position_of_the_padded_feature_map():
    """By hand: stride 2 visits rows and columns 0, 2, 4 of the 5x5 map: corners 4, centre 10."""
    out = conv2d_strided(declaration.IMAGE[None, None], declaration.X_KERNEL[None, None], stride=2, padding=1)
    assert np.array_equal(out[0, 0], [[4, 4, 4], [4, 10, 4], [4, 4, 4]])


def test_the_use_counts_without_padding_are_the_lectures_map():
    """The 2x2 filter's 'how many times?' map: 1 2 2 2 1 along each axis, multiplied."""
    counts = np.zeros((5, 5))
    for i in range(4):
        for j in range(4):
            counts[i:i + 2, j:j + 2] += 1
    assert np.array_equal(counts, declaration.STRIDED_EXAMPLES[2].expected[0, 0])
