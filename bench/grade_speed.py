"""How long does `grade EXERCISE` take on the solution, against the floor of this stack?

For each exercise, `grade EXERCISE --submission solutions/` (the text report) in the course
repository, the same command in the student kit (`grade release` writes one first: its grader/
grades from the recorded cases and answers, without the hidden checks, as a student's does),
and its floor, `python -c "import numpy, hypothesis"` (or `import torch` for the PyTorch
exercises), are timed in turn, --runs times after a warm-up round, so machine noise hits them
alike; a ratio is the median of the rounds' ratios to their floor. The warm-up also fills the
grader's cache (what hypothesis drew for a practice run, grader/draws.py, and the compiled report
templates); `cold` is one more repository run with an empty cache, against the median floor.
After each run, the processes of its session still alive are counted: `grade` must wait for its
sandbox to end. The runs may write bytecode (PYTHONDONTWRITEBYTECODE is dropped), as an
installed grader has it and the floor's libraries do: without it every run compiled the
grader's modules again (40 ms of exercise 1's 0.57 s).

    python bench/grade_speed.py                    # every exercise, 5 rounds, into docs/performance.md
    python bench/grade_speed.py exercise1 exercise6 --runs 9 --no-page
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from page import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
NUMPY_FLOOR = [sys.executable, "-c", "import numpy, hypothesis"]
TORCH_FLOOR = [sys.executable, "-c", "import torch"]


def left_in_session(session: int) -> int:
    """Processes of session `session` (a command's, started with its own) still in /proc."""
    count = 0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                count += int(stat.read().rpartition(")")[2].split()[3]) == session
        except (OSError, ValueError, IndexError):
            continue
    return count


def wall(command: list[str], environment: dict, cwd: Path = ROOT) -> tuple[float, int]:
    """Seconds from start to exit, and how many of its processes outlived it."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    process.wait()
    return time.perf_counter() - started, left_in_session(process.pid)


def measure(exercise: str, runs: int, floor: list[str], environment: dict, cache: Path, kit: Path) -> dict:
    grade = [sys.executable, "-m", "grader", exercise, "--submission", str(ROOT / "solutions")]  # the text report
    in_kit = {**environment, "PYTHONPATH": str(kit)}  # the kit's grader/, as its own folder shows it
    wall(grade, environment), wall(grade, in_kit, kit), wall(floor, environment)  # warm-up: file caches, bytecode, the cache
    runs_s, left = [], 0
    for _ in range(runs):
        (grade_s, outlived), (kit_s, kit_outlived), (floor_s, _) = (
            wall(grade, environment), wall(grade, in_kit, kit), wall(floor, environment))
        runs_s.append((grade_s, kit_s, floor_s))
        left += outlived + kit_outlived
    shutil.rmtree(cache, ignore_errors=True)
    cold, _ = wall(grade, environment)
    floor_median = statistics.median(f for _, _, f in runs_s)
    ratios = [g / f for g, _, f in runs_s]
    return {"grade": statistics.median(g for g, _, _ in runs_s), "floor": floor_median,
            "ratio": statistics.median(ratios), "spread": (min(ratios), max(ratios)),
            "kit": statistics.median(k for _, k, _ in runs_s), "kit_ratio": statistics.median(k / f for _, k, f in runs_s),
            "cold": cold / floor_median, "left": left}


def student_kit(folder: Path) -> Path:
    """The student kit, as `grade release` writes it: no solutions, no answer keys, the recorded banks."""
    subprocess.run([sys.executable, "-m", "grader", "release", "--out", str(folder)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-page", action="store_true", help="print the figures, leave docs/performance.md alone")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader import catalog

    abouts = {catalog.about(module).id: catalog.about(module) for module in catalog.module_names()}
    names = args.exercises or list(abouts)
    where = machine()
    cache = Path(tempfile.mkdtemp(prefix="grade-bench-cache-"))
    scratch = Path(tempfile.mkdtemp(prefix="grade-bench-kit-"))
    environment = {**{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
                   "CNN_GRADER_CACHE": str(cache)}
    lines = [f"`python bench/grade_speed.py --runs {args.runs}` ({where}): `grade EXERCISE --submission solutions/` "
             "(the text report) in the course repository, the same in the student kit `grade release` writes (its "
             "recorded cases and answers, no hidden checks: what a student runs), and the floor, in turn; a ratio is "
             "the median of the runs' ratios to their floor (the repository's min-max beside it). `cold`: one run "
             "with an empty cache, over the median floor. Bytecode is written and read, as an installed grader has it.",
             "",
             "| exercise | grade (median s) | floor | floor (median s) | ratio | spread | kit (median s) | kit ratio | "
             "cold | processes left |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    print(lines[0], flush=True)
    try:
        kit = student_kit(scratch / "kit")
        for name in names:
            torch = abouts[name].cuda
            found = measure(name, args.runs, TORCH_FLOOR if torch else NUMPY_FLOOR, environment, cache, kit)
            line = (f"| {name} | {found['grade']:.2f} | `import {'torch' if torch else 'numpy, hypothesis'}` | "
                    f"{found['floor']:.2f} | {found['ratio']:.2f} | {found['spread'][0]:.2f}-{found['spread'][1]:.2f} | "
                    f"{found['kit']:.2f} | {found['kit_ratio']:.2f} | {found['cold']:.2f} | {found['left']} |")
            lines.append(line)
            print(line, flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    if not args.no_page:
        write_section("grade", "\n".join(lines))


if __name__ == "__main__":
    main()
