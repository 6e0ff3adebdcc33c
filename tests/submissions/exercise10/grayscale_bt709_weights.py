"""Mistake: scikit-image's rgb2gray weights (ITU-R BT.709), not BT.601's 0.299, 0.587, 0.114."""
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
    image = np.asarray(image, dtype=np.float64)
    return image @ np.array([0.2125, 0.7154, 0.0721])


def normalize(images):
    """Pixel values from 0-255 to 0-1, as the lecture does before training (section 14).

    images: uint8 of any shape
    returns float32 of the same shape: images / 255
    """
    return np.asarray(images).astype(np.float32) / np.float32(255)


def standardize(x, mean, std):
    """Each channel shifted to mean 0 and scaled to standard deviation 1.

    x: (N, C, H, W) floats   mean, std: (C,), one value per channel
    returns (N, C, H, W), floating point:
        out[n, c] = (x[n, c] - mean[c]) / std[c]
    """
    x = np.asarray(x, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64).reshape(1, -1, 1, 1)
    std = np.asarray(std, dtype=np.float64).reshape(1, -1, 1, 1)
    return (x - mean) / std


def one_hot(labels, num_classes):
    """Class numbers to one-hot rows, like Keras's `to_categorical` (section 14).

    labels: integers (N,) or (N, 1) (CIFAR-10's y_train is (50000, 1)), each in [0, num_classes)
    returns float32 (N, num_classes): out[n, labels[n]] = 1, zeros elsewhere
    raises ValueError naming the label when one is outside [0, num_classes)
    """
    labels = np.asarray(labels).reshape(-1)
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(f"label {bad[0]} is outside [0, {num_classes}): labels go from 0 to num_classes - 1")
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1
    return out


def channels_first(images):
    """Channels-last images as loaded from files, in PyTorch's layout, with a batch axis.

    images: (H, W, C) -> (1, C, H, W), or (N, H, W, C) -> (N, C, H, W); any dtype
    out[n, c, i, j] = images[n, i, j, c] (the lecture's img_to_array + expand_dims, channels first)
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[np.newaxis]
    return images.transpose(0, 3, 1, 2)
