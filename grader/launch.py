"""The `grade` program: `grade EXERCISE` starts its sandbox first, then reads its command line.

A sandbox boots in about a quarter of a second (bubblewrap, Python, NumPy and the worker's own
modules: grader.worker.hosts). Started where grading needs it, after click and the grading
modules are imported, it was the last thing `grade EXERCISE` waited for. So when the first word
of the command line names an exercise, `run` starts that exercise's sandbox before importing
anything else, and grading takes it where it would have started its own (hosts.take_early): the
same sandbox for the same exercise, started sooner. A command that ends before grading takes it
(an unknown option, a missing file, Ctrl-C) ends it and waits for it, on the way out. Everything
else is grader.cli's, which runs the command as if nothing had started.
"""

from __future__ import annotations

import sys

from grader.errors import INTERRUPTED


def run() -> None:
    """Entry point of `grade` and `python -m grader`."""
    try:
        start_sandbox(sys.argv[1:])
        from grader.cli import run as grade
    except KeyboardInterrupt:  # a sandbox started is ended on the way out (hosts.start_early)
        print("grade: interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
    grade()


def start_sandbox(args: list[str]) -> None:
    """Start the sandbox of the exercise that `args` (`grade`'s) grade, if they grade one: their
    first word but -v names it, and they ask for no help. Any trouble is left to the command,
    which starts its own sandbox, or says what is wrong."""
    words = [arg for arg in args if arg not in ("-v", "--verbose")]
    if not words or words[0].startswith("-") or "--help" in words or "-h" in words:
        return
    from grader import catalog

    try:
        about = catalog.about(catalog.resolve(words[0]))
    except Exception:  # noqa: BLE001 - a command (`grade list`), or a name the command will say it does not know
        return
    from grader.layout import solution_folders
    from grader.worker.hosts import HostKey, close_early, start_early
    from grader.worker.sandbox import detect, worker_cannot_start

    try:
        sandbox = detect()
        if not worker_cannot_start(sandbox):
            start_early(sandbox, solution_folders(None), HostKey.of(about.worker_forbidden, about.limits))
    except Exception:  # noqa: BLE001 - the command starts its own, and says what is wrong if that fails too
        close_early()
