"""Is the image-data reference right? Checked against Pillow, Keras's documented semantics and the lecture."""

import numpy as np
import pytest
from hypothesis import given, settings
from PIL import Image

from grader.catalog import exercise10_image_data as declaration
from grader.reference.image_data import channels_first, normalize, one_hot, standardize, to_grayscale
from grader.deferred import built


@settings(max_examples=40, deadline=None)
@given(built(declaration.rgb_images()))
def test_grayscale_is_pillows_convert_L_before_rounding(inputs):
    """Does Pillow's convert("L") round our float grayscale, pixel by pixel (uint8 images, any shape)?"""
    image = np.asarray(inputs["image"])
    if image.dtype.kind in "iu":
        pixels = image.astype(np.uint8)
    else:
        pixels = np.round(image * 255 if image.max() <= 1 else image).astype(np.uint8)
    for rgb in pixels.reshape(-1, *pixels.shape[-3:]):
        pillow = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float64)
        # Pillow weighs with 16-bit fixed point (19595, 38470, 7471 / 65536): 1.2e-5 in all off the
        # 0.299, 0.587, 0.114 weights, on top of its rounding
        assert np.abs(to_grayscale(rgb) - pillow).max() <= 0.5 + 255 * 1.2e-5


def test_every_grey_level_keeps_its_value():
    """Is R = G = B = v grey v for all 256 levels (the lecture's 0, 35, ... 255 among them), as in Pillow?"""
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    np.testing.assert_allclose(to_grayscale(levels), np.arange(256)[None], atol=1e-9)
    assert np.array_equal(np.asarray(Image.fromarray(levels).convert("L")), np.arange(256)[None])


@pytest.mark.parametrize("example", declaration.GRAYSCALE_EXAMPLES, ids=lambda e: e.name)
def test_reference_reproduces_the_grayscale_examples(example):
    np.testing.assert_allclose(to_grayscale(**example.inputs), example.expected, rtol=1e-12)


def test_the_primaries_are_pillows_76_150_29():
    """Do pure red, green and blue give 76.245, 149.685 and 29.07, which Pillow rounds to 76, 150, 29?"""
    pillow = np.asarray(Image.fromarray(declaration.PRIMARY_IMAGE).convert("L"))
    assert pillow.tolist() == [[76, 150, 29, 255, 0]]
    np.testing.assert_allclose(to_grayscale(declaration.PRIMARY_IMAGE), [[76.245, 149.685, 29.07, 255, 0]])


def test_normalize_is_the_lectures_astype_float32_divided_by_255():
    images = np.arange(256, dtype=np.uint8).reshape(4, 8, 8)
    out = normalize(images)
    expected = images.astype("float32")
    expected /= 255
    assert out.dtype == np.float32 and np.array_equal(out, expected) and np.ptp(out) == 1.0


@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (1, 1, 2, 3), (2, 3, 7, 3)])
def test_standardize_gives_mean_0_and_std_1_with_the_channels_own_statistics(shape):
    """Per channel, with mean and std computed from x itself: is every channel mean 0 and std 1 afterwards?"""
    x = np.random.default_rng(1).random(shape) * np.arange(1, shape[1] + 1)[:, None, None]
    out = standardize(x, x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3)))
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-9)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, rtol=1e-9)


def test_standardize_is_torchvision_normalize():
    """Is it torchvision's Normalize, (x - mean[c]) / std[c] on (N, C, H, W)?"""
    import torch

    x = np.random.default_rng(0).random((2, 3, 4, 5))
    mean, std = np.array([0.4914, 0.4822, 0.4465]), np.array([0.247, 0.243, 0.261])  # CIFAR-10's usual ones
    expected = (torch.as_tensor(x) - torch.as_tensor(mean)[:, None, None]) / torch.as_tensor(std)[:, None, None]
    np.testing.assert_allclose(standardize(x, mean, std), expected.numpy(), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(built(declaration.label_inputs()))
def test_one_hot_is_keras_to_categorical(inputs):
    """Is it to_categorical: float32 (N, K), one 1 per row in the label's column, for (N,) and (N, 1) labels?

    (Keras's documented behaviour: the last axis of size 1 is squeezed, the result is float32 and
    row n has a 1 at labels[n]; torch.nn.functional.one_hot is the same up to dtype.)
    """
    import torch

    labels, K = inputs["labels"], inputs["num_classes"]
    out = one_hot(labels, K)
    expected = torch.nn.functional.one_hot(torch.as_tensor(labels.reshape(-1).astype(np.int64)), K).numpy()
    assert out.dtype == np.float32 and np.array_equal(out, expected)


@settings(max_examples=30, deadline=None)
@given(built(declaration.bad_label_inputs()))
def test_one_hot_names_a_bad_label(inputs):
    bad = declaration.bad_label(inputs)
    with pytest.raises(ValueError, match=str(bad)):
        one_hot(**inputs)


@settings(max_examples=40, deadline=None)
@given(built(declaration.channels_last_images()))
def test_channels_first_is_expand_dims_then_torch_permute(inputs):
    """Is it the lecture's img_to_array + expand_dims(axis=0), then permute(0, 3, 1, 2), dtype kept?"""
    import torch

    images = inputs["images"]
    batch = np.expand_dims(images, axis=0) if images.ndim == 3 else images
    out = channels_first(images)
    assert out.dtype == images.dtype
    assert np.array_equal(out, torch.as_tensor(batch).permute(0, 3, 1, 2).numpy())
