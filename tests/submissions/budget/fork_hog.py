"""Hostile (issue 19 §2): conv2d forks eight children that each hold 300 MB, within the 1 GB that
RLIMIT_AS allows each process, 2.4 GB together; correlate2d is right.

The parent waits for its children, which never end: only the submission's memory budget (all
its processes together) stops it, and conv2d's checks say so."""
import os
import time

import numpy as np


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    for _ in range(8):
        if os.fork() == 0:
            hoard = np.ones(300 * 2**20 // 8)  # touched: resident, not merely reserved
            time.sleep(600)
            os._exit(0)
    while True:
        os.wait()
