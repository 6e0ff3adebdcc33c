"""Escape class: tries to write into the gradebook, the CSV, every results.json and RESULTS itself."""
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


def _write_everywhere():
    wrote = []
    for place in _places():
        targets = glob.glob(os.path.join(place, "gradebook.*")) + glob.glob(os.path.join(place, "*", "results.json"))
        for path in targets:
            try:
                with open(path, "a") as target:
                    target.write("tampered")
                wrote.append(path)
            except OSError:
                pass
        if glob.glob(os.path.join(place, "gradebook.*")):
            try:
                with open(os.path.join(place, "TAMPERED"), "w") as target:
                    target.write("a student wrote here")
                wrote.append(place)
            except OSError:
                pass
    return wrote


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    wrote = _write_everywhere()
    raise RuntimeError(f"wrote into the results: {wrote}" if wrote else "could not write into the results")
