"""A student kit's view of an exercise, for the tests: grade files as the kit does.

`kit_results(module, paths)` records the exercise's answer bank as `grade release` does (a
fresh process, grader.instructor.banks), into a scratch copy of grader/ and templates/ that has
no answer keys and no reference/, then grades each file there in one process and returns the
results as their JSON objects. Built once per module and test process.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import ROOT

_DRIVER = """
import importlib.abc, json, sys

class RefuseAnswers(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("reference", "solutions") or name.startswith("grader.catalog.keys"):
            raise ImportError(f"{name} is not in the student kit")

sys.meta_path.insert(0, RefuseAnswers())
from grader.grading import grade
module, paths = sys.argv[1], sys.argv[2:]
results = [grade([module], submission=path).exercises[0].to_dict() for path in paths]
print(json.dumps(results))
"""


@functools.cache
def kit_folder() -> Path:
    """grader/ without its keys, and templates/: what grading needs of the kit (banks added per module)."""
    folder = Path(tempfile.mkdtemp(prefix="cnn-grader-kit-view-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    ignored = shutil.ignore_patterns("__pycache__", "keys", "banks")
    shutil.copytree(ROOT / "grader", folder / "grader", ignore=ignored)
    shutil.copytree(ROOT / "templates", folder / "templates", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "grader" / "STUDENT_KIT").write_text("a kit view for the tests\n", encoding="utf-8")
    return folder


@functools.cache
def kit_bank(module: str, seed: int = 0) -> Path:
    """The bank `grade release` would ship for `module`, in kit_folder()."""
    banks = kit_folder() / "grader" / "catalog" / "banks"
    banks.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "grader.instructor.banks", module, str(seed), str(ROOT), str(banks / module)],
                   check=True, capture_output=True, text=True, cwd=ROOT)
    return banks / f"{module}.bank"


def kit_results(module: str, paths: list[Path]) -> list[dict]:
    """Each file graded in the kit view: the results' JSON objects, in order."""
    kit_bank(module)
    environment = {**os.environ, "PYTHONPATH": str(kit_folder())}
    done = subprocess.run([sys.executable, "-c", _DRIVER, module, *map(str, paths)], cwd=kit_folder(),
                          env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
