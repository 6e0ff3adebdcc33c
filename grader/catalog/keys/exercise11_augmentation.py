"""Exercise 11's answer key: the reference, every answer a tie allows, and what each known mistake returns."""

import numpy as np

from grader.reference import augmentation as ref

hflip = ref.hflip
vflip = ref.vflip
rotate90 = ref.rotate90
adjust_brightness = ref.adjust_brightness
channel_shift = ref.channel_shift

TIE = 1e-6  # a source coordinate this close to k + 0.5 is a tie: both neighbours are accepted


def _both_neighbours(v):
    """floor(v + 0.5), and where v is a tie, the other neighbour (else the same)."""
    v = np.asarray(v, dtype=np.float64)
    rounded = np.floor(v + 0.5)
    tie = np.abs(v - np.floor(v) - 0.5) < TIE
    return rounded, np.where(tie, np.where(rounded > v, rounded - 1, rounded + 1), rounded)


def nearest_answers(image, r_in, c_in, fill) -> list[np.ndarray]:
    """Every right answer: the floor(v + 0.5) one first, then those that round ties the other way."""
    rows, cols = _both_neighbours(r_in), _both_neighbours(c_in)
    return [ref.remap(image, r, c, fill) for r in rows for c in cols]


def _coordinates(function: str, H: int, W: int, inputs: dict) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel of `function` comes from, (r_in, c_in), for its keyword arguments `inputs`."""
    if function == "shift":
        r, c = ref.output_grid(H, W)
        return r - inputs["dy"], c - inputs["dx"]
    if function == "rotate":
        return ref.rotate_coordinates(H, W, inputs["degrees"])
    if function == "shear":
        return ref.shear_coordinates(H, W, inputs["degrees"])
    return ref.zoom_coordinates(H, W, inputs["factor"])


def answers(function: str, inputs: dict) -> list[np.ndarray]:
    """Every right answer of shift, rotate, shear or zoom on `inputs` (their keyword arguments)."""
    _, H, W = np.shape(inputs["image"])
    return nearest_answers(inputs["image"], *_coordinates(function, H, W, inputs), inputs.get("fill", 0.0))


# --- What the known mistakes return ------------------------------------------------------------------


def shift_sign_flipped(image, dy, dx, fill=0.0):
    return ref.shift(image, -dy, -dx, fill)


def shift_rolled(image, dy, dx, fill=0.0):
    """np.roll: what leaves one edge comes back at the other."""
    return np.roll(np.asarray(image), (dy, dx), axis=(1, 2))


def rotate90_default_axes(image, k=1):
    """np.rot90 without axes: turns (C, H), the first two axes."""
    return np.rot90(np.asarray(image), k)


def rotate90_clockwise(image, k=1):
    return ref.rotate90(image, -k)


def rotate_clockwise(image, degrees, fill=0.0):
    return ref.rotate(image, -degrees, fill)


def rotate_about_corner(image, degrees, fill=0.0):
    _, H, W = np.shape(image)
    t = np.radians(degrees)
    r, c = ref.output_grid(H, W)
    return ref.remap(image, np.cos(t) * r + np.sin(t) * c, -np.sin(t) * r + np.cos(t) * c, fill)


def rotate_degrees_as_radians(image, degrees, fill=0.0):
    return ref.rotate(image, np.degrees(degrees), fill)


def shear_sign_flipped(image, degrees, fill=0.0):
    return ref.shear(image, -degrees, fill)


def zoom_inverted(image, factor, fill=0.0):
    return ref.zoom(image, 1 / factor, fill)


def _toward_zero(function: str, image, inputs: dict):
    """int(v + 0.5) or .astype(int): the right source, rounded toward zero instead of down."""
    _, H, W = np.shape(image)
    r_in, c_in = _coordinates(function, H, W, inputs)
    return ref.remap(image, np.trunc(r_in + 0.5), np.trunc(c_in + 0.5), inputs.get("fill", 0.0))


def shift_toward_zero(image, dy, dx, fill=0.0):
    return _toward_zero("shift", image, {"dy": dy, "dx": dx, "fill": fill})


def rotate_toward_zero(image, degrees, fill=0.0):
    return _toward_zero("rotate", image, {"degrees": degrees, "fill": fill})


def shear_toward_zero(image, degrees, fill=0.0):
    return _toward_zero("shear", image, {"degrees": degrees, "fill": fill})


def zoom_toward_zero(image, factor, fill=0.0):
    return _toward_zero("zoom", image, {"factor": factor, "fill": fill})


def shift_fill_ignored(image, dy, dx, fill=0.0):
    return ref.shift(image, dy, dx)


def rotate_fill_ignored(image, degrees, fill=0.0):
    return ref.rotate(image, degrees)


def shear_fill_ignored(image, degrees, fill=0.0):
    return ref.shear(image, degrees)


def zoom_fill_ignored(image, factor, fill=0.0):
    return ref.zoom(image, factor)


def brightness_not_clipped(image, factor):
    return np.asarray(image, dtype=np.float64) * factor


def channel_shift_clipped_01(image, intensity):
    return np.clip(np.asarray(image, dtype=np.float64) + intensity, 0, 1)


def hidden_checks(declaration) -> tuple:
    return ()
