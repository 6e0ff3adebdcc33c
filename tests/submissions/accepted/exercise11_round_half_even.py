"""Right, written differently: np.rint rounds ties to even (accepted), a rotation matrix, loops, np.flip."""
import numpy as np


def _coordinates(H, W):
    rows, cols = np.indices((H, W))
    return rows.astype(np.float32), cols.astype(np.float32)


def _sample(image, r_in, c_in, fill):
    C, H, W = image.shape
    out = np.empty((C, H, W))
    for r in range(H):
        for c in range(W):
            i, j = int(np.rint(r_in[r, c])), int(np.rint(c_in[r, c]))
            out[:, r, c] = image[:, i, j] if 0 <= i < H and 0 <= j < W else fill
    return out


def hflip(image):
    return np.flip(image, axis=2)


def vflip(image):
    return np.flip(image, axis=1)


def shift(image, dy, dx, fill=0.0):
    C, H, W = image.shape
    out = np.full((C, H, W), fill, dtype=image.dtype)
    if abs(dy) < H and abs(dx) < W:  # otherwise everything moved out
        out[:, max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
            image[:, max(-dy, 0):H - max(dy, 0), max(-dx, 0):W - max(dx, 0)]
    return out


def rotate90(image, k=1):
    for _ in range(k % 4):
        image = np.flip(np.swapaxes(image, 1, 2), axis=1)
    return image


def rotate(image, degrees, fill=0.0):
    _, H, W = image.shape
    t = np.deg2rad(degrees)
    centre = np.array([(H - 1) / 2, (W - 1) / 2])[:, None]
    matrix = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    rows, cols = np.indices((H, W))
    source = matrix @ (np.stack([rows.ravel(), cols.ravel()]) - centre) + centre
    return _sample(image, source[0].reshape(H, W), source[1].reshape(H, W), fill)


def shear(image, degrees, fill=0.0):
    _, H, W = image.shape
    rows, cols = _coordinates(H, W)
    return _sample(image, rows, cols + np.tan(np.radians(degrees)) * (rows - (H - 1) / 2), fill)


def zoom(image, factor, fill=0.0):
    _, H, W = image.shape
    rows, cols = _coordinates(H, W)
    return _sample(image, (H - 1) / 2 + (rows - (H - 1) / 2) / factor, (W - 1) / 2 + (cols - (W - 1) / 2) / factor, fill)


def adjust_brightness(image, factor):
    return np.minimum(np.maximum(image * factor, 0.0), 1.0)


def channel_shift(image, intensity):
    low, high = image.min(), image.max()
    return np.clip(image + intensity, low, high)
