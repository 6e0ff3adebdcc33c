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
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from grader.staff.collect import StudentFiles, collect, find_exercise_file
from grader.staff.gradebook import ERROR, GRADED, UNREADABLE, Grade, Gradebook, csv_text, write_atomically

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
    from grader.staff.dashboard import write_dashboard

    write_dashboard(out)
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
    """Grade one student's one exercise, all checks (hidden ones too). Never raises for the
    submission's sake: every outcome is a Grade."""
    from grader.errors import SubmissionError
    from grader.grading import grade, unreadable

    if task.path is None:
        status, result = task.status, unreadable(task.module, task.problem, seed=seed)
    else:
        try:
            result = grade([task.module], submission=task.path, seed=seed, include_hidden=True).exercises[0]
            result.submission = task.shown
            status = ERROR if result.has_errors else GRADED
        except SubmissionError as error:  # not UTF-8, too large, not a notebook
            status, result = UNREADABLE, unreadable(task.module, str(error), seed=seed)
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
    with ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1, initializer=_die_with_parent) as pool:
        futures = [pool.submit(run_task, task, seed) for task in tasks]
        for future in as_completed(futures):
            yield future.result()


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
        report = Report([ExerciseResult.from_dict(grade.result) for grade in own])
        write_atomically(out / student.slug / "results.json", render(report, "json"))
        write_atomically(out / student.slug / "report.html", render(report, "html", student=student.student))
