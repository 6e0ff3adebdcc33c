"""Mistake: the output starts as np.zeros, so `fill` never takes effect."""
import numpy as np


def _grid(image):
    _, H, W = image.shape
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    return r, c, (H - 1) / 2, (W - 1) / 2


def _sample(image, r_in, c_in, fill):
    _, H, W = image.shape
    rows, cols = np.floor(r_in + 0.5).astype(int), np.floor(c_in + 0.5).astype(int)
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)
    out = np.zeros(image.shape)
    out[:, inside] = image[:, rows[inside], cols[inside]]
    return out


def hflip(image):
    return image[:, :, ::-1]


def vflip(image):
    return image[:, ::-1, :]


def shift(image, dy, dx, fill=0.0):
    r, c, _, _ = _grid(image)
    return _sample(image, r - dy, c - dx, fill)


def rotate90(image, k=1):
    return np.rot90(image, k, axes=(1, 2))


def rotate(image, degrees, fill=0.0):
    r, c, cy, cx = _grid(image)
    t = np.deg2rad(degrees)
    return _sample(image, cy + np.cos(t) * (r - cy) + np.sin(t) * (c - cx),
                   cx - np.sin(t) * (r - cy) + np.cos(t) * (c - cx), fill)


def shear(image, degrees, fill=0.0):
    r, c, cy, _ = _grid(image)
    return _sample(image, r, c + np.tan(np.deg2rad(degrees)) * (r - cy), fill)


def zoom(image, factor, fill=0.0):
    r, c, cy, cx = _grid(image)
    return _sample(image, cy + (r - cy) / factor, cx + (c - cx) / factor, fill)


def adjust_brightness(image, factor):
    return np.clip(image * factor, 0, 1)


def channel_shift(image, intensity):
    return np.clip(image + intensity, image.min(), image.max())
