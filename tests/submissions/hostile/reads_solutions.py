"""Hostile: looks for the solution file and the network; grades as zero either way."""
import glob
import os
import socket
import sys
import numpy as np


def correlate2d(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    return out


def _candidates():
    """Where a solutions/ folder may lie: beside the virtual environment, the home folder, /work."""
    roots = [os.path.dirname(sys.prefix), os.path.dirname(os.path.dirname(sys.prefix)),
             os.path.expanduser("~"), "/work", "/root", "/home"]
    for root in roots:
        yield from glob.glob(os.path.join(root, "solutions", "exercise1_convolution.py"))
        yield from glob.glob(os.path.join(root, "*", "solutions", "exercise1_convolution.py"))


FOUND = sorted(set(_candidates()))


def conv2d(x, w, b=None):
    for path in FOUND:
        with open(path) as source:
            if "def conv2d" in source.read():
                raise RuntimeError(f"read the solution at {path}")
    try:
        socket.create_connection(("pypi.org", 443), timeout=1)
    except OSError as error:
        raise RuntimeError(f"no network: {error}")
    raise RuntimeError("network reachable")
