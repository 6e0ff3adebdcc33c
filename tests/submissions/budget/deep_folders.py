"""Hostile (issue 19 §2): conv2d makes chains of 1,500 nested folders in its folder and in /tmp
(deeper than shutil.rmtree can remove: it recurses) and 12,000 empty files in /tmp, then returns
zeros; correlate2d is right.

Nothing of it may stop the grader removing what it left, or outlive its worker."""
import os

import numpy as np

MARKER = "cnn-grader-deep-folders"


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _chain(top, depth):
    os.makedirs(top, exist_ok=True)
    folder = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        try:
            os.mkdir("d", dir_fd=folder)
        except FileExistsError:
            pass
        inner = os.open("d", os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)


def conv2d(x, w, b=None):
    spot = f"/tmp/{MARKER}-{os.getpid()}"
    _chain(".", 1500)
    _chain(spot, 1500)
    for n in range(12000):
        open(f"{spot}/f{n}", "w").close()
    x, w = np.asarray(x), np.asarray(w)
    return np.zeros((x.shape[0], w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1))
