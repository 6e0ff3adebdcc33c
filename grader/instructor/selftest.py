"""`grade selftest`: the instructor's proof that every check tells right from wrong.

For every exercise in the catalog: the solution scores full marks with no hint, the stub scores
0 with every check saying "not implemented yet", each declared known mistake (a real file,
tests/submissions/<exercise>/<mistake>.py) loses points and gets its hint, and each check fails
for at least one wrong submission (the mistakes, and a generated one whose functions all return
None): a check that no wrong submission fails cannot tell right from wrong. Every case is graded
by grader.grading.grade, as a student's file would be.

`prove` states this proof for one exercise; tests/grader/test_catalog.py runs the same function
for every exercise, so the command and the tests cannot disagree on what "right from wrong" means.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GraderError

NONE_CASE = "returns None"


@dataclass
class Row:
    exercise: str
    case: str
    score: str
    verdict: str
    ok: bool


@dataclass
class SelftestReport:
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(row.ok for row in self.rows)

    def table(self) -> str:
        from grader.render import environment

        widths = [max([len(title)] + [len(getattr(row, name)) for row in self.rows])
                  for name, title in (("exercise", "exercise"), ("case", "case"), ("score", "score"))]
        return environment().get_template("instructor/selftest.txt.j2").render(report=self, widths=widths)


def run_selftest(*, root: Path = Path("."), exercises: list[str] | None = None, seed: int = 0,
                 jobs: int | None = None) -> SelftestReport:
    """Grade the solution, the stub, every known mistake and a wrong submission of each exercise.

    Exercises are tested in `jobs` processes at once (default: the CPU count, at most 4); each
    grading run mostly waits on its sandboxed worker, so this pays even on two cores.
    """
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from grader import catalog

    root = Path(root)
    for folder in ("solutions", "exercises"):
        if not (root / folder).is_dir():
            raise GraderError(f"run `grade selftest` in the repository: it needs {folder}/ in {root.resolve()}")
    modules = catalog.module_names() if exercises is None else [catalog.resolve(name) for name in exercises]
    jobs = min(jobs or min(os.cpu_count() or 1, 4), len(modules)) or 1
    report = SelftestReport()
    if jobs == 1:
        for module in modules:
            report.rows += _module_rows(module, root, seed)
        return report
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        for rows in pool.map(_module_rows, modules, [root] * len(modules), [seed] * len(modules)):
            report.rows += rows
    return report


def _module_rows(module: str, root: Path, seed: int) -> list[Row]:
    from grader import catalog

    return prove(catalog.load(module), root=root, seed=seed)


def _grade(module: str, path: Path, seed: int = 0):
    from grader.grading import grade

    return grade([module], submission=path, seed=seed, include_hidden=True).exercises[0]


def prove(exercise, *, root: Path, seed: int = 0, graded: Callable[[Path], Any] | None = None) -> list[Row]:
    """One row per case of `exercise` (solution, stub, each mistake, returns None, each check); the
    proof holds when every row is ok. `graded(path)` grades one file, hidden checks included
    (default: grader.grading.grade at `seed`; the tests pass their cached equivalent)."""
    rows: list[Row] = []
    module = exercise.module
    failed_by: dict[str, list[str]] = {check.name: [] for check in exercise.checks}
    graded = graded or functools.partial(_grade, module, seed=seed)

    def row(case: str, result, verdict: str, ok: bool) -> None:
        errors = [test for test in result.tests if test.status == "error"] if result is not None else []
        if errors:
            ok, verdict = False, f"grader error in {errors[0].name!r}: {errors[0].output[:120]}"
        score = f"{result.score:g}/{result.max_score:g}" if result is not None else "-"
        rows.append(Row(exercise.id, case, score, ("ok: " if ok else "FAIL: ") + verdict, ok))

    solution = root / "solutions" / f"{module}.py"
    if solution.is_file():
        result = graded(solution)
        row("solution", result, *_solution_verdict(result, exercise.max_score))
    else:
        row("solution", None, f"{solution} is missing", False)

    stub = root / "exercises" / f"{module}.py"
    if stub.is_file():
        result = graded(stub)
        row("stub", result, *_stub_verdict(result))
    else:
        row("stub", None, f"{stub} is missing: run `grade stubs`", False)

    folder = root / "tests" / "submissions" / exercise.id
    mistake_ids = list(dict.fromkeys(mistake.id for mistake in exercise.mistakes))
    for mistake_id in mistake_ids:
        path = folder / f"{mistake_id}.py"
        if not path.is_file():
            row(f"mistake {mistake_id}", None, f"{path} is missing: each declared mistake needs a file that makes it",
                False)
            continue
        result = graded(path)
        _note_failures(result, mistake_id, failed_by)
        hints = {mistake.hint for mistake in exercise.mistakes if mistake.id == mistake_id}
        hinted = any(hint in test.hint for test in result.tests if test.status == "failed" for hint in hints)
        lost = result.max_score - result.score
        if lost <= 0:
            row(f"mistake {mistake_id}", result, "full marks: no check catches this mistake", False)
        elif not hinted:
            row(f"mistake {mistake_id}", result, f"loses {lost:g} points but no failed check gives its hint", False)
        else:
            row(f"mistake {mistake_id}", result, f"loses {lost:g} points, hint shown", True)
    if folder.is_dir():
        for orphan in sorted(path for path in folder.glob("*.py") if path.stem not in mistake_ids):
            row(f"file {orphan.name}", None, "names no declared mistake (a typo in its name, or a stale file)", False)

    if stub.is_file():
        result = _grade_none_returning(exercise, stub, graded)
        _note_failures(result, NONE_CASE, failed_by)
        row(NONE_CASE, result, "0 points" if result.score == 0 else "scores points while returning None",
            result.score == 0)

    for check in exercise.checks:
        names = failed_by[check.name]
        if names:
            rows.append(Row(exercise.id, f"check: {check.name}", "-",
                            f"ok: fails for {len(names)} wrong submission(s): {', '.join(names)}", True))
        else:
            rows.append(Row(exercise.id, f"check: {check.name}", "-",
                            "FAIL: passes for every wrong submission; it cannot fail", False))
    return rows


def _solution_verdict(result, max_score: float) -> tuple[str, bool]:
    """Full marks, every check passed, and no hint: a hint on a right answer would mislead a student."""
    if not (result.score == result.max_score == max_score and all(test.status == "passed" for test in result.tests)):
        return "not full marks: " + _failing(result), False
    hinted = [test.name for test in result.tests if test.hint]
    if hinted:
        return f"full marks, but a hint on {', '.join(hinted)}", False
    return "full marks", True


def _stub_verdict(result) -> tuple[str, bool]:
    """0 points, each check saying "not implemented yet" (not a crash, not a comparison that happened to fail)."""
    if result.score:
        return "scores points without an implementation", False
    other = [test.name for test in result.tests if test.status != "failed" or "not implemented yet" not in test.output]
    if other:
        return f"0 points, but not 'not implemented yet' from {', '.join(other)}", False
    return "0 points", True


def _note_failures(result, case: str, failed_by: dict[str, list[str]]) -> None:
    for test in result.tests:
        if test.status != "passed" and test.name in failed_by:
            failed_by[test.name].append(case)


def _failing(result) -> str:
    return "; ".join(f"{test.name}: {test.output[:100]}" for test in result.tests if test.status != "passed")


def _grade_none_returning(exercise, stub: Path, graded):
    """The stub with every exercise function replaced by one that returns None: every check must fail."""
    overrides = "\n".join(f"\n\ndef {name}(*args, **kwargs):\n    return None" for name in exercise.functions)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-selftest-") as folder:
        path = Path(folder) / stub.name
        path.write_text(stub.read_text(encoding="utf-8") + "\n" + overrides + "\n", encoding="utf-8")
        return graded(path)
