"""Hostile: tries to write outside its own temporary folder. Correct answers, unless a write got out."""
import os
import sys

import numpy as np

TARGETS = ["/tmp/cnn-grader-escaped.txt", "/etc/cnn-grader-escaped.txt", "/root/cnn-grader-escaped.txt",
           os.path.join(sys.prefix, "cnn-grader-escaped.txt"), os.path.join(os.path.dirname(np.__file__), "escaped.py"),
           "/work/cnn-grader-escaped.txt"]


def _escaped():
    """The paths written outside this worker's own folder (there should be none). Inside
    bubblewrap /tmp is the worker's own tmpfs: a write there stays there (the test looks for it
    on the machine), so it is not counted here."""
    written = []
    for target in TARGETS:
        try:
            with open(target, "w") as handle:
                handle.write("escaped\n")
            if not target.startswith("/tmp/"):
                written.append(target)
        except OSError:
            pass
    with open("inside.txt", "w") as handle:  # its own folder: allowed
        handle.write("fine\n")
    return written


ESCAPED = _escaped()


def correlate2d(image, kernel):
    if ESCAPED:
        raise RuntimeError(f"wrote outside the sandbox: {ESCAPED}")
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
