"""Exercise 10's answer key: the reference and what each known mistake returns."""

import numpy as np

from grader.reference import image_data as ref

to_grayscale = ref.to_grayscale
normalize = ref.normalize
standardize = ref.standardize
one_hot = ref.one_hot
channels_first = ref.channels_first

BT709_WEIGHTS = np.array([0.2125, 0.7154, 0.0721])  # scikit-image's rgb2gray (ITU-R BT.709)


def grayscale_mean(image):
    return np.asarray(image, dtype=np.float64).mean(axis=-1)


def grayscale_bgr(image):
    """The weights in OpenCV's BGR order: 0.114 on channel 0, 0.299 on channel 2."""
    return np.asarray(image, dtype=np.float64) @ ref.GRAY_WEIGHTS[::-1]


def grayscale_bt709(image):
    return np.asarray(image, dtype=np.float64) @ BT709_WEIGHTS


def normalize_by_256(images):
    return np.asarray(images, dtype=np.float64) / 256


def standardize_last_axis(x, mean, std):
    """(x - mean) / std with (C,) arrays: they broadcast against W; raises where they cannot."""
    return (np.asarray(x, dtype=np.float64) - np.asarray(mean)) / np.asarray(std)


def channels_first_hw_swapped(images):
    """transpose(0, 3, 2, 1): (N, C, W, H)."""
    images = np.asarray(images)
    return (images[np.newaxis] if images.ndim == 3 else images).transpose(0, 3, 2, 1)


def channels_first_reshaped(images):
    """reshape(N, C, H, W): the right shape, the pixels in their memory order."""
    images = np.asarray(images)
    images = images[np.newaxis] if images.ndim == 3 else images
    N, H, W, C = images.shape
    return images.reshape(N, C, H, W)


def hidden_checks(declaration) -> tuple:
    return ()
