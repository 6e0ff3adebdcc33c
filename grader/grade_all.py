"""`grade all`: the exercises graded in a few processes at once, one report in catalog order.

Grading one exercise mostly waits: on its sandboxed worker, on hypothesis, on a model's
forward pass. So `grade all` splits the exercises into `jobs` groups of about equal cost and
grades each group in its own process; NumPy and PyTorch exercises overlap, and each process
imports torch at most once. A group is graded by `grading.grade`, exactly as `grade EXERCISE`
would grade its exercises; only the reports are merged here.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from grader import catalog
from grader.errors import GraderError
from grader.results import Report


def grade_all(modules: list[str], *, jobs: int | None = None, submission: str | Path | None = None,
              **options) -> Report:
    """Grade `modules` (catalog names) from the folder `submission`, `jobs` processes at once
    (default: the cores, at most 4), which share the cores out (`grading.grade`'s `cores`);
    `options` go to `grading.grade` (seed, device, ...). Without `submission`, the kit's
    exercises/ folder must be here (else one GraderError line)."""
    from grader.grading import free_cores, grade

    if submission is None and not (Path.cwd() / "exercises").is_dir():
        raise GraderError("no submission here: run it in the kit's folder or pass --submission")
    groups = split(modules, jobs or min(os.cpu_count() or 1, 4))
    options.setdefault("cores", max(1, free_cores() // len(groups)))
    if len(groups) == 1:
        return grade(modules, submission=submission, **options)
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=len(groups), mp_context=context) as pool:
        futures = [pool.submit(_grade_group, group, submission, options) for group in groups]
        results = {result.exercise: result for future in futures for result in future.result().exercises}
    return Report([results[catalog.about(module).id] for module in modules])


def split(modules: list[str], jobs: int) -> list[list[str]]:
    """At most `jobs` groups of about equal cost, each in catalog order. An exercise's cost is
    guessed from its declared per-call timeout (5 s for the models, 2 s for NumPy): the
    costliest go first, each to the cheapest group so far."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(jobs, len(modules))))]
    costs = [0.0] * len(groups)
    for module in sorted(modules, key=lambda module: -catalog.about(module).call_timeout):
        cheapest = costs.index(min(costs))
        groups[cheapest].append(module)
        costs[cheapest] += catalog.about(module).call_timeout
    return [sorted(group, key=modules.index) for group in groups if group]


def _grade_group(group: list[str], submission, options: dict) -> Report:
    from grader import submission as submissions
    from grader.errors import SubmissionError
    from grader.grading import grade, unreadable
    from grader.results import MISSING, UNREADABLE

    try:
        return grade(group, submission=submission, **options)
    except SubmissionError as error:  # one exercise alone raises for a missing or unreadable file; `all` reports it
        try:
            submissions.locate(group[0], submission)
            status = UNREADABLE
        except SubmissionError:
            status = MISSING
        return Report([unreadable(group[0], str(error), status=status, seed=options.get("seed", 0))])
