"""Is the flatten and dense reference right? Checked against PyTorch and the lecture's summaries."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from grader.catalog import exercise5_flatten as declaration
from grader.reference.flatten import dense, flatten
from grader.deferred import built


def tensor(array):
    return torch.as_tensor(np.asarray(array, dtype=np.float64))


@settings(max_examples=60, deadline=None)
@given(built(declaration.flatten_inputs()))
def test_flatten_matches_torch(inputs):
    """Is flatten torch.flatten(x, 1), as float64, for 2 to 5 axes?"""
    out = flatten(**inputs)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, torch.flatten(tensor(inputs["x"]), 1).numpy())


@settings(max_examples=60, deadline=None)
@given(built(declaration.dense_inputs()))
def test_dense_matches_torch_linear(inputs):
    """Is dense torch.nn.functional.linear, the (M, D) weight layout of nn.Linear?"""
    expected = torch.nn.functional.linear(tensor(inputs["x"]), tensor(inputs["w"]), tensor(inputs["b"])).numpy()
    np.testing.assert_allclose(dense(**inputs), expected, rtol=1e-12, atol=1e-9)


def test_uint8_inputs_do_not_overflow():
    x = np.full((1, 300), 255, dtype=np.uint8)
    assert dense(x, np.ones((1, 300)), np.zeros(1))[0, 0] == 255 * 300


@pytest.mark.parametrize("example", declaration.FLATTEN_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_flatten_examples(example):
    assert np.array_equal(flatten(**example.inputs), example.expected)


@pytest.mark.parametrize("example", declaration.DENSE_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_dense_examples(example):
    assert np.array_equal(dense(**example.inputs), example.expected)


@pytest.mark.parametrize("model, layer, chw, features", declaration.LECTURE_FLATTENS)
def test_the_lectures_flatten_sizes(model, layer, chw, features):
    """Does each summary's Flatten print C * H * W of the map before it?"""
    assert np.prod(chw) == features


@pytest.mark.parametrize("model, layer, D, M, printed", declaration.LECTURE_DENSE_LAYERS)
def test_the_lectures_dense_parameter_counts(model, layer, D, M, printed):
    """Does each summary's Dense print M * D weights plus M biases?"""
    assert D * M + M == printed


def test_the_parameter_count_examples_count_the_parameters():
    """With all-ones inputs, weights and biases, do a layer's outputs sum to M * (D + 1)?"""
    for example in declaration.DENSE_EXAMPLES[1:]:
        (_, D), (M, _) = example.inputs["x"].shape, example.inputs["w"].shape
        assert dense(**example.inputs).sum() == D * M + M
