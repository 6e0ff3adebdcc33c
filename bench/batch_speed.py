"""How fast does `grade batch` grade a class of N students x all exercises, and with how much memory?

Generates a class: N students, each with one file per exercise, by a fixed pattern the solution
(about half), the untouched stub, or one of the exercise's known-mistake files
(tests/submissions/<exercise>/); one student in ten hands in a hostile file for exercise 1 instead
(tests/submissions/hostile/ and budget/: an endless loop, a fork bomb of 300 MB children, a segfault,
a disk filler, ...), and one in fifteen leaves exercise 9 out. Then grades it from scratch with
`grade batch --jobs J` and reports:

- grades per second and the wall time, extrapolated linearly to 300 students;
- the per-grade breakdown, from the grader's own timings (CNN_GRADER_TIMINGS, grader/timings.py):
  `start` (waiting for the sandboxed worker to boot and import the file), `imports` (the grader
  importing declarations and references), `checks`, `render` (reports, CSV, dashboard), per kind;
- the grader's peak memory: the proportional set size (PSS) of the batch process and its pool
  processes together, sampled once a second (SAMPLE_SECONDS; the sandboxed workers are not counted: each
  has a budget of its own).

With --dask, the same class is graded again on a local `dask scheduler` with two `dask worker`
processes (one thread each), and the two gradebooks are compared row by row (status, score and
every check's verdict, counterexample and hint). Both runs use the same secret seed.

Unless --no-page, the figures go into the section "batch N=<N>" of docs/performance.md.

    python bench/batch_speed.py                      # 30 students, --jobs 2
    python bench/batch_speed.py --students 30 --dask
    python bench/batch_speed.py --students 300 --dask
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from page import machine, write_section

from grader.worker.budget import memory_of  # PSS, as the budgets count it

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"
# Exercise 1 files, in the order the hostile students (9, 19, 29, ...) hand them in.
HOSTILE = ["hostile/infinite_loop", "budget/fork_hog", "hostile/crash", "budget/disk_filler", "hostile/os_exit",
           "hostile/memory_hog", "hostile/fork_loop", "hostile/huge_output", "hostile/forged_replies",
           "budget/deep_folders", "hostile/import_loop", "hostile/monkeypatch_numpy", "hostile/kills_grader",
           "hostile/every_route", "hostile/sleepy"]
SECRET = "bench-secret-5f0c2a9e81d34b67"  # the same draws for every run, so gradebooks compare
# A sample reads the page tables of the grader's processes (smaps_rollup): 17 ms of CPU or more. Five a
# second took 8% of a core from the run it measured; a peak (AlexNet's models) lasts a second or two.
SAMPLE_SECONDS = 1.0


def modules() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from grader import catalog

    return catalog.module_names()


def torch_exercises() -> set[str]:
    from grader import catalog

    return {catalog.about(module).id for module in catalog.module_names() if catalog.about(module).cuda}


def choose(number: int, index: int, module: str) -> tuple[str, Path | None]:
    """What student `number` hands in for the exercise `module` (its `index` in the course)."""
    exercise = module.partition("_")[0]
    if index == 0 and number % 10 == 9:
        name = HOSTILE[number // 10 % len(HOSTILE)]
        return "hostile", SUBMISSIONS / f"{name}.py"
    if exercise == "exercise9" and number % 15 == 7:
        return "missing", None
    pick = (7 * number + 3 * index) % 20
    if pick < 10:
        return "solution", ROOT / "solutions" / f"{module}.py"
    if pick < 12:
        return "stub", ROOT / "exercises" / f"{module}.py"
    mistakes = sorted((SUBMISSIONS / exercise).glob("*.py"))
    return "mistake", mistakes[(number + index) % len(mistakes)]


def make_class(folder: Path, students: int) -> collections.Counter:
    """Write the class; return how many files of each kind it holds."""
    kinds: collections.Counter = collections.Counter()
    for number in range(students):
        student = folder / f"student{number:03d}"
        student.mkdir(parents=True)
        for index, module in enumerate(modules()):
            kind, source = choose(number, index, module)
            kinds[kind] += 1
            if source is not None:
                shutil.copy(source, student / f"{module}.py")
    return kinds


# --- Memory: the grader's processes, not the students' ---------------------------------------------


def _children() -> dict[int, list[int]]:
    table: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            table[parent].append(int(entry))
    return table


def _grader_processes(roots: list[int]) -> list[int]:
    """`roots` and their descendants, less every sandbox (bwrap, or another user's process) and what
    runs in it."""
    children, found, todo = _children(), [], list(roots)
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/comm") as comm:
                name = comm.read().strip()
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if name == "bwrap" or uid != os.getuid():
            continue
        found.append(pid)
        todo += children.get(pid, [])
    return found



class PeakMemory(threading.Thread):
    """Samples the PSS of the grader's processes (under `roots`) together until stopped."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.peak, self.done = roots, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            self.peak = max(self.peak, sum(memory_of(pid) for pid in _grader_processes(self.roots)))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


# --- Runs -----------------------------------------------------------------------------------------


def grade_batch(submissions: Path, out: Path, secret: Path, timings: Path, *, jobs: int,
                scheduler: str | None = None, watch: tuple[int, ...] = ()) -> tuple[float, int, float]:
    """Run `grade batch` from scratch; its wall seconds, the grader's peak memory in bytes, and the
    CPU seconds (user + system) of everything it ran, sandboxes included."""
    command = [sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out),
               "--secret-file", str(secret), "--jobs", str(jobs)]
    if scheduler:
        command += ["--scheduler", scheduler]
    timings.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "CNN_GRADER_TIMINGS": str(timings)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler = PeakMemory([process.pid, *watch])
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode not in (0,):
        print(output.decode(errors="replace")[-3000:])
        raise SystemExit(f"grade batch exited with {process.returncode}")
    return seconds, peak, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def phases(timings: Path) -> dict[tuple[str, str], list[float]]:
    """(phase, exercise) -> the seconds each occurrence took, from every process's timing lines."""
    found: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for path in timings.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            found[entry["phase"], entry["exercise"]].append(entry["seconds"])
    return found


def rows(gradebook: Path) -> dict[tuple[str, str], dict]:
    """(student, exercise) -> what decides a grade: status, score, each check's verdict."""
    with sqlite3.connect(gradebook) as db:
        found = {}
        for student, exercise, status, score, result in db.execute(
                "SELECT student, exercise, status, score, result FROM grades"):
            tests = [{key: test.get(key) for key in ("name", "score", "status", "hint", "counterexample")}
                     for test in json.loads(result).get("tests", [])]
            found[student, exercise] = {"status": status, "score": score, "tests": tests}
    return found


def compare(first: Path, second: Path) -> list[str]:
    """Where two gradebooks differ, one line per (student, exercise)."""
    a, b = rows(first), rows(second)
    lines = [f"{key}: only in one gradebook" for key in sorted(set(a) ^ set(b))]
    for key in sorted(set(a) & set(b)):
        if a[key] != b[key]:
            fields = [field for field in ("status", "score", "tests") if a[key][field] != b[key][field]]
            lines.append(f"{key[0]} {key[1]}: {', '.join(fields)} differ")
    return lines


# --- A local Dask cluster ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_cluster(timings: Path) -> tuple[str, list[subprocess.Popen]]:
    """`dask scheduler` and two `dask worker` processes of one thread each, on this machine."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    environment = {**os.environ, "CNN_GRADER_TIMINGS": str(timings)}
    timings.mkdir(parents=True, exist_ok=True)
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": environment, "cwd": ROOT}
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", str(port), "--no-dashboard"], **quiet)]
    for _ in range(2):  # as `dask worker ADDRESS --nworkers 1 --nthreads 1`
        processes.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers",
                                           "1", "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"], **quiet))
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    return address, processes


def stop_cluster(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The report ------------------------------------------------------------------------------------


def breakdown(found: dict[tuple[str, str], list[float]], grades: int, torch: set[str]) -> list[str]:
    """The markdown table of where a grade's time goes, per kind of exercise."""
    kinds = {"NumPy": lambda exercise: exercise not in torch, "PyTorch": lambda exercise: exercise in torch}
    lines = ["| phase | NumPy exercises: s per grade | PyTorch exercises: s per grade | all: s in total |",
             "|---|---|---|---|"]
    for name in ("waiting", "start", "imports", "checks"):
        cells = []
        for of_kind in kinds.values():
            times = [s for (phase, exercise), seconds in found.items() if phase == name and of_kind(exercise)
                     for s in seconds]
            count = sum(1 for (phase, exercise), seconds in found.items() if phase == "checks" and of_kind(exercise)
                        for _ in seconds)
            cells.append(f"{sum(times) / max(count, 1):.3f}")
        total = sum(s for (phase, _), seconds in found.items() if phase == name for s in seconds)
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {total:.1f} |")
    render = sum(sum(seconds) for (phase, _), seconds in found.items() if phase == "render")
    lines.append(f"| render (reports, CSV, dashboard: once per run) | {render / max(grades, 1):.3f} (all kinds) | | "
                 f"{render:.1f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--dask", action="store_true", help="also grade on a local Dask cluster and compare")
    parser.add_argument("--no-page", action="store_true", help="print the figures, leave docs/performance.md alone")
    parser.add_argument("--keep", type=Path, help="keep the class, the results and the timings in this folder")
    args = parser.parse_args()
    names = modules()
    torch = torch_exercises()
    scratch = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    try:
        kinds = make_class(scratch / "class", args.students)
        secret = scratch / "seed.secret"
        secret.write_text(SECRET)
        secret.chmod(0o600)
        grades = args.students * len(names)
        where = machine()
        print(f"{args.students} students x {len(names)} exercises = {grades} grades "
              f"({', '.join(f'{count} {kind}' for kind, count in kinds.most_common())}); {where}", flush=True)
        seconds, peak, cpu = grade_batch(scratch / "class", scratch / "local", secret, scratch / "timings-local",
                                         jobs=args.jobs)
        found = phases(scratch / "timings-local")
        print(f"local --jobs {args.jobs}: {seconds:.1f} s, {grades / seconds:.2f} grades/s, peak {peak / 2**20:.0f} MiB, "
              f"{cpu:.0f} CPU s", flush=True)
        table = [f"`python bench/batch_speed.py --students {args.students}{' --dask' if args.dask else ''}` "
                 f"({where}): {args.students} students x {len(names)} exercises = {grades} grades "
                 f"({', '.join(f'{count} {kind}' for kind, count in kinds.most_common())}), bubblewrap on, "
                 "graded from scratch.", "",
                 "| run | wall time | grades per second | s per grade | 300 students (extrapolated) | CPU time, all processes "
                 "(per grade; over 2 cores) | grader's peak memory (PSS) |",
                 "|---|---|---|---|---|---|---|",
                 f"| `grade batch --jobs {args.jobs}` | {seconds:.1f} s | {grades / seconds:.2f} | {seconds / grades:.3f} | "
                 f"{seconds * 300 / args.students / 60:.1f} min | {cpu:.0f} s ({cpu / grades:.3f} s; "
                 f"{cpu / 2 * 300 / args.students / 60:.1f} min for 300) | {peak / 2**20:.0f} MiB |"]
        comparison = []
        if args.dask:
            address, cluster = start_cluster(scratch / "timings-dask")
            try:
                dask_seconds, dask_peak, _ = grade_batch(scratch / "class", scratch / "dask", secret,
                                                         scratch / "timings-dask", jobs=args.jobs, scheduler=address,
                                                         watch=tuple(process.pid for process in cluster))
            finally:
                stop_cluster(cluster)
            differences = compare(scratch / "local" / "gradebook.sqlite", scratch / "dask" / "gradebook.sqlite")
            print(f"dask, 2 workers: {dask_seconds:.1f} s, {grades / dask_seconds:.2f} grades/s, "
                  f"peak {dask_peak / 2**20:.0f} MiB; {len(differences)} rows differ from the local gradebook", flush=True)
            for line in differences:
                print("   ", line)
            table.append(f"| `grade batch --scheduler` (local Dask: a scheduler, 2 workers of 1 thread) | "
                         f"{dask_seconds:.1f} s | {grades / dask_seconds:.2f} | {dask_seconds / grades:.3f} | "
                         f"{dask_seconds * 300 / args.students / 60:.1f} min | (the Dask processes are not its children) | "
                         f"{dask_peak / 2**20:.0f} MiB (with the Dask processes) |")
            comparison = ["", f"Dask against local: {len(differences)} of {grades} gradebook rows differ "
                              "(status, score, each check's verdict, counterexample and hint)"
                          + (":" if differences else "."), *[f"- {line}" for line in differences[:20]]]
        lines = [*table, *comparison, "", "Where a grade's time goes (the local run; seconds of one pool process, "
                 f"summed over the {args.jobs} of them and divided by the grades of each kind):", "",
                 *breakdown(found, grades, torch)]
        checks = statistics.median(s for (phase, _), seconds in found.items() if phase == "checks" for s in seconds)
        lines += ["", f"Median checks time of one grade: {checks:.3f} s."]
        text = "\n".join(lines)
        print(text)
        if not args.no_page:
            write_section(f"batch N={args.students}", text)
    finally:
        if args.keep:
            shutil.copytree(scratch, args.keep, dirs_exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
