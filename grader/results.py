"""What grading produces: one model, rendered many ways.

Field names follow Gradescope's results.json (`score`, `max_score`, `execution_time`, `tests`,
and per test `name`, `score`, `max_score`, `status`, `output`, `visibility`), so that export
is a rename, not a translation. Status is `passed`, `failed` (the submission is wrong, or
raised, hung or crashed), or `error` (the grader itself failed: never a zero in disguise).

An exercise's `status` tells staff broken from wrong at a glance (the gradebook stores it):
- `graded`: the checks ran and judged the submission (whatever the score);
- `missing`: there is no file for the exercise;
- `unreadable`: the file cannot be read as Python: a syntax error, not UTF-8, too large, a
  notebook nbformat refuses, a link;
- `timeout`: importing the file timed out, or every check that called it ended in a timeout;
- `crashed`: importing the file raised or killed the worker, or every check that called it
  ended with the worker dead or its reply malformed;
- `error`: the grader itself failed on some check (retried on the next batch run).

A submission's values (a counterexample's inputs, expected and actual) cross into JSON tagged,
so that nothing it returns can pass for an array: grader/json_values.py.

The exercise object (`grade exerciseN --format json`, the gradebook's `result` column, each
student's results.json) is versioned, because other tools and old gradebooks read it. Version 1:
- `schema_version` (1), `exercise`, `title`, `section`, `submission` (the file as shown to the
  student), `score`, `max_score` (sums of the checks'), `execution_time` (seconds), `sandbox` (what
  isolated the submission), `seed` (a practice seed, or a graded run's fingerprint), `status`
  (above), `problem` (why nothing ran, said once; '' when the checks ran), `time_budget` (seconds
  for the whole exercise, 0: none), `notes`, `tests`;
- each test: `name`, `score`, `max_score`, `status`, `output`, `visibility` (`visible`, `hidden`),
  `execution_time`, and only when they say something: `hint`, `counterexample` (`kind`, `call`,
  `inputs`, `expected`, `actual`, `differences`), `stdout` (the submission's prints), `failure`
  (why the worker gave no answer), `mistakes` (ids of the known mistakes matched), `layers`.
`grade all` prints a summary: `schema_version`, `score`, `max_score`, `execution_time`, the
exercises' objects in `exercises`, and every test in `tests`, its name prefixed with its exercise.
A batch's results.json is that summary (or one exercise's object) plus `final_score` and `marks`
(grader/staff/marks.py). Gradescope's results.json (render.gradescope) is Gradescope's format
and carries no version.
Version 0 is the same object written before versions existed, without `schema_version` and maybe
without the fields added since (`execution_time`, `sandbox`, `seed`, `notes`, `status`, `problem`,
`time_budget`). `upgrade` is the one place that reads an older version; every reader goes through
it (`ExerciseResult.from_dict`, `from_json`, `Report.from_dict`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from grader.errors import GraderError
from grader.json_values import from_jsonable, jsonable

SCHEMA_VERSION = 1  # of the exercise object: see above; a change adds a step to `upgrade`
PASSED, FAILED, ERROR = "passed", "failed", "error"
GRADED, MISSING, UNREADABLE, TIMEOUT, CRASHED = "graded", "missing", "unreadable", "timeout", "crashed"


@dataclass
class Counterexample:
    """The smallest input found that breaks the submission, and what came back."""

    call: str
    inputs: dict[str, object]
    expected: object = None
    actual: object = None
    differences: str = ""
    kind: str = "smallest failing input"

    def to_dict(self) -> dict:
        """Large arrays are summarized around the first position where actual and expected differ."""
        from grader.compare import first_difference

        around = first_difference(self.expected, self.actual)
        return {
            "kind": self.kind,
            "call": self.call,
            "inputs": {str(name): jsonable(value) for name, value in self.inputs.items()},
            "expected": jsonable(self.expected, around=around),
            "actual": jsonable(self.actual, around=around),
            "differences": self.differences,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Counterexample:
        inputs = data.get("inputs")
        return cls(call=str(data.get("call", "")),
                   inputs={str(name): from_jsonable(value) for name, value in inputs.items()}
                   if isinstance(inputs, dict) else {},
                   expected=from_jsonable(data.get("expected")), actual=from_jsonable(data.get("actual")),
                   differences=data.get("differences", ""), kind=data.get("kind", "smallest failing input"))


@dataclass
class CheckResult:
    name: str
    max_score: float
    score: float = 0.0
    status: str = PASSED
    output: str = ""
    hint: str = ""
    counterexample: Counterexample | None = None
    visibility: str = "visible"
    stdout: str = ""
    execution_time: float = 0.0
    failure: str = ""  # why the worker gave no answer: timeout, crash, malformed, too_large, budget
    mistakes: list[str] = field(default_factory=list)  # ids of the known mistakes the failure matched
    layers: dict | None = None  # a model's expected and actual layers, row by row (grader.models)

    def to_dict(self) -> dict:
        data = {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "output": self.output,
            "visibility": self.visibility,
            "execution_time": round(self.execution_time, 4),
        }
        if self.hint:
            data["hint"] = self.hint
        if self.counterexample is not None:
            data["counterexample"] = self.counterexample.to_dict()
        if self.stdout:
            data["stdout"] = self.stdout
        if self.failure:
            data["failure"] = self.failure
        if self.mistakes:
            data["mistakes"] = list(self.mistakes)
        if self.layers:
            data["layers"] = self.layers
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        counterexample = data.get("counterexample")
        return cls(name=data["name"], max_score=data["max_score"], score=data["score"], status=data["status"],
                   output=data.get("output", ""), hint=data.get("hint", ""),
                   counterexample=Counterexample.from_dict(counterexample) if counterexample else None,
                   visibility=data.get("visibility", "visible"), stdout=data.get("stdout", ""),
                   execution_time=data.get("execution_time", 0.0), failure=data.get("failure", ""),
                   mistakes=list(data.get("mistakes", [])), layers=data.get("layers"))


@dataclass
class ExerciseResult:
    exercise: str
    title: str
    section: str
    submission: str
    tests: list[CheckResult] = field(default_factory=list)
    execution_time: float = 0.0
    sandbox: str = ""
    seed: int | str = 0  # a practice seed, or a graded run's fingerprint ("secret 3f9a..."): grader/seeds.py
    notes: list[str] = field(default_factory=list)
    status: str = GRADED
    problem: str = ""  # why nothing ran (missing, unreadable, failed on import): said once, not per check
    time_budget: float = 0.0  # seconds the exercise may take in all (0: none)

    @property
    def score(self) -> float:
        return round(sum(test.score for test in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(test.max_score for test in self.tests), 6)

    @property
    def has_errors(self) -> bool:
        return any(test.status == ERROR for test in self.tests)

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "exercise": self.exercise,
            "title": self.title,
            "section": self.section,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "sandbox": self.sandbox,
            "seed": self.seed,
            "status": self.status,
            "problem": self.problem,
            "time_budget": self.time_budget,
            "notes": list(self.notes),
            "tests": [test.to_dict() for test in self.tests],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        """Inverse of to_dict (arrays come back as arrays), from an object of any version."""
        data = upgrade(data)
        fields = ("exercise", "title", "section", "submission", "execution_time", "sandbox", "seed", "notes",
                  "status", "problem", "time_budget")
        return cls(**{name: data[name] for name in fields},
                   tests=[CheckResult.from_dict(test) for test in data["tests"]])

    @classmethod
    def from_json(cls, text: str) -> ExerciseResult:
        """The result a gradebook row or a `--format json` file holds."""
        return cls.from_dict(json.loads(text))


@dataclass
class Report:
    """One or more exercises graded in one run: what every renderer receives."""

    exercises: list[ExerciseResult]

    @property
    def score(self) -> float:
        return round(sum(result.score for result in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return round(sum(result.max_score for result in self.exercises), 6)

    @property
    def execution_time(self) -> float:
        return sum(result.execution_time for result in self.exercises)

    @property
    def has_errors(self) -> bool:
        return any(result.has_errors for result in self.exercises)

    @property
    def gradable(self) -> bool:
        """Was some exercise's file found and readable? (With none, the CLI exits 2.)"""
        return any(result.status not in (MISSING, UNREADABLE) for result in self.exercises)

    def to_dict(self) -> dict:
        """The `--format json` object: one exercise's object, or a summary with all of them."""
        if len(self.exercises) == 1:
            return self.exercises[0].to_dict()
        exercises = [result.to_dict() for result in self.exercises]
        return {
            "schema_version": SCHEMA_VERSION,
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "exercises": exercises,
            "tests": [{**test, "name": f"{result['exercise']}: {test['name']}"}
                      for result in exercises for test in result["tests"]],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """Inverse of to_dict: one exercise's object, or `grade all`'s summary of several."""
        if "exercises" not in data:
            return cls([ExerciseResult.from_dict(data)])
        upgrade(data)  # the summary's own version: refused when newer
        return cls([ExerciseResult.from_dict(item) for item in data["exercises"]])


class ResultsVersionError(GraderError):
    """A result written by a newer grader: its fields may mean what this one does not know."""


_ADDED_SINCE_0 = {"execution_time": 0.0, "sandbox": "", "seed": 0, "notes": [], "status": GRADED, "problem": "",
                  "time_budget": 0.0}


def upgrade(data: dict) -> dict:
    """`data`, an exercise's object (or a summary) of any version, at SCHEMA_VERSION; the one place
    that knows the older versions. Version 0 (no `schema_version`) gets the fields added since,
    each with the value that says nothing happened (status `graded`: the statuses came later)."""
    found = data.get("schema_version", 0)
    if not isinstance(found, int) or isinstance(found, bool) or not 0 <= found <= SCHEMA_VERSION:
        raise ResultsVersionError(f"a result of schema_version {found!r}, which this grader (version "
                                  f"{SCHEMA_VERSION}) cannot read: upgrade cnn-grader")
    if found == 0:
        data = {**_ADDED_SINCE_0, **data, "schema_version": 1}
    return data
