"""An exercise is data: its functions, checks, known mistakes and lecture examples.

Each exercise is declared once, in `grader/catalog/<module>.py`, as `EXERCISE = Exercise(...)`
with what it imports from grader.authoring; the CLI, the reports, the notebooks and `grade list`
all read that one declaration.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from grader.catalog import NUMPY_ONLY
from grader.compare import as_array, compare_values
from grader.errors import DeclarationError
from grader.time_budget import budget_seconds


@dataclass(frozen=True)
class Probe:
    """A mistake told apart by behaviour, however it fails: the student's function, called again
    on `transform(inputs)` (None: the probe does not apply), answers `expected(**transformed)`
    (an answer-key function, recorded per case for the kit) or, without one, the failing
    input's own expected answer. "x is not padded": pad x yourself and pass padding=0, and the
    answer comes out right."""

    transform: Callable[[dict], dict | None]
    expected: Callable | None = None

    def passes(self, function: str, inputs: dict, expected, session) -> bool:
        from grader.checks import Falsified, Stop

        changed = self.transform(dict(inputs))
        if changed is None or session is None:
            return False
        want = self.expected(**changed) if self.expected is not None else expected
        try:
            got = session.call(function, changed, expected=want)
        except (Falsified, Stop):
            return False
        want, got = as_array(want), as_array(got)
        return want is not None and got is not None and want.shape == got.shape and compare_values(want, got) is None


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer and the hint that names it.

    `reproduce(*inputs)` computes what the mistake returns (an answer-key function: the kit has
    its answers for the cases it runs, never the function); it is matched when the
    submission's output equals it. Where a mistake shows as an exception, a shape or a dtype
    rather than values, `detect(inputs, expected, outcome)` decides instead: a function of
    behaviour only, never of an error's wording. A `probe` asks the worker again (Probe). `id`
    names the file `tests/submissions/<exercise>/<id>.py` that makes this mistake and must get
    this hint, at any seed.
    """

    id: str
    function: str
    hint: str
    reproduce: Callable | None = None
    detect: Callable | None = None
    probe: Probe | None = None

    def matches(self, inputs: dict, expected, outcome, session=None) -> bool:
        try:
            if self.probe is not None:
                return self.probe.passes(self.function, inputs, expected, session)
            if self.detect is not None:
                return bool(self.detect(inputs, expected, outcome))
            if self.reproduce is None or not outcome.ok:
                return False
            wrong = as_array(self.reproduce(*inputs.values()))
            actual = as_array(outcome.value)
        except Exception:  # a mistake that does not apply to this input does not match
            return False
        if wrong is None or actual is None or wrong.shape != actual.shape:
            return False
        return compare_values(wrong, actual) is None and not _same(wrong, expected)


def _same(wrong: np.ndarray, expected) -> bool:
    expected = as_array(expected)
    return expected is not None and expected.shape == wrong.shape and compare_values(expected, wrong) is None


@dataclass(frozen=True)
class Example:
    """A worked example from the lecture: inputs, the right answer, and what to say about it."""

    name: str
    inputs: dict
    expected: object
    note: str = ""


@dataclass(frozen=True)
class Exercise:
    id: str
    module: str
    title: str
    section: str
    functions: tuple[str, ...]
    checks: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    forbidden_imports: tuple[str, ...] = NUMPY_ONLY
    summary: str = ""
    call_timeout: float = 2.0
    limits: dict = field(default_factory=dict)
    start_timeout: float = 10.0  # booting the worker and importing the file (torch takes seconds)
    time_budget: float | None = None  # wall-clock seconds for all the checks; None: grader.time_budget.BUDGET_CALLS call timeouts

    @property
    def budget(self) -> float:
        """Seconds the checks may take in all, after which the rest fail with "time budget used up".

        The default, 10 call timeouts (20 s for NumPy, 50 s for the models), is 10-40 times what
        the solution's checks take on a two-core machine (2 s and 5 s with the machine loaded
        six times over, 0.5 s and 2-3 s without).
        """
        return budget_seconds(self.time_budget, self.call_timeout)

    points: float | None = None  # the visible checks' total, as the README and `grade list` state it
    hidden_points: float = 0  # the hidden checks' total (checked only when `points` is given)

    def __post_init__(self) -> None:
        """An instructor's typo is a one-line DeclarationError here, at import, not a failing test later."""
        for problem in _problems(self):
            raise DeclarationError(f"{self.module.partition('_')[0]}: {problem}")

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def topic(self) -> str:
        """'convolution' for exercise1_convolution: the alias the CLI accepts."""
        return self.module.partition("_")[2]

    def with_hidden(self, checks: tuple) -> Exercise:
        """This exercise and the hidden checks its answer key adds (grading in the course, never the kit)."""
        exercise = replace(self, checks=self.checks + tuple(checks))
        hidden = sum(check.points for check in exercise.checks if check.hidden)
        if exercise.points is not None and hidden != exercise.hidden_points:
            raise DeclarationError(f"{self.id}: the answer key's hidden checks add up to {hidden:g} points, but "
                                   f"hidden_points={exercise.hidden_points:g} is declared")
        return exercise

    def mistake(self, mistake_id: str) -> Mistake:
        for mistake in self.mistakes:
            if mistake.id == mistake_id:
                return mistake
        raise KeyError(f"{self.id} declares no mistake {mistake_id!r}")


def _problems(exercise: Exercise):
    """What is wrong with a declaration, most basic first (the first one is reported)."""
    if exercise.id != exercise.module.partition("_")[0]:
        yield f"id {exercise.id!r} does not match its module {exercise.module!r} (expected {exercise.module.partition('_')[0]!r})"
    if not exercise.functions:
        yield "declares no functions: list the names the student writes in `functions`"
    for name, count in Counter(exercise.functions).items():
        if count > 1:
            yield f"function {name} is listed {count} times in `functions`"
    if not exercise.checks:
        yield "declares no checks"
    for name, count in Counter(check.name for check in exercise.checks).items():
        if count > 1:
            yield f"{count} checks are named {name!r}: a check's name is its identity in every report, make each unique"
    for check in exercise.checks:
        if not check.points > 0:
            yield f"check {check.name!r} is worth {check.points!r} points; every check must be worth more than 0"
        for function in check.functions:
            if function not in exercise.functions:
                yield f"check {check.name!r} {_unknown(function, exercise)}"
    for mistake in exercise.mistakes:
        if mistake.function not in exercise.functions:
            yield f"mistake {mistake.id!r} {_unknown(mistake.function, exercise)}"
        if sum(way is not None for way in (mistake.reproduce, mistake.detect, mistake.probe)) != 1:
            yield (f"mistake {mistake.id!r} needs exactly one of reproduce= (what the mistake returns), detect= "
                   "or probe=")
    visible = [check for check in exercise.checks if not check.hidden]
    if exercise.checks and not visible:
        yield "every check is hidden: students would see no check before grading"
    for function in exercise.functions:
        if any(function in check.functions for check in exercise.checks) and \
                not any(function in check.functions for check in visible):
            yield f"{function} has only hidden checks: a student must be able to see at least one check of it"
    if exercise.points is not None:
        visible_total = sum(check.points for check in visible)
        hidden_total = sum(check.points for check in exercise.checks if check.hidden)
        if visible_total != exercise.points:
            yield f"the visible checks add up to {visible_total:g} points, but points={exercise.points:g} is declared"
        if hidden_total and hidden_total != exercise.hidden_points:
            yield f"the hidden checks add up to {hidden_total:g} points, but hidden_points={exercise.hidden_points:g} is declared"


def _unknown(function: str, exercise: Exercise) -> str:
    close = difflib.get_close_matches(function, exercise.functions, n=1)
    suggestion = f"; did you mean {close[0]}?" if close else f" (it defines {', '.join(exercise.functions)})"
    return f"names {function}, which {exercise.id} does not define{suggestion}"
