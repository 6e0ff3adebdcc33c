"""Exercise 11: data augmentation (lecture section 9).

Augmentation makes new training images from the ones you have: shifted, flipped, rotated,
sheared, zoomed, brighter or darker, with shifted colours. The label stays the same, so the
network learns that a cat moved or turned is still a cat, and overfits less.

Images here are (C, H, W) floats in [0, 1]; (r, c) are row and column, and the centre of an
image is (cy, cx) = ((H - 1) / 2, (W - 1) / 2). Every geometric transform works backwards:
for each OUTPUT pixel (r, c) it computes the point (r_in, c_in) of the input it comes from,
takes the nearest input pixel there, floor(v + 0.5) (at an exact .5 either neighbour is
accepted), and uses `fill` where that pixel is outside the image. Working backwards leaves
no holes in the output, which working forwards (moving each input pixel) would.

Grade your work with `grade exercise11`.
"""

import numpy as np


def sample_nearest(image, r_in, c_in, fill=0.0):
    """The helper every geometric transform uses: out[:, r, c] = image[:, round(r_in), round(c_in)].

    image: (C, H, W)   r_in, c_in: (H', W') floats, where each output pixel comes from
    returns (C, H', W'), floating point: the nearest pixel, floor(v + 0.5), or `fill` where
    that pixel is outside the image
    """
    # BEGIN SOLUTION: round with np.floor(v + 0.5), mark what lies inside, copy those pixels into an array of `fill`
    image = np.asarray(image, dtype=np.float64)
    _, H, W = image.shape
    rows = np.floor(np.asarray(r_in) + 0.5).astype(int)
    cols = np.floor(np.asarray(c_in) + 0.5).astype(int)
    inside = (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)
    out = np.full((image.shape[0], *rows.shape), fill, dtype=np.float64)
    out[:, inside] = image[:, rows[inside], cols[inside]]
    return out
    # END SOLUTION


def hflip(image):
    """Mirror left-right (ImageDataGenerator(horizontal_flip=True)): W reversed.

    image: (C, H, W)   returns (C, H, W): out[:, r, c] = image[:, r, W - 1 - c]
    """
    # BEGIN SOLUTION: reverse the last axis with a slice
    return np.asarray(image)[:, :, ::-1]
    # END SOLUTION


def vflip(image):
    """Mirror top-bottom (ImageDataGenerator(vertical_flip=True)): H reversed.

    image: (C, H, W)   returns (C, H, W): out[:, r, c] = image[:, H - 1 - r, c]
    """
    # BEGIN SOLUTION: reverse the middle axis with a slice
    return np.asarray(image)[:, ::-1, :]
    # END SOLUTION


def shift(image, dy, dx, fill=0.0):
    """Move the content dy pixels down and dx pixels right (negative: up and left).

    image: (C, H, W)   dy, dx: ints   fill: the value of the pixels that come in from outside
    returns (C, H, W): out[:, r, c] = image[:, r - dy, c - dx], or fill where that is outside
    """
    # BEGIN SOLUTION: the source of output pixel (r, c) is (r - dy, c - dx): build those grids, then sample_nearest
    _, H, W = np.shape(image)
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    return sample_nearest(image, r - dy, c - dx, fill)
    # END SOLUTION


def rotate90(image, k=1):
    """k quarter turns counter-clockwise, like np.rot90(image, k, axes=(1, 2)); k may be negative.

    image: (C, H, W)   returns (C, W, H) for odd k, (C, H, W) for even k
    """
    # BEGIN SOLUTION: one quarter turn is a transpose of H and W followed by a vertical flip; repeat k % 4 times
    image = np.asarray(image)
    for _ in range(k % 4):
        image = image.transpose(0, 2, 1)[:, ::-1, :]
    return image
    # END SOLUTION


def rotate(image, degrees, fill=0.0):
    """Rotate counter-clockwise by `degrees` about the centre (ImageDataGenerator(rotation_range=...)).

    image: (C, H, W)   returns (C, H, W); with t = radians(degrees), output pixel (r, c) comes from
        r_in = cy + cos(t) (r - cy) + sin(t) (c - cx)
        c_in = cx - sin(t) (r - cy) + cos(t) (c - cx)
    """
    # BEGIN SOLUTION: make the (r, c) grids, compute r_in and c_in with the formula, then sample_nearest
    _, H, W = np.shape(image)
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    t = np.radians(degrees)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    r_in = cy + np.cos(t) * (r - cy) + np.sin(t) * (c - cx)
    c_in = cx - np.sin(t) * (r - cy) + np.cos(t) * (c - cx)
    return sample_nearest(image, r_in, c_in, fill)
    # END SOLUTION


def shear(image, degrees, fill=0.0):
    """Slant the image (ImageDataGenerator(shear_range=...)): rows slide sideways, more the farther
    they are from the centre row.

    image: (C, H, W)   returns (C, H, W); output pixel (r, c) comes from
        r_in = r,   c_in = c + tan(t) (r - cy)   with t = radians(degrees)
    """
    # BEGIN SOLUTION: rows stay, columns move by tan(t) * (r - cy); then sample_nearest
    _, H, W = np.shape(image)
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    return sample_nearest(image, r, c + np.tan(np.radians(degrees)) * (r - (H - 1) / 2), fill)
    # END SOLUTION


def zoom(image, factor, fill=0.0):
    """Zoom about the centre (ImageDataGenerator(zoom_range=...)): factor > 1 enlarges, < 1 shrinks.

    image: (C, H, W)   returns (C, H, W); output pixel (r, c) comes from
        r_in = cy + (r - cy) / factor,   c_in = cx + (c - cx) / factor
    """
    # BEGIN SOLUTION: divide each pixel's distance from the centre by factor; then sample_nearest
    _, H, W = np.shape(image)
    r, c = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    cy, cx = (H - 1) / 2, (W - 1) / 2
    return sample_nearest(image, cy + (r - cy) / factor, cx + (c - cx) / factor, fill)
    # END SOLUTION


def adjust_brightness(image, factor):
    """Scale every value by `factor` (0 is black, 1 no change), kept in [0, 1].

    image: (C, H, W) in [0, 1]   returns (C, H, W), floating point: clip(image * factor, 0, 1)
    """
    # BEGIN SOLUTION: multiply, then np.clip to [0, 1]
    return np.clip(np.asarray(image, dtype=np.float64) * factor, 0, 1)
    # END SOLUTION


def channel_shift(image, intensity):
    """Add `intensity` to every value (ImageDataGenerator(channel_shift_range=...)), kept within the
    image's own range, as Keras does.

    image: (C, H, W)   returns (C, H, W), floating point:
        clip(image + intensity, image.min(), image.max())   (one intensity for every channel)
    """
    # BEGIN SOLUTION: take min and max of the whole image BEFORE adding, then add and clip to them
    image = np.asarray(image, dtype=np.float64)
    return np.clip(image + intensity, image.min(), image.max())
    # END SOLUTION
