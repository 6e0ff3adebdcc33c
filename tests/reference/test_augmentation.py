"""Is the augmentation reference right? Checked against np.flip, np.rot90, scipy.ndimage and hand-made cases."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import ndimage

from grader.catalog import exercise11_augmentation as declaration
from grader.catalog.keys import exercise11_augmentation as key
from grader.reference import augmentation as ref
from grader.deferred import built

IMAGES = built(declaration.angle_inputs())


def scipy_affine(image, matrix, offset, fill):
    """scipy's nearest-neighbour inverse mapping, (r_in, c_in) = matrix @ (r, c) + offset, per channel."""
    return np.stack([ndimage.affine_transform(np.asarray(channel, dtype=np.float64), matrix, offset, order=0,
                                              mode="grid-constant", cval=fill) for channel in image])


def no_ties(r_in, c_in):
    """True when no source coordinate is near k + 0.5, where scipy and we may round apart."""
    return all(np.all(np.abs(v - np.floor(v) - 0.5) > 1e-6) for v in (r_in, c_in))


@pytest.mark.parametrize("function", sorted(declaration.WORKED))
def test_the_worked_examples_computed_by_hand(function):
    inputs, expected = declaration.WORKED[function]
    assert np.array_equal(getattr(ref, function)(**inputs), expected)


@settings(max_examples=40, deadline=None)
@given(built(declaration.flip_inputs()))
def test_flips_are_np_flip(inputs):
    image = inputs["image"]
    assert np.array_equal(ref.hflip(image), np.flip(image, axis=2))
    assert np.array_equal(ref.vflip(image), np.flip(image, axis=1))


@settings(max_examples=40, deadline=None)
@given(built(declaration.shift_inputs()))
def test_shift_is_scipy_ndimage_shift(inputs):
    """Is shift(image, dy, dx) scipy.ndimage.shift by (0, dy, dx) with a constant fill?"""
    fill = inputs.get("fill", 0.0)
    expected = ndimage.shift(inputs["image"].astype(np.float64), (0, inputs["dy"], inputs["dx"]), order=0,
                             mode="grid-constant", cval=fill)
    assert np.array_equal(ref.shift(**inputs), expected)


@settings(max_examples=40, deadline=None)
@given(built(declaration.rotate90_inputs()))
def test_rotate90_is_np_rot90_and_k_turns_of_one(inputs):
    image, k = inputs["image"], inputs.get("k", 1)
    out = ref.rotate90(image, k)
    assert np.array_equal(out, np.rot90(image, k, axes=(1, 2)))
    turned = image
    for _ in range(k % 4):
        turned = ref.rotate90(turned)
    assert np.array_equal(out, turned)


@settings(max_examples=60, deadline=None)
@given(IMAGES)
def test_rotate_is_scipy_affine_transform_away_from_ties(inputs):
    image, degrees, fill = inputs["image"], inputs["degrees"], inputs.get("fill", 0.0)
    _, H, W = image.shape
    r_in, c_in = ref.rotate_coordinates(H, W, degrees)
    assume(no_ties(r_in, c_in))
    t = np.radians(degrees)
    matrix = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    centre = np.array([(H - 1) / 2, (W - 1) / 2])
    expected = scipy_affine(image, matrix, centre - matrix @ centre, fill)
    assert np.array_equal(ref.rotate(image, degrees, fill), expected)


@settings(max_examples=60, deadline=None)
@given(built(declaration.angle_inputs(st.integers(-60, 60))))
def test_shear_is_scipy_affine_transform_away_from_ties(inputs):
    image, degrees, fill = inputs["image"], inputs["degrees"], inputs.get("fill", 0.0)
    _, H, W = image.shape
    r_in, c_in = ref.shear_coordinates(H, W, degrees)
    assume(no_ties(r_in, c_in))
    s = np.tan(np.radians(degrees))
    expected = scipy_affine(image, np.array([[1, 0], [s, 1]]), np.array([0, -s * (H - 1) / 2]), fill)
    assert np.array_equal(ref.shear(image, degrees, fill), expected)


@settings(max_examples=60, deadline=None)
@given(built(declaration.zoom_inputs()))
def test_zoom_is_scipy_affine_transform_away_from_ties(inputs):
    image, factor, fill = inputs["image"], inputs["factor"], inputs.get("fill", 0.0)
    _, H, W = image.shape
    r_in, c_in = ref.zoom_coordinates(H, W, factor)
    assume(no_ties(r_in, c_in))
    centre = np.array([(H - 1) / 2, (W - 1) / 2])
    expected = scipy_affine(image, np.eye(2) / factor, centre - centre / factor, fill)
    assert np.array_equal(ref.zoom(image, factor, fill), expected)


@pytest.mark.parametrize("H", [1, 2, 3, 4, 7])
def test_a_quarter_turn_of_a_square_image_is_rot90(H):
    """Does rotate(image, 90) on an odd or even square image equal np.rot90: the centre is right?"""
    image = np.arange(2 * H * H, dtype=np.float64).reshape(2, H, H)
    assert np.array_equal(ref.rotate(image, 90), np.rot90(image, 1, axes=(1, 2)))
    assert np.array_equal(ref.rotate(image, -90), np.rot90(image, -1, axes=(1, 2)))


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 4, 3), (2, 5, 8)])
def test_half_and_whole_turns(shape):
    """Is 180 degrees both flips and 0 or 360 degrees the image itself, on odd, even and non-square images?"""
    image = np.random.default_rng(0).random(shape)
    assert np.array_equal(ref.rotate(image, 180), image[:, ::-1, ::-1])
    assert np.array_equal(ref.rotate(image, 0), image) and np.array_equal(ref.rotate(image, 360), image)


def test_zoom_by_two_by_hand():
    """A row of four, zoomed 2x about its centre 1.5: sources 0.75, 1.25, 1.75, 2.25 -> pixels 1, 1, 2, 2."""
    image = np.array([[[10.0, 20.0, 30.0, 40.0]]])
    assert np.array_equal(ref.zoom(image, 2.0), [[[20.0, 20.0, 30.0, 30.0]]])
    # 0.5x: sources -1.5, 0.5, 2.5, 4.5; floor(v + 0.5) takes -1 (outside), 1, 3 and 4 (outside)
    assert np.array_equal(ref.zoom(image, 0.5, fill=-1.0), [[[-1.0, 20.0, 40.0, -1.0]]])


def test_shear_by_hand():
    """45 degrees on 3 rows: row 0 takes its pixels from one column left, row 2 from one column right."""
    image = np.arange(9, dtype=np.float64).reshape(1, 3, 3)
    assert np.array_equal(ref.shear(image, 45), [[[0, 0, 1], [3, 4, 5], [7, 8, 0]]])


def test_the_tie_rule_rounds_halves_up_and_the_grader_accepts_both():
    """floor(v + 0.5) takes the upper neighbour at .5; does compare_nearest accept the lower one too?"""
    image = np.array([[[1.0], [2.0]]])  # (1, 2, 1)
    answers = key.nearest_answers(image, np.array([[0.5]]), np.array([[0.0]]), 0.0)
    assert ref.remap(image, np.array([[0.5]]), np.array([[0.0]]))[0, 0, 0] == 2.0
    assert declaration.compare_nearest(answers, np.array([[[2.0]]]))[0] is None
    assert declaration.compare_nearest(answers, np.array([[[1.0]]]))[0] is None
    assert declaration.compare_nearest(answers, np.array([[[0.0]]]))[0] is not None


def keras_apply_channel_shift(x, intensity, channel_axis=0):
    """keras_preprocessing.image.apply_channel_shift (1.1.2), as published: min and max of the whole image."""
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    channel_images = [np.clip(x_channel + intensity, min_x, max_x) for x_channel in x]
    x = np.stack(channel_images, axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


@settings(max_examples=40, deadline=None)
@given(built(declaration.channel_shift_inputs()))
def test_channel_shift_is_keras_apply_channel_shift(inputs):
    np.testing.assert_allclose(ref.channel_shift(**inputs),
                               keras_apply_channel_shift(inputs["image"].astype(np.float64), inputs["intensity"]))


@settings(max_examples=40, deadline=None)
@given(built(declaration.brightness_inputs()))
def test_brightness_stays_in_0_1_and_factor_1_changes_nothing(inputs):
    out = ref.adjust_brightness(**inputs)
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(ref.adjust_brightness(inputs["image"], 1.0), inputs["image"], rtol=1e-7)
    np.testing.assert_allclose(out, np.minimum(inputs["image"].astype(np.float64) * inputs["factor"], 1))
