"""Section 9, "Image Data Augmentation": flips, shifts, rotations, shear, zoom, brightness, channel shift.

Images are (C, H, W). Geometric transforms map each OUTPUT pixel (r, c) back to the point
(r_in, c_in) of the input it comes from, take the nearest pixel there, floor(v + 0.5), and
`fill` where that pixel is outside the image. The centre is ((H - 1) / 2, (W - 1) / 2).
"""

import numpy as np


def nearest(v):
    """The nearest integer, halves rounded up: floor(v + 0.5)."""
    return np.floor(np.asarray(v) + 0.5).astype(np.int64)


def remap(image, r_in, c_in, fill=0.0):
    """out[:, r, c] = image[:, nearest(r_in[r, c]), nearest(c_in[r, c])], or `fill` outside; float64.

    The output has one pixel per entry of r_in and c_in: (C, H', W').
    """
    image = np.asarray(image, dtype=np.float64)
    C, H, W = image.shape
    rows, cols = nearest(r_in), nearest(c_in)
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)
    out = np.full((C, *rows.shape), fill, dtype=np.float64)
    out[:, inside] = image[:, rows[inside], cols[inside]]
    return out


def output_grid(H, W):
    """r and c of every output pixel, (H, W) each, as floats."""
    r, c = np.meshgrid(np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64), indexing="ij")
    return r, c


def rotate_coordinates(H, W, degrees):
    """Counter-clockwise about the centre: where each output pixel comes from."""
    t = np.radians(degrees)
    r, c = output_grid(H, W)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    return cy + np.cos(t) * (r - cy) + np.sin(t) * (c - cx), cx - np.sin(t) * (r - cy) + np.cos(t) * (c - cx)


def shear_coordinates(H, W, degrees):
    """Rows stay, columns slide by tan(t) per row away from the centre row."""
    r, c = output_grid(H, W)
    return r, c + np.tan(np.radians(degrees)) * (r - (H - 1) / 2)


def zoom_coordinates(H, W, factor):
    """About the centre; factor > 1 enlarges (each output pixel comes from closer to the centre)."""
    r, c = output_grid(H, W)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    return cy + (r - cy) / factor, cx + (c - cx) / factor


def hflip(image):
    """Mirror left-right: W reversed."""
    return np.asarray(image)[:, :, ::-1]


def vflip(image):
    """Mirror top-bottom: H reversed."""
    return np.asarray(image)[:, ::-1, :]


def shift(image, dy, dx, fill=0.0):
    """out[:, r, c] = image[:, r - dy, c - dx]: positive dy, dx move the content down and right."""
    _, H, W = np.shape(image)
    r, c = output_grid(H, W)
    return remap(image, r - dy, c - dx, fill)


def rotate90(image, k=1):
    """k quarter turns counter-clockwise, in the (H, W) plane."""
    return np.rot90(np.asarray(image), k, axes=(1, 2))


def rotate(image, degrees, fill=0.0):
    _, H, W = np.shape(image)
    return remap(image, *rotate_coordinates(H, W, degrees), fill)


def shear(image, degrees, fill=0.0):
    _, H, W = np.shape(image)
    return remap(image, *shear_coordinates(H, W, degrees), fill)


def zoom(image, factor, fill=0.0):
    _, H, W = np.shape(image)
    return remap(image, *zoom_coordinates(H, W, factor), fill)


def adjust_brightness(image, factor):
    """clip(image * factor, 0, 1), float64."""
    return np.clip(np.asarray(image, dtype=np.float64) * factor, 0, 1)


def channel_shift(image, intensity):
    """clip(image + intensity, image.min(), image.max()): Keras's channel_shift_range, one intensity for all."""
    image = np.asarray(image, dtype=np.float64)
    return np.clip(image + intensity, image.min(), image.max())
