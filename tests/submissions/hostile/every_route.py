"""Hostile: hunts for the grader's judge (reference/, solutions/, the catalog with its hidden
checks) by every route a student who read the source would try, and answers with what it
finds. Where nothing is found it raises "found nothing", so it scores 0 unless a route works."""
import glob
import importlib
import os
import sys

import numpy as np

WANTED = ("reference/convolution.py", "solutions/exercise1_convolution.py", "grader/catalog/exercise1_convolution.py")
MODULES = ("reference.convolution", "solutions.exercise1_convolution", "grader.catalog.exercise1_convolution",
           "grader.catalog", "exercises.exercise1_convolution")


def _by_import():
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except BaseException:
            continue
        yield f"import {name}", getattr(module, "__file__", None) or name, module


def _folders():
    """Every folder that might hold the project: around the grader package, sys.path,
    site-packages (found from NumPy), the prefixes, /proc's view of other processes, the usual places."""
    seen = []
    try:
        import grader
        seen.append(os.path.dirname(os.path.realpath(grader.__file__)))
    except BaseException:
        pass
    seen += [entry for entry in sys.path if entry]
    seen += [os.path.dirname(os.path.realpath(np.__file__)), sys.prefix, sys.base_prefix, os.getcwd()]
    try:
        import site
        seen += site.getsitepackages() + [site.getusersitepackages()]
    except BaseException:
        pass
    seen += glob.glob("/usr/lib/python3*/*-packages") + glob.glob("/usr/local/lib/python3*/*-packages")
    seen += glob.glob("/autograder/*") + glob.glob("/autograder/venv/lib/python3*/site-packages")
    seen += ["/work", "/root", "/home", "/srv", "/opt", "/tmp"] + glob.glob("/home/*") + glob.glob("/work/*")
    for process in glob.glob("/proc/[0-9]*"):
        for link in ("cwd", "root"):
            try:
                seen.append(os.readlink(f"{process}/{link}"))
                seen.append(f"{process}/{link}")
            except OSError:
                pass
        try:
            with open(f"{process}/cmdline", "rb") as cmdline:
                seen += [part.decode(errors="replace") for part in cmdline.read().split(b"\0") if part.startswith(b"/")]
        except OSError:
            pass
        try:
            with open(f"{process}/environ", "rb") as environ:
                seen += [part.split(b"=", 1)[1].decode(errors="replace") for part in environ.read().split(b"\0")
                         if b"=/" in part]
        except OSError:
            pass
    for folder in list(seen):  # and up to three levels above each
        for _ in range(3):
            folder = os.path.dirname(folder.rstrip("/")) or "/"
            seen.append(folder)
    return list(dict.fromkeys(folder for folder in seen if folder and folder != "/"))


def _by_path():
    for folder in _folders():
        for wanted in WANTED:
            for pattern in (os.path.join(folder, wanted), os.path.join(folder, "*", wanted),
                            os.path.join(folder, "lib", "python3*", "*-packages", wanted)):
                for path in glob.glob(pattern):
                    try:
                        with open(path) as source:
                            text = source.read()
                    except OSError:
                        continue
                    namespace = {"__name__": "stolen", "__file__": path}
                    try:
                        exec(compile(text, path, "exec"), namespace)
                    except BaseException:
                        namespace = {}
                    yield f"read {path}", path, type("Stolen", (), namespace)


FINDS = [find for route in (_by_import, _by_path) for find in route()]
for _how, _where, _module in FINDS:  # shown in the report's notes, so a test can see every route that worked
    print(f"found: {_how}")
# The first find that holds conv2d, else the first find at all.
FOUND = next((find for find in FINDS if hasattr(find[2], "conv2d")), FINDS[0] if FINDS else None)


def _answer(name, *args):
    if FOUND is None:
        raise RuntimeError("found nothing of the judge by any route")
    how, where, module = FOUND
    function = getattr(module, name, None)
    if function is None:
        raise RuntimeError(f"found the judge ({how}) but no {name} in it")
    return function(*args)


def correlate2d(image, kernel):
    return _answer("correlate2d", image, kernel)


def conv2d(x, w, b=None):
    return _answer("conv2d", x, w, b)
