"""How long does `grade similarity` take on a class of 300 students x 9 exercises?

Generates the class as bench/batch_speed.py does (each file the solution, the stub or one of
the exercise's known-mistake files, by a fixed pattern), with each student's own variable
names in every file so that no two files are the same text, then times one
`grade similarity` run from scratch.

    python bench/similarity_speed.py                    # 300 students, exercises 1-9
    python bench/similarity_speed.py --students 50
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["exercise1_convolution", "exercise2_padding", "exercise3_stride", "exercise4_pooling", "exercise5_flatten",
           "exercise6_lenet", "exercise7_alexnet", "exercise8_residual", "exercise9_transfer"]
NAMES = re.compile(r"\b(out|window|windows|result|N|C|H|W|F|KH|KW|i|j|x|w|b)\b")


def make_class(folder: Path, students: int) -> int:
    """Write the class; return how many files it holds."""
    files = 0
    for number in range(students):
        student = folder / f"student{number:03d}"
        student.mkdir(parents=True)
        for index, module in enumerate(MODULES):
            exercise = module.partition("_")[0]
            mistakes = sorted((ROOT / "tests" / "submissions" / exercise).glob("*.py"))
            choices = [ROOT / "solutions" / f"{module}.py", ROOT / "exercises" / f"{module}.py", *mistakes]
            source = choices[(number + index) % len(choices)].read_text()
            renamed = NAMES.sub(lambda match: f"{match[1]}_{number}", source)
            (student / f"{module}.py").write_text(renamed)
            files += 1
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="similarity-bench-") as scratch:
        files = make_class(Path(scratch) / "class", args.students)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "similarity", str(Path(scratch) / "class"),
                        "--out", str(Path(scratch) / "out")], check=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        pairs = len(MODULES) * args.students * (args.students - 1) // 2
        print(f"{args.students} students x {len(MODULES)} exercises = {files} files, {pairs:,} student pairs "
              f"(+ each file against the course's code): {seconds:.1f} s, {pairs / seconds:,.0f} pairs per second")


if __name__ == "__main__":
    main()
