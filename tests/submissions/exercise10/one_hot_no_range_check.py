"""Mistake: no range check: -1 silently selects the last class."""
import numpy as np


def to_grayscale(image):
    image = np.asarray(image, dtype=np.float64)
    return 0.299 * image[..., 0] + 0.587 * image[..., 1] + 0.114 * image[..., 2]


def normalize(images):
    return images.astype(np.float32) / 255


def standardize(x, mean, std):
    return (x - mean[:, None, None]) / std[:, None, None]


def one_hot(labels, num_classes):
    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels).reshape(-1)]


def channels_first(images):
    if images.ndim == 3:
        images = images[None]
    return images.transpose(0, 3, 1, 2)
