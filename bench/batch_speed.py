"""How many submissions does `grade batch` grade per minute, with --jobs 1 and --jobs 2?

Generates a class of --students students (default 50) for exercises 1-5: each exercise file is,
by a fixed pattern, the solution, the untouched stub or one of the exercise's known-mistake
files, and a few students hand in hostile files for exercise 1 (an endless loop, a crash,
os._exit, a fork loop). Then times `grade batch` on it, from scratch, once per --jobs value,
and prints submissions (student x exercise files) per minute and the scaling ratio.

    python bench/batch_speed.py                     # 50 students, --jobs 1 and 2
    python bench/batch_speed.py --students 20 --jobs 1 2
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["exercise1_convolution", "exercise2_padding", "exercise3_stride", "exercise4_pooling", "exercise5_flatten"]
HOSTILE = ["infinite_loop", "crash", "os_exit", "fork_loop"]


def make_class(folder: Path, students: int) -> int:
    """Write the class; return how many submission files it holds."""
    files = 0
    for number in range(students):
        student = folder / f"student{number:03d}"
        student.mkdir(parents=True)
        for index, module in enumerate(MODULES):
            exercise = module.partition("_")[0]
            mistakes = sorted((ROOT / "tests" / "submissions" / exercise).glob("*.py"))
            choices = [ROOT / "solutions" / f"{module}.py", ROOT / "exercises" / f"{module}.py", *mistakes]
            source = choices[(number + index) % len(choices)]
            if index == 0 and number % 12 == 11:  # about one student in twelve is hostile
                source = ROOT / "tests" / "submissions" / "hostile" / f"{HOSTILE[number // 12 % len(HOSTILE)]}.py"
            shutil.copy(source, student / f"{module}.py")
            files += 1
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        submissions = Path(scratch) / "class"
        files = make_class(submissions, args.students)
        rates = {}
        for jobs, run in zip(args.jobs, itertools.count()):
            out = Path(scratch) / f"results{run}"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out),
                            "--jobs", str(jobs), "--exercises", ",".join(MODULES)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - started
            rates[jobs] = files / seconds * 60
            print(f"--jobs {jobs}: {files} submissions in {seconds:.1f} s = {rates[jobs]:.0f} per minute")
    if len(rates) > 1:
        first, *_, last = rates
        print(f"scaling --jobs {last} / --jobs {first}: {rates[last] / rates[first]:.2f}x")


if __name__ == "__main__":
    main()
