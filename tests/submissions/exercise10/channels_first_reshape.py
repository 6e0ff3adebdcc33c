"""Mistake: reshape instead of transpose: the right shape, scrambled pixels."""
import numpy as np


def to_grayscale(image):
    image = np.asarray(image, dtype=np.float64)
    return 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]


def normalize(images):
    return images.astype(np.float32) / 255


def standardize(x, mean, std):
    return (x - mean[:, None, None]) / std[:, None, None]


def one_hot(labels, num_classes):
    labels = np.asarray(labels).reshape(-1)
    for label in labels:
        if label < 0 or label >= num_classes:
            raise ValueError(f"label {label} is not in [0, {num_classes})")
    return np.eye(num_classes, dtype=np.float32)[labels]


def channels_first(images):
    if images.ndim == 3:
        images = images[None]
    N, H, W, C = images.shape
    return images.reshape(N, C, H, W)
