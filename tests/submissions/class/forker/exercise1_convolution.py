"""Hostile: fork loops. correlate2d forks forever; conv2d counts how many children it gets."""
import os

import numpy as np


def correlate2d(image, kernel):
    while True:
        os.fork()


def conv2d(x, w, b=None):
    n = 0
    try:
        while True:
            if os.fork() == 0:
                import time; time.sleep(30); os._exit(0)
            n += 1
    except OSError as error:
        raise RuntimeError(f"fork refused after {n} children: {error}")
