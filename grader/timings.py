"""Where grading time goes, for bench/: off unless CNN_GRADER_TIMINGS names a folder.

Then every grading process (the CLI, a batch's pool processes, a Dask worker on this machine)
appends one JSON line per phase to FOLDER/<pid>.jsonl: `{"phase": "checks", "exercise":
"exercise1", "seconds": 0.21}`. The phases: `start` (waiting for the sandboxed worker to boot
and import the file), `imports` (the grader importing the declaration, its answer key and their
libraries), `checks` (running them) and `render` (a batch's reports and gradebook files).
Unset, `phase` costs one dictionary lookup and writes nothing.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager

VARIABLE = "CNN_GRADER_TIMINGS"


@contextmanager
def phase(name: str, exercise: str = ""):
    """Time the block as `name` (for `exercise`) when CNN_GRADER_TIMINGS is set."""
    folder = os.environ.get(VARIABLE)
    if not folder:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        line = json.dumps({"phase": name, "exercise": exercise, "seconds": time.perf_counter() - started})
        with open(os.path.join(folder, f"{os.getpid()}.jsonl"), "a", encoding="utf-8") as log:
            log.write(line + "\n")
