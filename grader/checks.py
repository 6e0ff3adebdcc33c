"""Checks: hypothesis draws inputs here, the worker runs the submission, the reference judges here.

A check never crashes: it ends in a `CheckResult`. When a property fails, hypothesis shrinks
the input to the smallest one that still fails, and the exercise's known mistakes are tried
on it to name the error. Outcomes that make shrinking pointless (not implemented, a hang, a
crash) stop the check at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky

from grader.compare import Mismatch, compare_arrays, describe_value
from grader.exercise import Example
from grader.results import ERROR, FAILED, PASSED, CheckResult, Counterexample


class Falsified(Exception):
    """The property does not hold on `inputs`: hypothesis shrinks these."""

    def __init__(self, message: str, *, function: str, inputs: dict, expected=None, outcome=None,
                 differences: str = "", note: str = ""):
        super().__init__(message)
        self.message = message
        self.function = function
        self.inputs = inputs
        self.expected = expected
        self.outcome = outcome
        self.differences = differences
        self.note = note
        self.kind = "smallest failing input"
        self.first: Falsified | None = None  # the first failure found, before shrinking
        self.layers: dict | None = None  # a model's layers, expected and actual, for the HTML report


class _Stop(BaseException):
    """Ends a hypothesis run at once (hypothesis lets BaseException through, unshrunk)."""

    def __init__(self, falsified: Falsified):
        super().__init__(falsified.message)
        self.falsified = falsified


@dataclass
class Session:
    """What a check may use: the worker, the seed, the names the submission defines."""

    worker: object
    exercise: object
    seed: int = 0
    defined: frozenset = frozenset()
    device: str = "cpu"
    last_outcome: object = None
    cache: dict = field(default_factory=dict)  # what checks share within one grading run (built models)

    def call(self, function: str, inputs: dict, *, timeout: float | None = None):
        """The submission's `function(*inputs.values())`, or Falsified / _Stop on failure."""
        outcome = self.last_outcome = self.worker.call(function, *inputs.values(), timeout=timeout)
        return self._value(function, inputs, outcome)

    def request(self, op: str, args: dict, *, function: str, inputs: dict, timeout: float | None = None):
        """A worker op about `function` (`torch.forward` on a LeNet5, say), failing like `call`."""
        outcome = self.last_outcome = self.worker.request(op, args, timeout=timeout)
        return self._value(function, inputs, outcome)

    def _value(self, function: str, inputs: dict, outcome):
        if outcome.ok:
            return outcome.value
        falsified = Falsified(_failure_message(function, outcome, self.worker.limits), function=function,
                              inputs=inputs, outcome=outcome)
        if outcome.failure or outcome.not_implemented:
            raise _Stop(falsified)
        raise falsified


def _truncate(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n... ({len(text) - limit} more characters)"


def _failure_message(function: str, outcome, limits: dict) -> str:
    if outcome.not_implemented:
        detail = outcome.error.get("message") or ""
        return f"{function} is not implemented yet" + (f": {detail}" if detail else "")
    if outcome.failure == "timeout":
        return f"{function} {outcome.error['message']}: an endless loop, or far too slow"
    if outcome.failure == "crash":
        return f"{function} stopped the worker: {outcome.error['message']}"
    if outcome.error and outcome.error.get("type") == "BlockingIOError":
        return f"{function} hit the process limit ({limits['processes']} processes and threads): {outcome.describe_error()}"
    if outcome.error and outcome.error.get("type") == "MemoryError":
        return f"{function} ran out of memory (the limit is {limits['memory_mb']} MB): {outcome.describe_error()}"
    return f"{function} raised {outcome.describe_error()}"


@dataclass(frozen=True, kw_only=True)
class Check:
    name: str
    points: float
    description: str
    functions: tuple[str, ...]
    hint: str = ""
    hidden: bool = False

    def run(self, session: Session) -> CheckResult:
        started, printed_before = time.perf_counter(), len(session.worker.stdout)
        missing = [name for name in self.functions if name not in session.defined]
        if missing:
            result = self._result(FAILED, f"{', '.join(missing)} is not defined in your file")
        else:
            try:
                falsified = self.falsify(session)
            except Exception as error:  # the grader's own fault: say so, never a silent zero
                result = self._result(ERROR, f"internal grader error in this check: {type(error).__name__}: {error}")
            else:
                result = self._result(PASSED, "") if falsified is None else self._failed(falsified, session)
        result.execution_time = time.perf_counter() - started
        result.stdout = _truncate("".join(session.worker.stdout[printed_before:]))
        return result

    def falsify(self, session: Session) -> Falsified | None:
        """The input on which the submission fails this check, or None."""
        raise NotImplementedError

    def _result(self, status: str, output: str) -> CheckResult:
        return CheckResult(
            name=self.name, max_score=self.points, score=self.points if status == PASSED else 0.0,
            status=status, output=output, visibility="hidden" if self.hidden else "visible",
        )

    def _failed(self, falsified: Falsified, session: Session) -> CheckResult:
        result = self._result(FAILED, falsified.message)
        outcome = falsified.outcome
        if outcome is not None and outcome.not_implemented:
            return result
        actual = outcome.value if outcome is not None and outcome.ok else None
        result.counterexample = Counterexample(
            call=f"{falsified.function}({', '.join(falsified.inputs)})",
            inputs=falsified.inputs, expected=falsified.expected, actual=actual,
            differences=falsified.differences, kind=falsified.kind,
        )
        found = _matching_mistakes(falsified, session.exercise.mistakes)
        result.mistakes = [mistake.id for mistake in found]
        result.layers = falsified.layers
        hints = _mistake_hints(found)
        if not hints and self.hint and not (outcome is not None and outcome.failure):
            hints = [self.hint]
        if falsified.note:
            hints.append(falsified.note)
        result.hint = "\n".join(hints)
        return result


def _matching_mistakes(falsified: Falsified, mistakes) -> list:
    """The known mistakes that explain this failure.

    The smallest input can fit several mistakes (a 1x2 output is both transposed and
    channels-last); the first failure found, before shrinking, usually tells them apart.
    """
    def matching(case: Falsified, candidates) -> list:
        return [m for m in candidates
                if m.function == case.function and m.matches(case.inputs, case.expected, case.outcome)]

    found = matching(falsified, mistakes)
    first = falsified.first
    if len(found) > 1 and first is not None and first is not falsified:
        found = matching(first, found) or found
    return found


def _mistake_hints(found: list) -> list[str]:
    hints = list(dict.fromkeys(mistake.hint for mistake in found))
    if len(hints) > 1:
        hints = ["This fits more than one known mistake:"] + [f"- {hint}" for hint in hints]
    return hints


@dataclass(frozen=True, kw_only=True)
class PropertyCheck(Check):
    """A property over hypothesis-drawn inputs; `prop(session, inputs)` raises Falsified.

    Shrinking stops after `shrink_calls` more calls once a failure is found, with the
    smallest failing input so far: a count, not a time, so the result stays deterministic.
    """

    inputs: object
    prop: Callable
    max_examples: int = 30
    shrink_calls: int = 100

    def falsify(self, session: Session) -> Falsified | None:
        failures: list[Falsified] = []
        calls_since_failure = [0]

        @hypothesis_seed(session.seed)
        @settings(max_examples=self.max_examples, database=None, deadline=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                  report_multiple_bugs=False, print_blob=False,
                  phases=(Phase.explicit, Phase.generate, Phase.shrink))  # no "explain": hundreds of calls
        @given(self.inputs)
        def run(inputs):
            if failures:
                calls_since_failure[0] += 1
                if calls_since_failure[0] > self.shrink_calls:
                    raise _Stop(failures[-1])
            try:
                self.prop(session, inputs)
            except Falsified as falsified:
                failures.append(falsified)
                raise

        try:
            run()
        except _Stop as stop:
            stop.falsified.first = failures[0] if failures else None
            return stop.falsified
        except Falsified as falsified:
            falsified.first = failures[0]
            return falsified
        except Flaky:
            if not failures:
                raise
            falsified = failures[0]
            falsified.message += " (but not every time: does your code use randomness or global state?)"
            return falsified
        return None


@dataclass(frozen=True, kw_only=True)
class ExampleCheck(Check):
    """Fixed inputs with known answers: the lecture's worked examples."""

    examples: tuple[Example, ...]
    function: str
    rtol: float = 1e-5
    atol: float = 1e-6
    compare: Callable | None = None  # (expected, actual) -> Mismatch | None; arrays by default

    def falsify(self, session: Session) -> Falsified | None:
        for example in self.examples:
            try:
                actual = session.call(self.function, example.inputs)
                if self.compare is not None:
                    mismatch = self.compare(example.expected, actual)
                else:
                    mismatch = compare_arrays(example.expected, actual, rtol=self.rtol, atol=self.atol)
                if mismatch is not None:
                    raise _falsified(self.function, example.inputs, example.expected, session, mismatch,
                                     prefix=f"{example.name}: ")
            except (_Stop, Falsified) as failure:
                falsified = failure.falsified if isinstance(failure, _Stop) else failure
                falsified.note, falsified.kind = example.note, f"the lecture's example ({example.name})"
                return falsified
        return None


def _falsified(function: str, inputs: dict, expected, session: Session, mismatch: Mismatch, *,
               prefix: str = "") -> Falsified:
    return Falsified(f"{prefix}{function} {mismatch.message}", function=function, inputs=inputs,
                     expected=expected, outcome=session.last_outcome, differences=mismatch.differences)


def matches_reference(function: str, reference: Callable, inputs, *, points: float, name: str,
                      description: str, hint: str = "", rtol: float = 1e-5, atol: float = 1e-6,
                      require_float: bool = True, explain: Callable | None = None,
                      max_examples: int = 30, hidden: bool = False) -> PropertyCheck:
    """`function(*inputs)` equals `reference(*inputs)` on every drawn input.

    `explain(inputs)` adds the rule a wrong shape breaks, e.g. "for H=5, KH=2: H' = H - KH + 1".
    """

    def prop(session: Session, drawn: dict) -> None:
        expected = reference(*drawn.values())
        actual = session.call(function, drawn)
        mismatch = compare_arrays(expected, actual, rtol=rtol, atol=atol, require_float=require_float)
        if mismatch is not None:
            if explain is not None and "shape" in mismatch.message:
                mismatch = Mismatch(f"{mismatch.message} {explain(drawn)}", mismatch.differences)
            raise _falsified(function, drawn, expected, session, mismatch)

    return PropertyCheck(name=name, points=points, description=description, functions=(function,),
                         hint=hint, hidden=hidden, inputs=inputs, prop=prop, max_examples=max_examples)


def same_shape_as_reference(function: str, reference: Callable, inputs, *, points: float, name: str,
                            description: str, hint: str = "", explain: Callable | None = None,
                            max_examples: int = 30) -> PropertyCheck:
    """Only the shape of `function(*inputs)` is judged (values have checks of their own)."""

    def prop(session: Session, drawn: dict) -> None:
        expected = reference(*drawn.values())
        actual = session.call(function, drawn)
        shape = getattr(actual, "shape", None)
        if shape != expected.shape:
            got = f"shape {shape}" if shape is not None else describe_value(actual)
            message = f"returned {got}, expected shape {expected.shape}"
            if explain is not None:
                message += f" {explain(drawn)}"
            raise _falsified(function, drawn, expected, session, Mismatch(message))

    return PropertyCheck(name=name, points=points, description=description, functions=(function,),
                         hint=hint, inputs=inputs, prop=prop, max_examples=max_examples)


def lecture_examples(function: str, examples: list[Example], *, points: float, name: str,
                     description: str, hint: str = "", compare: Callable | None = None) -> ExampleCheck:
    """The lecture's worked examples; `compare(expected, actual)` for answers that are not arrays."""
    if compare is None:
        examples = [replace(example, expected=np.asarray(example.expected, dtype=np.float64)) for example in examples]
    return ExampleCheck(name=name, points=points, description=description, functions=(function,),
                        hint=hint, examples=tuple(examples), function=function, compare=compare)

