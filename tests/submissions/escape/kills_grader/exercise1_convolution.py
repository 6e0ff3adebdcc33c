"""Escape class: SIGKILLs its parent and its parent's process group (the grader, in a batch
a pool process), which once stopped the batch on every rerun."""
import os
import signal

import numpy as np


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    done = []
    for target in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                   lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)):
        try:
            target()
            done.append("killed")
        except OSError as error:
            done.append(type(error).__name__)
    raise RuntimeError(f"tried to kill the grader: {done}")
