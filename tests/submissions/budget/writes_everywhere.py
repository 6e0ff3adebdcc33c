"""Hostile (issue 19 §2): looks for any place to write besides its disk budget's tmpfs (its
folder, /tmp, /dev/shm): bubblewrap's own root and /dev are tmpfs of no size limit, which a
worker in a user namespace owns. conv2d raises the list of places it could write; correlate2d is right."""
import os

import numpy as np

PLACES = ["/", "/etc", "/dev", "/usr", "/var", "/home", "/root", "/.cnn-grader-worker", "/proc/self/cwd/.."]


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _writable(folder):
    path = os.path.join(folder, "cnn-grader-outside-the-budget")
    try:
        with open(path, "w") as handle:
            handle.write("x")
        os.unlink(path)
        return os.path.realpath(folder) not in ("/dev/shm",)  # its own tmpfs, reached by another name
    except OSError:
        return False


def conv2d(x, w, b=None):
    raise RuntimeError(f"writable outside its budget: {[place for place in PLACES if _writable(place)]}")
