"""Hostile (issue 19 §2): conv2d fills its folder, /tmp and /dev/shm with 64 MB files (the most
RLIMIT_FSIZE allows one file) until something stops it, and leaves them there; on import it
also leaves a System V shared memory segment of 64 MB, which outlives its process unless removed.
correlate2d is right.

Inside bubblewrap the three share one tmpfs of the disk budget's size, and the segment dies with
the sandbox's IPC namespace; as an unprivileged user of its own, the grader's watchdog stops it
and removes everything its uid owns when its worker ends."""
import ctypes
import itertools
import os

import numpy as np

MARKER = "cnn-grader-disk-filler"
SEGMENT_KEY = 0x19C0FFEE


def _leave_a_segment():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    ident = libc.shmget(SEGMENT_KEY, 64 * 2**20, 0o1600)  # IPC_CREAT | 0600
    if ident >= 0:
        address = libc.shmat(ident, None, 0)
        if address not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(address, 1, 64 * 2**20)  # touched: resident
            libc.shmdt(ctypes.c_void_p(address))


_leave_a_segment()


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    chunk, written = b"\1" * 2**20, 0
    try:
        for n in itertools.count():
            with open(os.path.join((".", "/tmp", "/dev/shm")[n % 3], f"{MARKER}-{os.getpid()}-{n}"), "wb") as file:
                for _ in range(64):
                    file.write(chunk)
                    file.flush()
                    written += 1
    except OSError as error:
        raise OSError(error.errno, f"{error.strerror}, after {written} MB") from None
