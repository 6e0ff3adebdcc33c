"""How fast are `grade list` and `grade all`, against their floors?

`grade list` against `grade --help` (its floor: the CLI starting). `grade all --submission
solutions/` against the sum of `grade EXERCISE --submission solutions/` over the exercises
(what grading them one by one costs), and against `grade all --jobs 1` (one process, no
overlap). Each round times every command once, alternating, so machine noise hits all alike;
the medians over --runs rounds are printed, with the ratios measured in the same rounds.

    python bench/all_speed.py --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADE = [sys.executable, "-m", "grader"]


def wall(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([*GRADE, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def exercises() -> list[str]:
    from grader import catalog

    return [catalog.about(module).id for module in catalog.module_names()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    names = exercises()
    wall("--help"), wall("list")  # warm-up: file caches, bytecode
    rounds = []
    for _ in range(args.runs):
        rounds.append({
            "help": wall("--help"), "list": wall("list"),
            "all": wall("all", "--submission", "solutions/", "--format", "json"),
            "all --jobs 1": wall("all", "--submission", "solutions/", "--format", "json", "--jobs", "1"),
            "sum of singles": sum(wall(name, "--submission", "solutions/", "--format", "json") for name in names),
        })
        print("round", len(rounds), {key: round(seconds, 2) for key, seconds in rounds[-1].items()}, flush=True)
    median = {key: statistics.median(run[key] for run in rounds) for key in rounds[0]}
    ratio = {
        "list / help": statistics.median(run["list"] / run["help"] for run in rounds),
        "all / sum of singles": statistics.median(run["all"] / run["sum of singles"] for run in rounds),
        "all / all --jobs 1": statistics.median(run["all"] / run["all --jobs 1"] for run in rounds),
    }
    for key, seconds in median.items():
        print(f"{key:<22} {seconds:8.2f} s (median of {args.runs})")
    for key, value in ratio.items():
        print(f"{key:<22} {value:8.2f}")


if __name__ == "__main__":
    main()
