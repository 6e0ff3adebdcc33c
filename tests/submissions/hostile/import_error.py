"""Broken: fails while being imported."""
import numpy as np

KERNELS = np.load("my_kernels.npy")


def correlate2d(image, kernel):
    return image


def conv2d(x, w, b=None):
    return x
