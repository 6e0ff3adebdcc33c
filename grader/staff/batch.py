"""Grading a whole class: one task per (student, exercise), run in parallel, kept in a gradebook.

The unit of work is `run_task(task, seed)`: plain data in, a Grade out, no shared state. A
process pool runs it on one machine; a Dask cluster (`scheduler=`) runs the very same
function on many. Only this process writes the gradebook, one transaction per grade, so a
run killed at any moment leaves nothing half-written, and the next run does only the rest.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import html
import json
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from grader.staff.collect import StudentFiles, collect, find_exercise_file
from grader.staff.gradebook import CRASHED, ERROR, UNREADABLE, Grade, Gradebook, csv_text, write_atomically

log = logging.getLogger(__name__)

_SOURCE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Task:
    """One student's one exercise. Without a `path`, `status` (missing or unreadable) and
    `problem` say why there is nothing to run."""

    student: str
    module: str
    path: str | None
    fingerprint: str
    status: str = ""
    problem: str = ""
    shown: str = ""  # the path as the student knows it: inside their own folder

    @property
    def exercise(self) -> str:
        return self.module.partition("_")[0]


@dataclass
class BatchSummary:
    students: int
    graded: int
    unchanged: int
    seconds: float
    skipped_entries: list[str] = field(default_factory=list)
    errors: int = 0


def batch(submissions: Path, out: Path, *, jobs: int | None = None, exercises: list[str] | None = None,
          seed: int = 0, scheduler: str | None = None,
          progress: Callable[[int, int, Grade], None] | None = None) -> BatchSummary:
    """Grade every student in `submissions` into `out`; on a rerun grade only what changed."""
    from grader import catalog

    started = time.perf_counter()
    modules = [catalog.resolve(name) for name in exercises] if exercises else catalog.module_names()
    students, skipped = collect(submissions, out / ".unpacked")
    tasks = plan(students, modules, seed)
    gradebook = Gradebook(out / "gradebook.sqlite")
    try:
        done = gradebook.fingerprints()
        todo = [task for task in tasks if done.get((task.student, task.exercise)) != task.fingerprint]
        errors = 0
        for count, grade in enumerate(execute(todo, jobs=jobs, seed=seed, scheduler=scheduler), 1):
            gradebook.record(grade)
            errors += grade.status == ERROR
            if progress is not None:
                progress(count, len(todo), grade)
        write_outputs(gradebook, students, [module.partition("_")[0] for module in modules], out)
    finally:
        gradebook.close()
    return BatchSummary(students=len(students), graded=len(todo), unchanged=len(tasks) - len(todo),
                        seconds=time.perf_counter() - started, skipped_entries=skipped, errors=errors)


def plan(students: list[StudentFiles], modules: list[str], seed: int) -> list[Task]:
    """One task per (student, exercise), each with the fingerprint that decides whether to regrade."""
    tasks = []
    for student in students:
        for module in modules:
            if student.folder is None:
                path, status, problem = None, UNREADABLE, student.problem
            else:
                path, status, problem = find_exercise_file(student.folder, module)
            content = path.read_bytes() if path is not None else problem.encode()
            fingerprint = hashlib.sha256(f"{grader_fingerprint(module, seed)}|".encode() + content).hexdigest()
            shown = path.relative_to(student.folder).as_posix() if path is not None else ""
            tasks.append(Task(student.student, module, str(path) if path else None, fingerprint, status, problem, shown))
    return tasks


@functools.cache
def grader_fingerprint(module: str, seed: int) -> str:
    """Changes whenever what decides `module`'s grades does: the grading engine, the references,
    the exercise's own declaration, the seed. Another exercise's declaration, the reports and
    the staff tools do not count: adding an exercise mid-course regrades nothing else."""
    digest = hashlib.sha256(f"{module}|seed={seed}".encode())
    engine = [path for path in (_SOURCE_ROOT / "grader").rglob("*.py")
              if not {"catalog", "staff", "instructor"} & set(path.relative_to(_SOURCE_ROOT / "grader").parts)]
    declaration = _SOURCE_ROOT / "grader" / "catalog" / f"{module}.py"
    for path in sorted([*engine, declaration, *(_SOURCE_ROOT / "reference").rglob("*.py")]):
        digest.update(path.relative_to(_SOURCE_ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def run_task(task: Task, seed: int = 0) -> Grade:
    """Grade one student's one exercise, all checks (hidden ones too). Never raises: every
    outcome is a Grade, a bug in the grader included (status error, retried on the next run)."""
    from grader.errors import SubmissionError
    from grader.grading import grade, unreadable

    try:
        if task.path is None:
            result = unreadable(task.module, task.problem, status=task.status, seed=seed)
        else:
            try:
                result = grade([task.module], submission=task.path, seed=seed, include_hidden=True).exercises[0]
                result.submission = task.shown
            except SubmissionError as error:  # not UTF-8, too large, not a notebook
                result = unreadable(task.module, str(error), seed=seed)
        return Grade(task.student, task.exercise, task.fingerprint, result.status, result.score, result.max_score,
                     result.to_dict())
    except Exception as error:  # noqa: BLE001 - a grader bug stops this row, never the batch
        return error_grade(task, f"internal grader error: {type(error).__name__}: {error}")


def error_grade(task: Task, problem: str, *, status: str = ERROR, seed: int = 0) -> Grade:
    """A row for a task that produced no grade of its own: `problem` is its one-line verdict."""
    from grader.results import ExerciseResult

    try:
        from grader.grading import unreadable

        result = unreadable(task.module, problem, status=status, seed=seed)
    except Exception:  # noqa: BLE001 - the catalog itself failed: a row without checks still says why
        result = ExerciseResult(task.exercise, "", "", task.shown, status=status, problem=problem)
    result.submission, result.status = task.shown, status
    return Grade(task.student, task.exercise, task.fingerprint, status, result.score, result.max_score,
                 result.to_dict())


def execute(tasks: list[Task], *, jobs: int | None, seed: int, scheduler: str | None) -> Iterator[Grade]:
    """Run the tasks, yielding each Grade as soon as it exists (in completion order)."""
    if not tasks:
        return
    if scheduler is not None:
        from grader.staff.distributed import run_on_cluster

        yield from run_on_cluster(tasks, scheduler, seed)
        return
    running = Path(tempfile.mkdtemp(prefix="cnn-grader-running-"))
    try:
        yield from _run_in_pools(tasks, jobs=jobs or os.cpu_count() or 1, seed=seed, running=running)
    finally:
        shutil.rmtree(running, ignore_errors=True)


def _run_in_pools(tasks: list[Task], *, jobs: int, seed: int, running: Path) -> Iterator[Grade]:
    """Every task's Grade, whatever kills a pool process (a submission that kills its grader,
    the kernel's out-of-memory killer).

    A broken pool is replaced. The tasks that had not started run in the next pool as before;
    the ones that were running when it broke (the culprit among them) run again, each alone in
    a pool of its own, so that only the culprit breaks its pool again: it is recorded as
    crashed, and the batch goes on.
    """
    waiting = list(tasks)
    while waiting:
        suspects, waiting = yield from _pool(waiting, jobs, seed, running)
        for task in suspects:
            log.debug("a grading process died; regrading %s %s alone", task.student, task.exercise)
            again, _ = yield from _pool([task], 1, seed, running)
            if again:
                yield error_grade(task, "the process grading this file died, twice (killed by the file, or for "
                                        "using too much memory): it was not graded", status=CRASHED, seed=seed)


def _pool(tasks: list[Task], workers: int, seed: int, running: Path):
    """Yield the grades `tasks` get from one process pool; return the tasks left when the pool
    broke, as (those that were running, those still waiting)."""
    finished = set()
    with ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent) as pool:
        futures = {pool.submit(_run_marked, task, seed, str(running)): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                grade = future.result()
            except BrokenProcessPool:
                continue
            except Exception as error:  # noqa: BLE001 - the task or its grade could not cross
                grade = error_grade(task, f"internal grader error: {type(error).__name__}: {error}", seed=seed)
            finished.add(task)
            yield grade
    left = [task for task in tasks if task not in finished]
    started = [task for task in left if _marker(running, task).exists()]
    for task in started:
        _marker(running, task).unlink(missing_ok=True)
    return started, [task for task in left if task not in started]


def _run_marked(task: Task, seed: int, running: str) -> Grade:
    """run_task, with a file in `running` while it runs: a pool that dies shows who was running."""
    marker = _marker(Path(running), task)
    marker.touch()
    try:
        return run_task(task, seed)
    finally:
        marker.unlink(missing_ok=True)


def _marker(running: Path, task: Task) -> Path:
    return running / hashlib.sha256(f"{task.student}\0{task.module}".encode("utf-8", "surrogateescape")).hexdigest()


def _die_with_parent() -> None:
    """Pool processes follow the batch process if it is killed (SIGKILL leaves no time to clean up)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def write_outputs(gradebook: Gradebook, students: list[StudentFiles], exercises: list[str], out: Path) -> None:
    """gradebook.csv and, per student, results.json and report.html, all rebuilt from the gradebook."""
    from grader.render import render
    from grader.results import ExerciseResult, Report

    names = [student.student for student in students]
    grades = [grade for grade in gradebook.grades(names) if grade.exercise in exercises]
    write_atomically(out / "gradebook.csv", csv_text(grades, names, exercises))
    for student in students:
        own = sorted((grade for grade in grades if grade.student == student.student),
                     key=lambda grade: exercises.index(grade.exercise))
        if not own:
            continue
        try:
            report = Report([ExerciseResult.from_dict(grade.result) for grade in own])
            files = {"results.json": render(report, "json"), "report.html": render(report, "html")}
        except Exception as error:  # noqa: BLE001 - one student's report never stops the others'
            problem = f"the grader could not render this report: {type(error).__name__}: {error}"
            log.warning("%s: %s", student.student, problem)
            files = {"results.json": json.dumps({"student": student.student, "error": problem,
                                                 "score": sum(grade.score for grade in own),
                                                 "max_score": sum(grade.max_score for grade in own)}, indent=2) + "\n",
                     "report.html": f"<!DOCTYPE html>\n<p>{html.escape(problem)}</p>\n"}
        for name, text in files.items():
            write_atomically(out / student.slug / name, text)
