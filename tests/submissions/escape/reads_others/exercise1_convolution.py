"""Escape class: looks for other students' exercise files wherever the grader may keep them."""
import glob
import os

import numpy as np

def _places():
    """Folders the grader may be using: from /proc (command lines, working folders) and /tmp."""
    found = set(glob.glob("/tmp/*"))
    for process in glob.glob("/proc/[0-9]*"):
        try:
            found.add(os.readlink(process + "/cwd"))
        except OSError:
            pass
        try:
            with open(process + "/cmdline", "rb") as cmdline:
                found.update(part.decode(errors="replace") for part in cmdline.read().split(b"\0") if part.startswith(b"/"))
        except OSError:
            pass
    return sorted(path for path in found if os.path.isdir(path))


def _others():
    mine = os.path.realpath(__file__)
    read = []
    for place in _places():
        for pattern in ("*/exercise1_convolution.py", "*/*/exercise1_convolution.py", ".unpacked/*/*.py",
                        "*/*/*/exercise1_convolution.py"):
            for path in glob.glob(os.path.join(place, pattern)):
                if os.path.realpath(path) == mine or "reads_others" in path:
                    continue
                try:
                    with open(path) as source:
                        source.read(1)
                    read.append(path)
                except OSError:
                    pass
    return sorted(set(read))


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    read = _others()
    raise RuntimeError(f"read another student's file: {read[0]}" if read else "found no other student's file")
