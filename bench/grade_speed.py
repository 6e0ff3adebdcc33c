"""How long does `grade EXERCISE` take on the solution, against the floor of this stack?

Prints, per exercise, the median wall time of `grade EXERCISE --submission solutions/` over
--runs runs, and its ratio to `python -c "import numpy, hypothesis"` (or `import torch` for
the PyTorch exercises), timed in the same run, alternating, so machine noise hits both alike.

    python bench/grade_speed.py                 # exercise 1
    python bench/grade_speed.py exercise1 exercise3 --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMPY_FLOOR = [sys.executable, "-c", "import numpy, hypothesis"]
TORCH_FLOOR = [sys.executable, "-c", "import torch"]


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def measure(exercise: str, runs: int, floor: list[str]) -> tuple[float, float, float]:
    grade = [sys.executable, "-m", "grader", exercise, "--submission", "solutions/", "--format", "json"]
    wall(grade), wall(floor)  # warm-up: file caches, bytecode
    pairs = [(wall(grade), wall(floor)) for _ in range(runs)]
    grade_median = statistics.median(g for g, _ in pairs)
    floor_median = statistics.median(f for _, f in pairs)
    ratio = statistics.median(g / f for g, f in pairs)
    return grade_median, floor_median, ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("exercises", nargs="*", default=["exercise1"])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--torch", nargs="*", default=["exercise6", "exercise7", "exercise8", "exercise9", "exercise12", "exercise13"],
                        help="exercises whose floor is `import torch`")
    args = parser.parse_args()
    print(f"{'exercise':<10} {'grade (median s)':>17} {'floor (median s)':>17} {'ratio':>6}  floor")
    for exercise in args.exercises:
        floor = TORCH_FLOOR if exercise in args.torch else NUMPY_FLOOR
        grade_s, floor_s, ratio = measure(exercise, args.runs, floor)
        print(f"{exercise:<10} {grade_s:>17.3f} {floor_s:>17.3f} {ratio:>6.2f}  {' '.join(floor[1:])}")


if __name__ == "__main__":
    main()
