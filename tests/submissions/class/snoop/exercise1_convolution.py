"""Hostile: looks for other students' files, the gradebook and the solutions, and phones home.
Correct answers, unless it found something (then it says what, and scores nothing)."""
import glob
import os
import socket
import sys

import numpy as np

PATTERNS = ["/tmp/**/alice/exercise1_convolution.py", "/tmp/**/gradebook.sqlite", "/work/**/gradebook.sqlite",
            "/work/**/solutions/exercise1_convolution.py", "/root/**/solutions/exercise1_convolution.py",
            os.path.join(os.path.dirname(sys.prefix), "**", "alice", "exercise1_convolution.py")]


def _found():
    found = [path for pattern in PATTERNS for path in glob.glob(pattern, recursive=True)]
    try:
        socket.create_connection(("pypi.org", 443), timeout=2).close()
        found.append("the network")
    except OSError:
        pass
    return found


FOUND = _found()


def correlate2d(image, kernel):
    if FOUND:
        raise RuntimeError(f"saw what it must not: {FOUND[:3]}")
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def conv2d(x, w, b=None):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    out = np.stack([np.stack([sum(correlate2d(x[n, c], w[f, c]) for c in range(x.shape[1]))
                              for f in range(w.shape[0])]) for n in range(x.shape[0])])
    return out if b is None else out + np.asarray(b, dtype=np.float64).reshape(1, -1, 1, 1)
