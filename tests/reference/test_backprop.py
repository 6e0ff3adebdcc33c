"""Is the backward-pass reference right? Every gradient checked against torch.autograd."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.catalog import exercise17_backprop as declaration
from grader.catalog.keys import exercise17_backprop as key
from grader.strategies import draw_array
from grader.reference import backprop as ref
from grader.reference.padding import pair
from grader.reference.pooling import avg_pool2d, max_pool2d
from grader.reference.stride import conv2d_strided
from grader.deferred import built


def leaf(array):
    return torch.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def autograd(forward, dout, *inputs):
    """The gradients torch.autograd gives for sum(dout * forward(*inputs)), one per input."""
    leaves = [leaf(value) for value in inputs]
    forward(*leaves).backward(torch.as_tensor(dout))
    return [tensor.grad.numpy() for tensor in leaves]


@settings(max_examples=80, deadline=None)
@given(built(declaration.conv_inputs()))
def test_conv2d_backward_matches_autograd(inputs):
    """dx, dw, db for int and (H, W) strides and paddings, overlapping windows included?"""
    dout, x, w, stride, padding = inputs.values()
    b = np.zeros(len(w))
    expected = autograd(lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=pair(stride), padding=pair(padding)),
                        dout, x, w, b)
    for got, want in zip(ref.conv2d_backward(**inputs), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


def torch_pool(pool, size, stride):
    return lambda x: pool(x, pair(size), pair(size if stride is None else stride))


@st.composite
def pool_inputs_with_ties(draw):
    """Pooling inputs whose x keeps its ties even where windows overlap (values 0, 1 and 2 only)."""
    inputs = draw(built(declaration.pool_inputs()))
    return {**inputs, "x": draw_array(draw, np.uint8, inputs["x"].shape, label="ties").astype(np.float64) % 3}


@settings(max_examples=80, deadline=None)
@given(st.one_of(built(declaration.pool_inputs()), pool_inputs_with_ties()))
def test_max_pool2d_backward_matches_autograd_first_maximum_on_ties(inputs):
    """Does each window's gradient go where torch sends it: the first maximum, row-major, summed where windows overlap?"""
    size, stride = inputs.get("size", 2), inputs.get("stride")
    (expected,) = autograd(torch_pool(torch.nn.functional.max_pool2d, size, stride), inputs["dout"], inputs["x"])
    np.testing.assert_array_equal(ref.max_pool2d_backward(**inputs), expected)


@settings(max_examples=80, deadline=None)
@given(built(declaration.pool_inputs()))
def test_avg_pool2d_backward_matches_autograd(inputs):
    size, stride = inputs.get("size", 2), inputs.get("stride")
    (expected,) = autograd(torch_pool(torch.nn.functional.avg_pool2d, size, stride), inputs["dout"], inputs["x"])
    np.testing.assert_allclose(ref.avg_pool2d_backward(**inputs), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(built(declaration.dense_inputs()))
def test_dense_backward_matches_autograd(inputs):
    dout, x, w = inputs.values()
    expected = autograd(torch.nn.functional.linear, dout, x, w, np.zeros(len(w)))
    for got, want in zip(ref.dense_backward(**inputs), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(built(declaration.relu_inputs()))
def test_relu_backward_matches_autograd_zero_at_zero(inputs):
    """dout where x > 0, and 0 at x == 0 as torch.relu's backward gives?"""
    (expected,) = autograd(torch.relu, inputs["dout"], inputs["x"])
    np.testing.assert_array_equal(ref.relu_backward(**inputs), expected)


@settings(max_examples=40, deadline=None)
@given(built(declaration.quadratic_inputs()))
def test_numerical_gradient_is_exact_on_quadratics_and_leaves_x_alone(inputs):
    """Central differences give 2*a*x + c (autograd's gradient) to rounding, and x is unchanged?"""
    x, a, c, h = inputs.values()
    (expected,) = autograd(lambda x: torch.as_tensor(a) * x * x + torch.as_tensor(c) * x, np.ones_like(x), x)
    kept = x.copy()
    np.testing.assert_allclose(ref.numerical_gradient(lambda v: np.sum(a * v * v + c * v), x, h), expected,
                               rtol=1e-6, atol=1e-6)
    assert np.array_equal(x, kept)


@settings(max_examples=40, deadline=None)
@given(built(declaration.gradient_check_inputs()))
def test_the_loss_gradient_checking_differentiates_is_the_forward_pass_and_its_gradient_the_references(inputs):
    """Is the key's loss for gradient checking sum(dout * forward), with the reference's gradient?"""
    layer, wrt, given_ = inputs["layer"], inputs["wrt"], inputs["inputs"]
    point = {**given_, "b": np.zeros(len(given_["w"]))} if layer in ("dense", "conv2d") else given_  # as the check does
    x = point["x"]
    forward = {
        "relu": lambda: np.maximum(x, 0),
        "dense": lambda: x @ point["w"].T + point["b"],
        "conv2d": lambda: conv2d_strided(x, point["w"], point["b"], point.get("stride", 1), point.get("padding", 0)),
        "max_pool2d": lambda: max_pool2d(x, point.get("size", 2), point.get("stride")),
        "avg_pool2d": lambda: avg_pool2d(x, point.get("size", 2), point.get("stride")),
    }[layer]
    assert key.layer_loss(layer, point) == pytest.approx(np.sum(point["dout"] * forward()), rel=1e-12, abs=1e-9)
    function = f"{layer}_backward"
    truth = declaration._parts(function, declaration.REFERENCES[function](**given_))[f"d{wrt}"]
    numeric = ref.numerical_gradient(lambda v: key.layer_loss(layer, {**point, wrt: v}),
                                     np.array(point[wrt], dtype=np.float64))
    np.testing.assert_allclose(numeric, truth, rtol=1e-4, atol=1e-4)


def test_distinct_keeps_the_order_and_breaks_ties():
    x = np.array([[[[0.0, 0.0, 1.0, -1.0]]]])
    out = declaration.distinct(x)
    assert len(set(out.ravel())) == 4 and out[0, 0, 0, 3] < min(out[0, 0, 0, :2]) and out[0, 0, 0, 2] == out.max()


@pytest.mark.parametrize("example", declaration.MAX_POOL_EXAMPLES, ids=lambda e: e.name)
def test_the_lecture_example_sends_the_gradient_to_5_9_4_and_3(example):
    dx = ref.max_pool2d_backward(**example.inputs)
    assert np.array_equal(dx, example.expected)
    assert {(int(r), int(c)): dx[0, 0, r, c] for r, c in zip(*np.nonzero(dx[0, 0]))} == {
        (0, 0): 1, (1, 3): 2, (2, 0): 3, (2, 3): 4}
