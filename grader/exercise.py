"""An exercise is data: its functions, checks, known mistakes and lecture examples.

Each exercise is declared once, in `grader/catalog/<module>.py`, as `EXERCISE = Exercise(...)`;
the CLI, the reports, the notebooks and `grade list` all read that one declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from grader.compare import as_array, compare_values

# Modules a NumPy exercise may not import: the point is to write the kernel yourself.
NUMPY_ONLY = ("torch", "scipy", "tensorflow", "keras", "jax", "cv2", "skimage", "sklearn", "PIL")
BUDGET_CALLS = 10  # an exercise's default time budget, in call timeouts


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer and the hint that names it.

    `reproduce(*inputs)` computes what the mistake returns; it is matched when the
    submission's output equals it. Where a mistake shows as an exception or a shape rather
    than values, `detect(inputs, expected, outcome)` decides instead. `id` names the file
    `tests/submissions/<exercise>/<id>.py` that makes this mistake and must get this hint.
    """

    id: str
    function: str
    hint: str
    reproduce: Callable | None = None
    detect: Callable | None = None

    def matches(self, inputs: dict, expected, outcome) -> bool:
        try:
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
    time_budget: float | None = None  # wall-clock seconds for all the checks; None: BUDGET_CALLS calls' timeouts

    @property
    def budget(self) -> float:
        """Seconds the checks may take in all, after which the rest fail with "time budget used up".

        The default, 10 call timeouts (20 s for NumPy, 50 s for the models), is 10-40 times what
        the solution's checks take on a two-core machine (2 s and 5 s with the machine loaded
        six times over, 0.5 s and 2-3 s without).
        """
        return self.time_budget if self.time_budget is not None else BUDGET_CALLS * self.call_timeout

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def topic(self) -> str:
        """'convolution' for exercise1_convolution: the alias the CLI accepts."""
        return self.module.partition("_")[2]

    def mistake(self, mistake_id: str) -> Mistake:
        for mistake in self.mistakes:
            if mistake.id == mistake_id:
                return mistake
        raise KeyError(f"{self.id} declares no mistake {mistake_id!r}")
