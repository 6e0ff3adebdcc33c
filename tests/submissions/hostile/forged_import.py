"""Hostile: while being imported, writes a forged "success" reply to the worker's reply
descriptor (named in sys.argv), before the worker's own answer. The import must fail with
"the worker's reply was malformed", never an internal grader error.
"""
import json
import sys

import numpy as np  # noqa: F401

from grader.worker import protocol

REPLY_FD = json.loads(sys.argv[1])["reply_fd"]
protocol.write_frame(REPLY_FD, protocol.pack({"ok": True, "value": ["correlate2d", "conv2d"], "id": 1}, []))


def correlate2d(image, kernel):
    return np.zeros((1, 1))


def conv2d(x, w, b=None):
    return np.zeros((1, 1, 1, 1))
