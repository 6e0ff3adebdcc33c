"""Hostile: says who and where it runs (uid, groups, session, folder) and what it can import;
conv2d raises it all as one line, so a test reads it from the verdict."""
import importlib
import os
import stat
import sys

import numpy as np


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def _importable(name):
    try:
        importlib.import_module(name)
        return True
    except BaseException:
        return False


def conv2d(x, w, b=None):
    folder = os.stat(os.getcwd())
    facts = {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "session": os.getsid(0), "pid": os.getpid(), "folder_owner": folder.st_uid,
        "folder_mode": oct(stat.S_IMODE(folder.st_mode)),
        "imports": sorted(name for name in ("reference", "solutions", "grader.catalog", "hypothesis", "torch",
                                            "grader.worker.protocol") if _importable(name)),
        "path": [entry for entry in sys.path if "site-packages" in entry or "dist-packages" in entry],
    }
    raise RuntimeError(f"identity {facts!r}")
