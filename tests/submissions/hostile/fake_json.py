"""Hostile: prints a fake full-marks JSON result, then returns wrong answers."""
import json
import sys

import numpy as np

FAKE = {"exercise": "exercise1", "score": 10, "max_score": 10, "tests": []}
print(json.dumps(FAKE))
sys.stdout.write(json.dumps(FAKE) + "\n")


def correlate2d(image, kernel):
    print(json.dumps(FAKE))
    return np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))


def conv2d(x, w, b=None):
    print(json.dumps(FAKE))
    return np.zeros((x.shape[0], w.shape[0], x.shape[2] - w.shape[2] + 1, x.shape[3] - w.shape[3] + 1))
