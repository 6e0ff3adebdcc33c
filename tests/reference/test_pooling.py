"""Is the pooling reference right? Checked against PyTorch and the lecture's arithmetic."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

from grader.catalog import exercise4_pooling as declaration
from grader.reference.padding import pair
from grader.reference.pooling import avg_pool2d, max_pool2d
from grader.deferred import built


def torch_pool(pool, x, size=2, stride=None):
    return pool(torch.as_tensor(np.asarray(x, dtype=np.float64)), pair(size),
                pair(size if stride is None else stride)).numpy()


@settings(max_examples=80, deadline=None)
@given(built(declaration.pooling_inputs()))
def test_max_pool2d_matches_torch(inputs):
    """Does max_pool2d agree with torch's max_pool2d (no padding, floor) for every form of arguments?"""
    np.testing.assert_array_equal(max_pool2d(**inputs), torch_pool(torch.nn.functional.max_pool2d, **inputs))


@settings(max_examples=80, deadline=None)
@given(built(declaration.pooling_inputs()))
def test_avg_pool2d_matches_torch(inputs):
    """Does avg_pool2d agree with torch's avg_pool2d, overlapping and skipping windows included?"""
    np.testing.assert_allclose(avg_pool2d(**inputs), torch_pool(torch.nn.functional.avg_pool2d, **inputs),
                               rtol=1e-12, atol=1e-12)


def test_uint8_pixels_do_not_overflow_or_truncate():
    """Do four 255s average to 255.0 and 0, 1, 1, 1 to 0.75, as float64?"""
    x = np.array([[[[255, 255, 0, 1], [255, 255, 1, 1]]]], dtype=np.uint8)
    out = avg_pool2d(x)
    assert out.dtype == np.float64 and out.tolist() == [[[[255.0, 0.75]]]]
    assert max_pool2d(x).dtype == np.float64


@pytest.mark.parametrize("example", declaration.MAX_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_max_example(example):
    assert np.array_equal(max_pool2d(**example.inputs), example.expected)


@pytest.mark.parametrize("example", declaration.AVG_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_lecture_avg_example(example):
    assert np.array_equal(avg_pool2d(**example.inputs), example.expected)


def test_a_max_pool_that_keeps_the_bottom_right_element_is_told_apart():
    """On the lecture's map, the bottom-right element of each window differs from the max."""
    x = declaration.FEATURE_MAP[None, None]
    assert not np.array_equal(declaration.EXERCISE.mistake("max_last_element").reproduce(x), max_pool2d(x))
