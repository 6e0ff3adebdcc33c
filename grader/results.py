"""What grading produces: one model, rendered many ways.

Field names follow Gradescope's results.json (`score`, `max_score`, `execution_time`, `tests`,
and per test `name`, `score`, `max_score`, `status`, `output`, `visibility`), so that export
is a rename, not a translation. Status is `passed`, `failed` (the submission is wrong, or
raised, hung or crashed), or `error` (the grader itself failed: never a zero in disguise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PASSED, FAILED, ERROR = "passed", "failed", "error"


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
        return {
            "kind": self.kind,
            "call": self.call,
            "inputs": {name: jsonable(value) for name, value in self.inputs.items()},
            "expected": jsonable(self.expected),
            "actual": jsonable(self.actual),
            "differences": self.differences,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Counterexample:
        return cls(call=data["call"], inputs={name: from_jsonable(value) for name, value in data["inputs"].items()},
                   expected=from_jsonable(data["expected"]), actual=from_jsonable(data["actual"]),
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
                   execution_time=data.get("execution_time", 0.0), mistakes=list(data.get("mistakes", [])),
                   layers=data.get("layers"))


@dataclass
class ExerciseResult:
    exercise: str
    title: str
    section: str
    submission: str
    tests: list[CheckResult] = field(default_factory=list)
    execution_time: float = 0.0
    sandbox: str = ""
    seed: int = 0
    notes: list[str] = field(default_factory=list)

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
            "exercise": self.exercise,
            "title": self.title,
            "section": self.section,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "sandbox": self.sandbox,
            "seed": self.seed,
            "notes": list(self.notes),
            "tests": [test.to_dict() for test in self.tests],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        """Inverse of to_dict (arrays come back as arrays), for reports built from a gradebook."""
        fields = ("exercise", "title", "section", "submission", "execution_time", "sandbox", "seed", "notes")
        return cls(**{name: data[name] for name in fields}, tests=[CheckResult.from_dict(test) for test in data["tests"]])


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

    def to_dict(self) -> dict:
        """The `--format json` object: one exercise's object, or a summary with all of them."""
        if len(self.exercises) == 1:
            return self.exercises[0].to_dict()
        exercises = [result.to_dict() for result in self.exercises]
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "exercises": exercises,
            "tests": [{**test, "name": f"{result['exercise']}: {test['name']}"}
                      for result in exercises for test in result["tests"]],
        }


def from_jsonable(value) -> object:
    """Inverse of jsonable: {dtype, shape, values} becomes an array again."""
    import numpy as np

    if isinstance(value, dict) and set(value) == {"dtype", "shape", "values"}:
        return np.asarray(value["values"], dtype=value["dtype"]).reshape(value["shape"])
    if isinstance(value, list):
        return [from_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: from_jsonable(item) for key, item in value.items()}
    return value


def jsonable(value) -> object:
    """Arrays as {dtype, shape, values}; everything else as plain JSON data.

    NaN and infinities become the strings "nan", "inf", "-inf": strict JSON has no such
    numbers, and NumPy reads the strings back.
    """
    import numpy as np

    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "shape": list(value.shape), "values": _finite(value.tolist())}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return _finite(value)
    return repr(value)


def _finite(value):
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
