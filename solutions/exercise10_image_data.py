"""Exercise 10: image data (lecture sections 2 and 14).

An image file holds, for every pixel, three numbers from 0 to 255: its red, green and blue
values (section 2). Loaded with Keras or Pillow it is channels-last, (H, W, 3), uint8; a
grayscale image keeps only the brightness, one number per pixel. Before a network sees the
images they are prepared (section 14, CIFAR-10): scaled from 0-255 to 0-1 as float32,
possibly standardized per channel, the labels one-hot encoded, and (in this course, which
uses PyTorch's layout) the channels moved to the front: (N, C, H, W).

Grade your work with `grade exercise10`.
"""

import numpy as np

# ITU-R BT.601 luma weights for R, G and B: what Pillow's convert("L") uses.
GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def to_grayscale(image):
    """The brightness of every pixel: a weighted sum of its red, green and blue values.

    image: (H, W, 3) or (N, H, W, 3), channels-last, any real dtype (uint8 0-255 included)
    returns (H, W) or (N, H, W), floating point:
        out = 0.299 * R + 0.587 * G + 0.114 * B
    A grey pixel (R = G = B, the lecture's 0, 35, 70, ... 255) keeps its value.
    """
    # BEGIN SOLUTION: weight the last axis (R, G, B) by GRAY_WEIGHTS and sum it away, in floating point
    image = np.asarray(image, dtype=np.float64)
    return image @ np.array(GRAY_WEIGHTS)
    # END SOLUTION


def normalize(images):
    """Pixel values from 0-255 to 0-1, as the lecture does before training (section 14).

    images: uint8 of any shape
    returns float32 of the same shape: images / 255
    """
    # BEGIN SOLUTION: convert to float32 first, then divide by 255 (the largest pixel value)
    return np.asarray(images).astype(np.float32) / np.float32(255)
    # END SOLUTION


def standardize(x, mean, std):
    """Each channel shifted to mean 0 and scaled to standard deviation 1.

    x: (N, C, H, W) floats   mean, std: (C,), one value per channel
    returns (N, C, H, W), floating point:
        out[n, c] = (x[n, c] - mean[c]) / std[c]
    """
    # BEGIN SOLUTION: reshape mean and std to (1, C, 1, 1) so that they broadcast over the channel axis
    x = np.asarray(x, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64).reshape(1, -1, 1, 1)
    std = np.asarray(std, dtype=np.float64).reshape(1, -1, 1, 1)
    return (x - mean) / std
    # END SOLUTION


def one_hot(labels, num_classes):
    """Class numbers to one-hot rows, like Keras's `to_categorical` (section 14).

    labels: integers (N,) or (N, 1) (CIFAR-10's y_train is (50000, 1)), each in [0, num_classes)
    returns float32 (N, num_classes): out[n, labels[n]] = 1, zeros elsewhere
    raises ValueError naming the label when one is outside [0, num_classes)
    """
    # BEGIN SOLUTION: flatten the labels to (N,), check their range, then set one 1 per row
    labels = np.asarray(labels).reshape(-1)
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(f"label {bad[0]} is outside [0, {num_classes}): labels go from 0 to num_classes - 1")
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1
    return out
    # END SOLUTION


def channels_first(images):
    """Channels-last images as loaded from files, in PyTorch's layout, with a batch axis.

    images: (H, W, C) -> (1, C, H, W), or (N, H, W, C) -> (N, C, H, W); any dtype
    out[n, c, i, j] = images[n, i, j, c] (the lecture's img_to_array + expand_dims, channels first)
    """
    # BEGIN SOLUTION: add the batch axis to a single image, then move the last axis to position 1
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[np.newaxis]
    return images.transpose(0, 3, 1, 2)
    # END SOLUTION
