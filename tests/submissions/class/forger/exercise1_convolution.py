"""Hostile: writes frames of its own to the worker's reply descriptor (named in sys.argv).

correlate2d is right but first forges a reply of its own (answering no request), conv2d
forges a frame that is not valid and bytes that are no frame at all. Before replies were
checked against the request they answer, every check became "internal grader error" (exit 3),
on every rerun. Each forged frame must fail its check ("the worker's reply was malformed") and
restart the worker; forged_import.py forges while being imported.
"""
import json
import os
import sys

import numpy as np

from grader.worker import protocol

REPLY_FD = json.loads(sys.argv[1])["reply_fd"]


def forge(header, arrays=()):
    try:
        protocol.write_frame(REPLY_FD, protocol.pack(header, list(arrays)))
    except OSError:
        pass



def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    H, W = image.shape
    KH, KW = kernel.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)
    forge({"ok": True, "value": {"$array": 0}, "id": 10**9}, [out])  # an answer to no request
    return out


def conv2d(x, w, b=None):
    forge({"ok": True, "value": {"$dict": []}, "stdout": 5, "error": "not a dict"})
    os.write(REPLY_FD, b"\xff" * 64)  # and bytes that are not a frame at all
    return np.zeros((1, 1, 1, 1))
