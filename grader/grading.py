"""Grading: submission text -> sandboxed worker -> checks -> results.

`grade()` is what the CLI's `grade EXERCISE` and `grade all` call, `grade_submissions()` what
a batch calls for each student. It resolves names and reads submissions first (cheap), starts
a sandbox per kind of exercise, and only then imports NumPy, the worker's client and the
exercise declarations (the references), so the sandboxes boot while the grader imports.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast
from pathlib import Path

from grader import catalog, memo, seeds, timings
from grader import submission as submissions
from grader.errors import GraderError, SubmissionError
from grader.results import (CRASHED, ERROR, FAILED, GRADED, MISSING, PASSED, TIMEOUT, UNREADABLE, CheckResult,
                            ExerciseResult, Report)
from grader.layout import solution_folders
from grader.worker.hosts import DEFAULT_LIMITS, HostKey, Hosts, kept, take_early
from grader.worker.sandbox import Sandbox, detect, worker_cannot_start

if TYPE_CHECKING:
    from grader.worker.client import WorkerProcess


@dataclass
class _Job:
    module: str
    submission: submissions.Submission | None
    problem: str = ""
    status: str = ""  # MISSING or UNREADABLE, with a problem
    worker: WorkerProcess | None = None


def grade(names: list[str], *, submission: str | Path | None = None, seed: seeds.Seed = 0, cwd: Path | None = None,
          sandbox: Sandbox | None = None, hide: tuple[Path, ...] = (), include_hidden: bool | None = None,
          device: str = "auto", cores: int = 1) -> Report:
    """Grade the exercises `names` ('exercise1', 'convolution', ...) and return one report.

    `submission` is a file (one exercise only) or a folder holding the exercises' files; by
    default `exercises/<module>.py` under `cwd`. With one exercise, a submission that cannot be
    read raises SubmissionError; with several, it becomes that exercise's failed result.
    `device` (auto, cpu, cuda) is where the PyTorch exercises run their models. Hidden checks
    run unless this is a student kit (`include_hidden=None`, the default) or told otherwise.
    `seed` is a practice seed (an int) or a graded run's `seeds.SecretSeed`, which always runs
    the hidden checks and never reaches the worker or a report (grader/seeds.py). `cores`: the
    cores this run has to itself (`grade EXERCISE`: the machine's, `free_cores()`); a worker
    whose exercise asks for threads (its limits) gets up to that many.
    """
    modules = list(dict.fromkeys(catalog.resolve(name) for name in names))
    if submission is not None and Path(submission).is_file() and len(modules) > 1:
        raise SubmissionError(f"{submission} is one file; to grade several exercises pass a folder")
    sandbox = _usable(modules, seed, sandbox)
    jobs = [_read(module, submission, cwd, raise_errors=len(modules) == 1) for module in modules]
    return Report(_grade_jobs(jobs, sandbox, seed, hide=tuple(hide) + solution_folders(cwd),
                              include_hidden=include_hidden, device=device, cores=cores))


def grade_submissions(files: dict[str, submissions.Submission], *, seed: seeds.Seed = 0,
                      sandbox: Sandbox | None = None, include_hidden: bool | None = None,
                      device: str = "auto", turn=None, keep_hosts: bool = False) -> list[ExerciseResult]:
    """Grade files already read (module name -> Submission), all of one student: their sandboxes
    are shared by their own exercises (grader/worker/hosts.py), and with `keep_hosts` (a batch's
    pool process) kept for the next student where a sandbox may serve one after another. One
    result per file, in the order given, each the same as `grade` gives it alone.

    `turn(modules)`, a context manager, is entered around each exercise's grading with the modules
    still to grade and yields the one to grade now (a batch's pool: one process at a time per
    exercise, so the turn picks one no other process holds rather than wait). Without it, they
    are graded in the order given."""
    sandbox = _usable(list(files), seed, sandbox)
    jobs = [_Job(module, submission) for module, submission in files.items()]
    return _grade_jobs(jobs, sandbox, seed, hide=solution_folders(None), include_hidden=include_hidden,
                       device=device, turn=turn, keep_hosts=keep_hosts)


def free_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _usable(modules: list[str], seed: seeds.Seed, sandbox: Sandbox | None) -> Sandbox:
    """The sandbox to grade in, or GraderError when nothing can be graded here as asked."""
    banked = [module for module in modules if catalog.bank_file(module).is_file() and not catalog.key_file(module).is_file()]
    if seed and banked:
        raise GraderError(f"--seed {seed}: this student kit grades from the cases recorded when it was written, "
                          "the same for everyone; other seeds draw only in the course repository")
    sandbox = sandbox or detect()
    unusable = worker_cannot_start(sandbox)
    if unusable:  # said once, rather than by every check of every exercise
        raise GraderError(unusable)
    return sandbox


def _grade_jobs(jobs: list[_Job], sandbox: Sandbox, seed: seeds.Seed, *, hide: tuple[Path, ...],
                include_hidden: bool | None, device: str, turn=None, cores: int = 1,
                keep_hosts: bool = False) -> list[ExerciseResult]:
    """Start the sandboxes (one per kind of exercise: they boot while the declarations are
    imported), then grade each job in turn, each in a fresh worker forked there."""
    if include_hidden is None:
        include_hidden = seeds.is_graded(seed) or not student_kit()
    if keep_hosts:
        hosts = kept(sandbox, hide)
    else:
        hosts = take_early(sandbox, hide) or Hosts(sandbox, hide)  # `grade EXERCISE`'s, started first (launch.py)
    abouts = {job.module: catalog.about(job.module) for job in jobs if job.submission is not None}
    for about in abouts.values():  # the declaration's literals: its worker's kind, before importing it
        hosts.warm(HostKey.of(about.worker_forbidden, about.limits))
    from grader.worker.client import WorkerProcess  # with NumPy, which the client's protocol needs

    for job in jobs:
        if job.submission is not None:
            limits = {**DEFAULT_LIMITS, **abouts[job.module].limits}
            job.worker = WorkerProcess(job.submission.source, job.module, sandbox, seed=seeds.worker_seed(seed, job.module),
                                       hide=hide, hosts=hosts, limits=limits, forbidden=abouts[job.module].worker_forbidden,
                                       threads=max(1, min(int(limits["threads"]), cores)))
    try:
        results, pending = {}, {job.module: job for job in jobs}
        while pending:
            with turn(list(pending)) if turn is not None else contextlib.nullcontext(next(iter(pending))) as module:
                results[module] = _grade_closing(pending.pop(module), sandbox, seed, include_hidden, device)
        return [results[job.module] for job in jobs]
    except BaseException:
        keep_hosts = False  # interrupted: nothing is kept for a next student
        raise
    finally:
        for job in jobs:
            if job.worker is not None:
                job.worker.close()
        if not keep_hosts:
            hosts.close()


def _grade_closing(job: _Job, sandbox: Sandbox, seed: seeds.Seed, include_hidden: bool, device: str) -> ExerciseResult:
    """The job's result; its worker is ended at once, so its sandbox can serve the next job."""
    try:
        return _grade_one(_load(job.module), job, sandbox, seed, include_hidden, device)
    finally:
        if job.worker is not None:
            job.worker.close()


def _load(module: str):
    with timings.phase("imports", module.partition("_")[0]):
        return catalog.load(module)


def student_kit() -> bool:
    """Is this the student release (`grade release` leaves grader/STUDENT_KIT)? Then hidden
    checks do not run; the report says they exist and will run at grading."""
    return (Path(__file__).parent / "STUDENT_KIT").exists()


def unreadable(module: str, problem: str, *, status: str = UNREADABLE, seed: seeds.Seed = 0,
               include_hidden: bool = True) -> ExerciseResult:
    """The result for a submission that cannot be graded at all (`status` missing, unreadable,
    crashed...): every check failed, `problem` said once."""
    job = _Job(module, None, problem=problem, status=status)
    return _grade_one(catalog.load(module), job, detect(), seed, include_hidden, device="cpu")


def _read(module: str, given, cwd: Path | None, *, raise_errors: bool) -> _Job:
    status = MISSING
    try:
        path = submissions.locate(module, given, cwd=cwd)
        status = UNREADABLE
        return _Job(module, submissions.read(path, module))
    except SubmissionError as error:
        if raise_errors:
            raise
        return _Job(module, None, problem=str(error), status=status)


def _grade_one(exercise, job: _Job, sandbox: Sandbox, seed: seeds.Seed, include_hidden: bool,
               device: str) -> ExerciseResult:
    started = time.perf_counter()
    checks = [check for check in exercise.checks if include_hidden or not check.hidden]
    result = ExerciseResult(
        exercise=exercise.id, title=exercise.title, section=exercise.section,
        submission=str(job.submission.path) if job.submission else "", sandbox=sandbox.description,
        seed=seeds.shown(seed),
    )
    withheld = sum(check.points for check in exercise.checks if check.hidden and not include_hidden) or \
        (exercise.hidden_points if not any(check.hidden for check in exercise.checks) else 0)
    if withheld:
        result.notes.append(f"Hidden checks worth {withheld:g} point(s) will also run when your work is graded.")
    if job.problem:
        problem, status = job.problem, job.status
    else:
        assert job.submission is not None  # a job was read unless it has a problem (_read)
        problem, status = _static_problem(exercise, job.submission)
    result.time_budget = exercise.budget
    if not problem:
        assert job.submission is not None and job.worker is not None  # _grade_jobs gave a read job its worker
        worker = job.worker
        worker.call_timeout = exercise.call_timeout
        worker.start_timeout = exercise.start_timeout
        worker.limits = {**DEFAULT_LIMITS, **exercise.limits}
        worker.forbidden = exercise.forbidden_imports
        from grader import draws
        from grader.checks import Session

        bank = catalog.banked(job.module)  # the student kit: the release's recorded cases and answers
        session_seed = seeds.session_seed(bank.meta["seed"] if bank else seed, job.module)
        kept = draws.kept_on_disk(job.module, session_seed) if not (seeds.is_graded(seed) or bank) else \
            contextlib.nullcontext()  # a graded run's draws are never written anywhere
        with kept:  # the bank and the draws kept on disk are read while the worker's sandbox boots
            with timings.phase("start", exercise.id):
                load = worker.load()
            if load.stdout:
                result.notes.append(f"Your file printed while being imported:\n{load.stdout.strip()[:1000]}")
            if load.ok:
                defined = frozenset(cast(list[str], load.value) or ())  # load replies with the names
                session = Session(worker, exercise, seed=session_seed, defined=defined, device=device,
                                  deadline=time.monotonic() + exercise.budget, bank=bank)
                with timings.phase("checks", exercise.id), memo.scope((exercise.id, device)):
                    result.tests = [_run(check, session) for check in checks]
        if load.ok:
            for test in result.tests:  # in a notebook, the worker's line numbers become cells
                test.output = job.submission.relabel(test.output)
            if worker.restarts:
                result.notes.append(f"The worker was restarted {worker.restarts} time(s) after a crash or a timeout.")
            result.status = _status(result.tests)
        elif load.failure == "startup":
            assert load.error is not None  # a worker that did not start says why
            result.tests = [_failed(check, load.error["message"], status=ERROR) for check in checks]
        else:
            problem = job.submission.import_failure(load.describe_error())
            status = TIMEOUT if load.failure == "timeout" else CRASHED
    if problem:
        result.problem, result.status = problem, status
        result.tests = [_failed(check, problem) for check in checks]
    if result.has_errors:
        result.status = ERROR
    result.execution_time = time.perf_counter() - started
    return result


def _run(check, session) -> CheckResult:
    """The check's result; once the exercise's time budget is spent, a failure saying so."""
    from grader.checks import budget_message

    if session.deadline is not None and time.monotonic() >= session.deadline:
        result = _failed(check, budget_message(session.exercise))
        result.failure = "budget"
        return result
    return check.run(session)


def _status(tests: list[CheckResult]) -> str:
    """`timeout` or `crashed` when no check got an answer from the submission (each one timed out,
    ran out of budget, or lost the worker; crashed when any lost it), else `graded`."""
    failures = {test.failure for test in tests}
    if not tests or any(test.status == PASSED for test in tests) or "" in failures:
        return GRADED
    return CRASHED if failures & {"crash", "malformed"} else TIMEOUT if failures <= {"timeout", "budget"} else GRADED


def _static_problem(exercise, submission: submissions.Submission) -> tuple[str, str]:
    """What is wrong before anything runs, and the status it gives: a file Python cannot parse
    (unreadable: a syntax error, or nesting too deep for the parser) or a forbidden import
    (graded: the file is fine, the answer is not allowed)."""
    unparsable = submission.parse_problem
    if unparsable:
        return unparsable, UNREADABLE
    forbidden = submission.forbidden_imports(exercise.forbidden_imports)
    if forbidden:
        return (f"your file imports a module this exercise does not allow ({'; '.join(forbidden)}): "
                f"{exercise.id} is about writing it yourself with NumPy"), GRADED
    return "", GRADED


def _failed(check, problem: str, status: str = FAILED) -> CheckResult:
    return CheckResult(name=check.name, max_score=check.points, status=status, output=problem,
                       visibility="hidden" if check.hidden else "visible")


