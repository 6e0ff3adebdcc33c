"""How large is a PyTorch exercise's bank of model-oracle answers, and how fast does the kit grade from it?

For each exercise: grades the solution, the stub and every known-mistake file in the course with
grader.bank.recording on (what a release would record for them, at seed 0), saves the bank and
prints its size on disk, its answers per question (model.output, model.trace, ...) with their
bytes, and the time to grade the solution in the course and then from the bank (the kit's way).

    python bench/model_banks.py                      # exercises 6-9, 12, 13, 15, 16
    python bench/model_banks.py exercise7
"""

from __future__ import annotations

import argparse
import collections
import functools
import io
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODEL_EXERCISES = ["exercise6", "exercise7", "exercise8", "exercise9", "exercise12", "exercise13", "exercise15",
                   "exercise16"]


def stored_bytes(value) -> int:
    """What `value` adds to a bank: its arrays as .npy bytes (before the zip's compression), plus a little."""
    from grader import bank

    arrays: list = []
    bank.pack(value, arrays)
    total = 0
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        total += len(buffer.getvalue())
    return total + 64


def measure(exercise_id: str) -> None:
    import grader.checks
    from grader import bank, catalog
    from grader.grading import grade

    module = catalog.resolve(exercise_id)
    exercise = catalog.load(module)
    files = [ROOT / "solutions" / f"{module}.py", ROOT / "exercises" / f"{module}.py"]
    files += [ROOT / "tests" / "submissions" / exercise.id / f"{mistake}.py"
              for mistake in sorted({m.id for m in exercise.mistakes})]
    recorded = bank.Bank(exercise.id)
    names: collections.Counter[str] = collections.Counter()
    sizes: collections.Counter[str] = collections.Counter()
    record = recorded.record

    def counted(name, args, kwargs, value):
        if bank.call_digest(name, args, kwargs) not in recorded.answers:
            names[name] += 1
            sizes[name] += stored_bytes(value)
        record(name, args, kwargs, value)

    with mock.patch.object(recorded, "record", counted), bank.recording(recorded):
        for path in files:
            grade([exercise.id], submission=path)
    started = time.perf_counter()
    grade([exercise.id], submission=files[0])
    course = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / f"{module}.bank"
        recorded.save(saved)
        size = saved.stat().st_size
        kit = bank.Bank.load(saved)
    with mock.patch.object(grader.checks, "Session", functools.partial(grader.checks.Session, bank=kit)):
        started = time.perf_counter()
        result = grade([exercise.id], submission=files[0]).exercises[0]
        from_bank = time.perf_counter() - started
    print(f"{exercise.id}: {len(recorded.answers)} answers from {len(files)} files, {size / 1e6:.2f} MB on disk; "
          f"the solution graded in {course:.1f} s (course), {from_bank:.1f} s from the bank, "
          f"{result.score:g}/{result.max_score:g}")
    for name, count in sorted(names.items(), key=lambda item: -sizes[item[0]]):
        print(f"  {name:<34} {count:5} answers {sizes[name] / 1e3:9.1f} kB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", default=MODEL_EXERCISES)
    for exercise in parser.parse_args().exercises:
        measure(exercise)


if __name__ == "__main__":
    main()
