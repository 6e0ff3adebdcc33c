"""Sections 2 and 14: images as pixel arrays, and preparing them (and their labels) for a network."""

import numpy as np

GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 luma, for R, G, B


def to_grayscale(image):
    """(..., 3) channels-last RGB, any real dtype -> (...), float64: 0.299 R + 0.587 G + 0.114 B."""
    return np.asarray(image, dtype=np.float64) @ GRAY_WEIGHTS


def normalize(images):
    """uint8 0-255, any shape -> float32 0-1: images / 255."""
    return np.asarray(images).astype(np.float32) / np.float32(255)


def standardize(x, mean, std):
    """x: (N, C, H, W)   mean, std: (C,)  ->  (x - mean[c]) / std[c], float64."""
    x = np.asarray(x, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64).reshape(1, -1, 1, 1)
    std = np.asarray(std, dtype=np.float64).reshape(1, -1, 1, 1)
    return (x - mean) / std


def one_hot(labels, num_classes):
    """labels (N,) or (N, 1) in [0, num_classes) -> float32 (N, num_classes); ValueError naming a bad label."""
    labels = np.asarray(labels).reshape(-1)
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(f"label {bad[0]} is outside [0, {num_classes})")
    return np.eye(num_classes, dtype=np.float32)[labels]


def channels_first(images):
    """(H, W, C) -> (1, C, H, W); (N, H, W, C) -> (N, C, H, W); the dtype is kept."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[np.newaxis]
    return np.moveaxis(images, -1, 1)
