"""Grading a whole class: one task per (student, exercise), run in parallel, kept in a gradebook.

The unit of work is `run_tasks(tasks, seed)` (tasks.py) on one student's tasks: plain data in,
a Grade per task out; the student's files share the sandboxes grading starts for them, which a
pool process keeps for its next student (grader/worker/hosts.py). A process pool runs it on one machine; a Dask cluster
(`scheduler=`) runs the very same function on many. Only this process writes the gradebook, one transaction per grade, so a
run killed at any moment leaves nothing half-written, and the next run does only the rest.
Ctrl-C stops the pool at once: what was graded stays, and the next run does the rest.

The seed is the RESULTS folder's secret (grader/seeds.py), so no practice run rehearses a
graded one. RESULTS holds the class's files (gradebook.*, dashboard.html, similarity.*) and
`students/<slug>/` per student, so that no student id can collide with a class file.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import dataclasses
import functools
import gc
import hashlib
import html
import json
import logging
import multiprocessing
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

from grader import seeds, timings
from grader.errors import INTERRUPTED, GraderError
from grader.staff import lms
from grader.staff.collect import StudentFiles, find_exercise_file
from grader.staff.gradebook import CRASHED, ERROR, UNREADABLE, ClassBook, Grade, Gradebook, csv_text, write_atomically
from grader.staff.late import LateOptions
from grader.staff.marks import adjustments, final_grades, kept_overrides, with_marks
from grader.staff.tasks import Task, by_student, error_grade, make_task, run_tasks

log = logging.getLogger(__name__)
STUDENTS = "students"  # RESULTS/students/<slug>/: results.json and report.html of each student


@dataclass
class BatchSummary:
    students: int
    graded: int
    unchanged: int
    seconds: float
    skipped_entries: list[str] = field(default_factory=list)
    errors: int = 0
    notices: list[str] = field(default_factory=list)  # what staff should know: kept overrides, untimed late files
    mistakes: list[str] = field(default_factory=list)  # the most common ones per exercise (dashboard.top_mistakes)


def batch(submissions: Path, out: Path, *, jobs: int | None = None, exercises: list[str] | None = None,
          secret: seeds.SecretSeed | None = None, scheduler: str | None = None, unsafe_no_sandbox: bool = False,
          progress: Callable[[int, int, Grade], None] | None = None, late: LateOptions | None = None) -> BatchSummary:
    """Grade every student in `submissions` (a folder, or an LMS download: grader/staff/lms.py) into
    `out`; on a rerun grade only what changed.

    The draws come from `secret`, by default the one staff gave (CNN_GRADER_SECRET) or the one
    kept in `out` (made on the first run). `unsafe_no_sandbox` travels with each task: the machine
    grading it checks its own sandbox. Interrupted (KeyboardInterrupt), it writes the files of what
    was graded and raises `Interrupted`."""
    from grader import catalog

    started = time.perf_counter()
    refuse_nested(submissions, out)
    modules = [catalog.resolve(name) for name in exercises] if exercises else catalog.module_names()
    policies, times = (late or LateOptions()).parse()  # bad options stop here, before anything is written
    intake = lms.intake(submissions, out / ".unpacked")
    students, skipped = intake.students, intake.skipped
    seed = secret or seeds.for_results(out)
    tasks = [dataclasses.replace(task, unsafe_no_sandbox=unsafe_no_sandbox) for task in plan(students, modules, seed)]
    gradebook = Gradebook(out / "gradebook.sqlite")
    count = 0
    try:
        notices = lms.record(gradebook.connection, intake, tasks, times=times, policies=policies)
        book = gradebook.read()  # the one reading of the gradebook: grading and rendering follow it (ClassBook)
        done = book.fingerprints()
        todo = [task for task in tasks if done.get((task.student, task.exercise)) != task.fingerprint]
        errors = 0
        names = [module.partition("_")[0] for module in modules]
        pending = collections.Counter(task.student for task in todo)
        by_id = {student.student: student for student in students}
        try:
            for count, grade in enumerate(execute(todo, jobs=jobs, seed=seed, scheduler=scheduler), 1):
                book.record(grade)
                errors += grade.status == ERROR
                if progress is not None:
                    progress(count, len(todo), grade)
                pending[grade.student] -= 1
                if not pending[grade.student]:  # all of this student's grades are in: their reports, while others grade
                    with timings.phase("render"):
                        write_reports(book, [by_id[grade.student]], names, out)
        except KeyboardInterrupt:
            write_outputs(book, students, names, out)
            raise Interrupted(f"interrupted: {count} of {len(todo)} grade(s) made and kept in {out}; "
                              "run it again to grade the rest") from None
        notices += kept_overrides(book.marks())
        from grader.staff.dashboard import class_statistics, top_mistakes, write_dashboard

        with timings.phase("render"):
            write_outputs(book, students, names, out)
            figures = class_statistics(out, book=book)
            write_dashboard(out, figures=figures)
    finally:
        gradebook.close()
    return BatchSummary(students=len(students), graded=len(todo), unchanged=len(tasks) - len(todo),
                        seconds=time.perf_counter() - started, skipped_entries=skipped, errors=errors, notices=notices,
                        mistakes=top_mistakes(figures))


class Interrupted(GraderError):
    """Ctrl-C: the grades made so far are kept; the CLI exits 130."""

    exit_code = INTERRUPTED


def refuse_nested(submissions: Path, out: Path) -> None:
    """RESULTS inside SUBMISSIONS would be graded as a student on the next run: refuse it."""
    inner, outer = out.resolve(), submissions.resolve()
    if inner == outer or inner.is_relative_to(outer):
        raise GraderError(f"--out {out} is inside SUBMISSIONS ({submissions}), where the next run would take it for "
                          "a student: write the results elsewhere, e.g. --out results")


def plan(students: list[StudentFiles], modules: list[str], seed: seeds.Seed) -> list[Task]:
    """One task per (student, exercise), each with the fingerprint that decides whether to regrade."""
    tasks = []
    for student in students:
        for module in modules:
            if student.folder is None:
                path, status, problem = None, UNREADABLE, student.problem
                shown = ""
            else:
                path, status, problem = find_exercise_file(student.folder, module)
                shown = path.relative_to(student.folder).as_posix() if path is not None else ""
            tasks.append(make_task(student.student, module, seed, path=path, status=status, problem=problem,
                                   shown=shown))
    return tasks


def execute(tasks: list[Task], *, jobs: int | None, seed: seeds.Seed, scheduler: str | None) -> Iterator[Grade]:
    """Run the tasks, each student's together (their files share sandboxes, no one else's),
    yielding each Grade as soon as it exists (in completion order)."""
    if not tasks:
        return
    groups = by_student(tasks)
    if scheduler is not None:
        from grader.staff.distributed import run_on_cluster

        yield from run_on_cluster(groups, scheduler, seed)
        return
    running = Path(tempfile.mkdtemp(prefix="cnn-grader-running-"))
    groups = [group[index * 7 % len(group):] + group[:index * 7 % len(group)] for index, group in enumerate(groups)]
    try:  # each student starts at another exercise: two pool processes seldom want the same one (_turn)
        yield from _run_in_pools(groups, jobs=jobs or os.cpu_count() or 1, seed=seed, running=running)
    finally:
        shutil.rmtree(running, ignore_errors=True)


def _run_in_pools(groups: list[list[Task]], *, jobs: int, seed: seeds.Seed, running: Path) -> Iterator[Grade]:
    """Every task's Grade, whatever kills a pool process (a submission that kills its grader,
    the kernel's out-of-memory killer).

    A broken pool is replaced. The students that had not started run in the next pool as before;
    the tasks that were running when it broke (the culprit among them) run again, each alone in
    a pool of its own, so that only the culprit breaks its pool again: it is recorded as
    crashed, and the batch goes on.
    """
    waiting = list(groups)
    while waiting:
        suspects, waiting = yield from _pool(waiting, jobs, seed, running)
        for task in suspects:
            log.debug("a grading process died; regrading %s %s alone", task.student, task.exercise)
            again, _ = yield from _pool([[task]], 1, seed, running)
            if again:
                yield error_grade(task, "the process grading this file died, twice (killed by the file, or for "
                                        "using too much memory): it was not graded", status=CRASHED, seed=seed)


def _pool(groups: list[list[Task]], workers: int, seed: seeds.Seed, running: Path):
    """Yield the grades `groups` get from one process pool; return what was left when the pool
    broke, as (the tasks that were running, the groups still waiting). Interrupted (Ctrl-C, or
    the consumer stops), it ends the pool's processes at once rather than waiting for their tasks."""
    finished: set[Task] = set()
    context = multiprocessing.get_context()
    modules = sorted({task.module for group in groups for task in group})
    turns = {module: context.Lock() for module in modules if _holds_models(module)}
    if context.get_start_method() == "fork":
        _preload(modules)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_pool_process, initargs=(turns,))
    try:
        futures = {pool.submit(_run_marked, group, seed, str(running)): group for group in groups}
        for future in as_completed(futures):
            group = futures[future]
            try:
                grades = future.result()
            except BrokenProcessPool:
                continue
            except Exception as error:  # noqa: BLE001 - the tasks or their grades could not cross
                grades = [error_grade(task, f"internal grader error: {type(error).__name__}: {error}", seed=seed)
                          for task in group]
            finished.update(group)
            yield from grades
    except BaseException:  # KeyboardInterrupt, GeneratorExit: stop the running tasks, not wait for them
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    left = [group for group in groups if not finished.issuperset(group)]
    started = [task for group in left for task in group if _marker(running, task).exists()]
    for task in started:
        _marker(running, task).unlink(missing_ok=True)
    return started, [group for group in left if not any(task in started for task in group)]


def _run_marked(group: list[Task], seed: seeds.Seed, running: str) -> list[Grade]:
    """run_tasks, with a file in `running` per task while they run: a pool that dies shows who was running."""
    markers = [_marker(Path(running), task) for task in group]
    for marker in markers:
        marker.touch()
    try:
        return run_tasks(group, seed, turn=_turn, keep_hosts=True)
    except SystemExit:  # SIGTERM from _stop: grading closed its workers on the way here; take no other task
        from grader.worker.hosts import close_kept

        close_kept()
        os._exit(INTERRUPTED)
    finally:
        for marker in markers:
            marker.unlink(missing_ok=True)


def _marker(running: Path, task: Task) -> Path:
    return running / hashlib.sha256(f"{task.student}\0{task.module}".encode("utf-8", "surrogateescape")).hexdigest()


def _preload(modules: list[str]) -> None:
    """Import what grading `modules` needs (hypothesis, torch, the declarations and their keys) and
    find the sandbox, here, once, before the pool forks: its processes start with all of it, and
    share its pages with this process (frozen, so that no garbage collection writes to them) instead
    of each importing its own copy (torch alone is 150 MB per process)."""
    import hypothesis  # noqa: F401 - the declarations defer it (grader.deferred); a graded run draws
    from grader import catalog
    from grader.grading import grade_submissions  # noqa: F401 - imported for the pool's processes
    from grader.worker.sandbox import detect
    from grader.worker.view import allowed_entries

    detect()
    allowed_entries()
    for module in modules:
        try:
            catalog.load(module)
        except Exception:  # noqa: BLE001 - a declaration that does not load: each of its tasks says so, in the pool
            pass
    gc.freeze()


_TURNS: dict = {}  # in a pool process: module -> the lock it grades that exercise under (_holds_models)


def _holds_models(module: str) -> bool:
    """Does grading `module` hold PyTorch models on the grader's side (an AlexNet mistake: 750 MB at
    its peak)? Those exercises take turns (_turn); a NumPy exercise's arrays are small, so it never waits."""
    from grader import catalog

    try:
        about = catalog.about(module)
    except Exception:  # noqa: BLE001 - a declaration that does not parse: each of its tasks says so, in the pool
        return False
    return "torch" not in about.worker_forbidden


def _pool_process(turns: dict) -> None:
    """Pool processes follow the batch process if it is killed (SIGKILL leaves no time to clean up);
    they leave Ctrl-C to the batch process, which ends them with SIGTERM: then each kills its
    sandboxed worker on the way out (grading's `finally`). The sandboxes each keeps from one
    student to the next end as it ends (hosts.kept). `turns` are the exercises' locks (_turn)."""
    import multiprocessing.util

    from grader.worker.hosts import close_kept

    _TURNS.update(turns)
    multiprocessing.util.Finalize(None, close_kept, exitpriority=10)  # a pool process's exit runs no atexit
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)


@contextlib.contextmanager
def _turn(modules: list[str]):
    """Yield the first PyTorch exercise of `modules` that no other pool process is grading (the
    grader's side of one, AlexNet's reference models, is held by one process at a time, never by
    two), else the first NumPy exercise; wait for the first only when every one is taken. The
    PyTorch exercises go first so that a student's last ones are NumPy exercises, which never
    wait: taking the first free module in order left AlexNet last often enough to wait 20 s in
    all for a class of 300. Afterwards the heap it freed goes back to the system (malloc_trim),
    so the next exercise starts small."""
    free = next((module for module in modules if module in _TURNS and _TURNS[module].acquire(False)), None) \
        or next((module for module in modules if module not in _TURNS), None)
    module = modules[0] if free is None else free
    lock = _TURNS.get(module)
    if free is None:
        with timings.phase("waiting", module.partition("_")[0]):
            _TURNS[module].acquire()
    try:
        yield module
    finally:
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass
        if lock is not None:
            lock.release()


def _exit_on_term(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool now: no new task starts, the running ones are told to stop (SIGTERM), and
    whatever has not stopped a second later is killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # Python 3.14: pool.terminate_workers()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + 1.0
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)


def write_outputs(book: ClassBook, students: list[StudentFiles], exercises: list[str], out: Path) -> None:
    """gradebook.csv, rebuilt whole, and per student students/<slug>/results.json and report.html
    (write_reports: rendered again only where what they show changed), all from `book`."""
    names = [student.student for student in students]
    grades = [grade for grade in book.grades(names) if grade.exercise in exercises]
    table = book.marks(names)  # the final scores: late penalties and overrides (marks.py)
    write_atomically(out / "gradebook.csv", csv_text(final_grades(grades, table), names, exercises,
                                                     adjustments=adjustments(table, names)))
    write_reports(book, students, exercises, out)


def write_reports(book: ClassBook, students: list[StudentFiles], exercises: list[str], out: Path) -> None:
    """Each student's results.json and report.html, from their grades and marks in `book`.
    A student's files are rendered only when they are missing or what they show changed: a digest
    of their rows, their marks and the renderer (`RENDERED`) is kept beside them."""
    for student in students:
        own = sorted((grade for grade in book.grades([student.student]) if grade.exercise in exercises),
                     key=lambda grade: exercises.index(grade.exercise))
        if not own:
            continue
        rows = [(grade.exercise, grade.score, grade.max_score, book.text(student.student, grade.exercise))
                for grade in own]
        own_marks = {exercise: mark for (_, exercise), mark in book.marks([student.student]).items()
                     if exercise in exercises}
        folder = out / STUDENTS / student.slug
        digest = hashlib.sha256(json.dumps([_renderer(), student.student, rows, sorted(
            (exercise, mark.to_dict()) for exercise, mark in own_marks.items())]).encode()).hexdigest()
        if _rendered(folder) == digest:
            continue
        try:
            from grader.render import render
            from grader.results import Report

            report = Report([book.result(student.student, grade.exercise) for grade in own])
            files = {"results.json": with_marks(report.to_dict(), own_marks),
                     "report.html": render(report, "html", student=student.student, marks=own_marks)}
        except Exception as error:  # noqa: BLE001 - one student's report never stops the others'
            problem = f"the grader could not render this report: {type(error).__name__}: {error}"
            log.warning("%s: %s", student.student, problem)
            files = {"results.json": json.dumps({"student": student.student, "error": problem,
                                                 "score": sum(grade.score for grade in own),
                                                 "max_score": sum(grade.max_score for grade in own)}, indent=2) + "\n",
                     "report.html": f"<!DOCTYPE html>\n<p>{html.escape(problem)}</p>\n"}
        for name, text in files.items():
            write_atomically(folder / name, text)
        write_atomically(folder / RENDERED, digest)


RENDERED = ".rendered"  # in each student's folder: the digest of what its files were rendered from


def _rendered(folder: Path) -> str:
    """The digest the student's files were rendered from, '' when one of them is missing."""
    try:
        if all((folder / name).is_file() for name in ("results.json", "report.html")):
            return (folder / RENDERED).read_text()
    except OSError:
        pass
    return ""


@functools.cache
def _renderer() -> str:
    """A digest of what renders a report: the templates and the modules that fill them."""
    from grader.render import templates_folder

    package = Path(__file__).resolve().parents[1]
    files = sorted(templates_folder().rglob("*.j2")) + [package / name for name in (
        "render.py", "visual.py", "results.py", "json_values.py", "compare.py", "staff/marks.py", "staff/batch.py")]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
