"""Checks: hypothesis draws inputs here, the worker runs the submission, the reference judges here.

A check never crashes: it ends in a `CheckResult`. A property check first tries its fixed
examples (the inputs that expose each named mistake, whatever the seed), then lets hypothesis
draw; when a drawn input fails, hypothesis shrinks it to the smallest one that still fails.
The exercise's known mistakes are tried on the failing input to name the error. Outcomes that
make shrinking pointless (not implemented, a hang, a crash) stop the check at once. Where a
property makes one call known before it is made (`OneCall`: what `matches_reference` checks), the
next case's call is sent before this one's answer is judged, so that the worker computes while
the grader judges; a call sent so whose turn never comes is answered and its answer dropped.

In the student kit there is no reference to draw against: a property check runs the cases the
release recorded for it (`Session.bank`, grader.bank), simplest first, and stops at the first
that fails.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

import numpy as np

from grader.bank import Bank, NotInBank, simplest_first
from grader.compare import Mismatch, as_array, compare_arrays, describe_value
from grader.deferred import built
from grader.draws import drawn, hypothesis_settings
from grader.exercise import Example, Exercise
from grader.results import ERROR, FAILED, PASSED, CheckResult, Counterexample
from grader.worker.wire import Outcome, Sent

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

log = logging.getLogger(__name__)
T = TypeVar("T")

# A reply may be this many times the size of the expected output (an array of the wrong
# dtype or a few times too large still gets its verdict) but never less than the floor; a
# call whose expected output the check does not give may reply up to the default.
REPLY_SIZE_FACTOR = 16
MIN_REPLY_BYTES = 256 * 2**10
DEFAULT_REPLY_BYTES = 16 * 2**20


def reply_limit(expected=None) -> int:
    """The most bytes a worker's reply to a call expected to return `expected` may take."""
    array = as_array(expected) if expected is not None else None
    if array is None:
        return DEFAULT_REPLY_BYTES
    return max(MIN_REPLY_BYTES, REPLY_SIZE_FACTOR * array.size * max(array.itemsize, 8))


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


class Stop(BaseException):
    """Ends a hypothesis run at once (hypothesis lets BaseException through, unshrunk)."""

    def __init__(self, falsified: Falsified):
        super().__init__(falsified.message)
        self.falsified = falsified


class SessionWorker(Protocol):
    """What a check asks of a worker: a sandboxed WorkerProcess, or the in-process one that records a bank."""

    call_timeout: float
    limits: dict
    stdout: list[str]

    def send(self, op: str, args: object, *, timeout: float | None = None, ahead: bool = False) -> Sent | None: ...

    def receive(self, sent: Sent, *, timeout: float | None = None, max_reply_bytes: int | None = None,
                keep_output: bool = True) -> Outcome: ...


@dataclass
class _Ahead:
    """The next case's call, planned (and sent, unless `sent` is None) before its turn."""

    case: object
    function: str
    inputs: dict
    expected: object
    sent: Sent | None


@dataclass
class Session:
    """What a check may use: the worker, the seed, the names the submission defines.

    `deadline` (time.monotonic()) is when the exercise's time budget runs out: a call after
    it, or one it cuts short, fails with "time budget used up". `bank` is the student kit's
    recorded answers and cases (grader.bank.Bank), None where the course's answer key runs.
    `upcoming`, set by a check running its cases in turn, sends the next case's call once this
    one's is sent (OneCall.send_ahead), and then does what `meanwhile` was given.
    """

    worker: SessionWorker
    exercise: Exercise
    seed: int = 0
    defined: frozenset = frozenset()
    device: str = "cpu"
    last_outcome: Outcome | None = None
    cache: dict = field(default_factory=dict)  # what checks share within one grading run (built models)
    deadline: float | None = None
    bank: Bank | None = None  # the student kit's grader.bank.Bank for this exercise; None in the course
    upcoming: Callable[[], None] | None = None  # plans the next case's call, sent once this one is (OneCall)
    _ahead: _Ahead | None = field(default=None, repr=False)

    def call(self, function: str, inputs: dict, *, timeout: float | None = None, expected=None):
        """The submission's `function(*inputs.values())`, or Falsified / Stop on failure.

        With `expected` (the reference's answer), a reply far larger than it is refused unread, and
        a failed call carries it: a mistake's detector or probe knows the answer even where the
        submission raised.
        """
        def send(limit: float) -> Sent | None:
            sent = self._take_ahead(limit, function, inputs)
            return sent or self.worker.send("call", _call_args(function, inputs), timeout=limit)

        outcome = self.last_outcome = self._ask(send, timeout, reply_limit(expected))
        return self._value(function, inputs, outcome, expected)

    def request(self, op: str, args: Mapping[str, object], *, function: str, inputs: dict, timeout: float | None = None,
                max_reply_bytes: int | None = None):
        """A worker op about `function` (`torch.forward` on a LeNet5, say), failing like `call`."""
        def send(limit: float) -> Sent | None:
            self._take_ahead(limit)
            return self.worker.send(op, args, timeout=limit)

        outcome = self.last_outcome = self._ask(send, timeout, max_reply_bytes)
        return self._value(function, inputs, outcome)

    def meanwhile(self, compute: Callable[[], T]) -> Callable[[], T]:
        """`compute()` begun once the next call or request is sent (after the call planned ahead, if any),
        while the worker computes: the grader's own part of a check (weights to draw, a replay) done early.
        Returns what gives its value: the one computed early or, where that failed or never began,
        `compute()` called then, where a failure is told as it always was."""
        planned, done = self.upcoming, []

        def both() -> None:
            if planned is not None:
                planned()
            try:
                done.append(compute())
            except Exception as error:  # noqa: BLE001 - only a head start: computed again when asked for
                log.debug("not computed ahead: %r", error)

        self.upcoming = both
        return lambda: done[0] if done else compute()

    def planned(self, function: str, case) -> tuple[dict, object] | None:
        """(inputs, expected) of `case`'s call of `function` where it was planned ahead of its turn."""
        ahead = self._ahead
        return (ahead.inputs, ahead.expected) if ahead and ahead.function == function and ahead.case is case else None

    def send_ahead(self, case, function: str, inputs: dict, expected) -> None:
        """Send `case`'s call behind the one the worker is on, for the `call` with these very inputs to take."""
        self._ahead = _Ahead(case, function, inputs, expected,
                             self.worker.send("call", _call_args(function, inputs), ahead=True))

    def _ask(self, send: Callable[[float], Sent | None], timeout: float | None, max_reply_bytes: int | None) -> Outcome:
        """The answer to what `send(limit)` sent, its timeout cut to what is left of the budget; once it is
        sent, the next case's call goes ahead (`upcoming`), for the worker to start on as soon as it answers."""
        limit = self.worker.call_timeout if timeout is None else timeout
        remaining = self._remaining()
        if remaining > 0:
            sent = send(min(limit, remaining))
            assert sent is not None  # only a call sent ahead may be refused
            upcoming, self.upcoming = self.upcoming, None
            if upcoming is not None:
                upcoming()
            remaining = self._remaining()
            outcome = self.worker.receive(sent, timeout=min(limit, remaining), max_reply_bytes=max_reply_bytes)
            if not (outcome.failure == "timeout" and remaining < limit):
                return outcome
        return Outcome(False, failure="budget", error={"type": "TimeBudget", "message": budget_message(self.exercise)})

    def _remaining(self) -> float:
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def _take_ahead(self, limit: float, function: str = "", inputs: dict | None = None) -> Sent | None:
        """The call sent ahead, where it is `function(*inputs)`; any other is answered and its answer
        dropped (the property stopped before its turn), waiting at most `limit`."""
        ahead, self._ahead = self._ahead, None
        if ahead is None or ahead.sent is None:
            return None
        if ahead.function == function and ahead.inputs is inputs:
            return ahead.sent
        self.worker.receive(ahead.sent, timeout=limit, keep_output=False)
        return None

    def _value(self, function: str, inputs: dict, outcome, expected=None):
        if outcome.ok:
            return outcome.value
        falsified = Falsified(failure_message(function, outcome, self.worker.limits), function=function,
                              inputs=inputs, expected=expected, outcome=outcome)
        if outcome.failure or outcome.not_implemented:
            raise Stop(falsified)
        raise falsified


def _call_args(function: str, inputs: dict) -> dict:
    return {"function": function, "args": list(inputs.values()), "kwargs": {}}


def budget_message(exercise) -> str:
    return (f"time budget used up: the checks of {exercise.id} may take {exercise.budget:g} s in all (10 times "
            "what the solution needs, or more), and this check did not finish within it")


def _truncate(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else f"{text[:limit]}\n... ({len(text) - limit} more characters)"


def failure_message(function: str, outcome, limits: dict) -> str:
    """What a failed call says to the student: not implemented, a hang, a crash, a limit, or the exception."""
    if outcome.not_implemented:
        detail = outcome.error.get("message") or ""
        return f"{function} is not implemented yet" + (f": {detail}" if detail else "")
    if outcome.failure == "timeout":
        return f"{function} {outcome.error['message']}: an endless loop, or far too slow"
    if outcome.failure == "crash":
        return f"{function} stopped the worker: {outcome.error['message']}"
    if outcome.failure == "too_large":
        return f"{function} returned {outcome.error['message']}: far larger than the expected output"
    if outcome.failure == "malformed":
        return f"calling {function}, {outcome.error['message']}: the worker was restarted"
    if outcome.failure == "budget":
        return outcome.error["message"]
    if outcome.error and outcome.error.get("type") == "BlockingIOError":
        return f"{function} hit the process limit ({limits['processes']} processes and threads): {outcome.describe_error()}"
    if outcome.error and outcome.error.get("type") == "MemoryError":
        return f"{function} ran out of memory (the limit is {limits['memory_mb']} MB): {outcome.describe_error()}"
    return f"{function} raised {outcome.describe_error()}"


@dataclass(frozen=True)
class OneCall:
    """A property that makes one call, known before it is made: `plan(case)` gives the inputs of
    `function` and its expected answer, `judge(session, inputs, expected, actual)` raises
    Falsified where the answer is wrong. A check running known cases in turn sends the next
    case's call before this one's answer is judged (PropertyCheck._in_turn)."""

    function: str
    plan: Callable[[dict], tuple[dict, object]]
    judge: Callable
    told: Callable | None = None  # the answer the call is told of, from plan's (its first, of several right ones)

    def __call__(self, session: Session, case) -> None:
        inputs, expected = session.planned(self.function, case) or self.plan(case)
        told = expected if self.told is None else self.told(expected)
        self.judge(session, inputs, expected, session.call(self.function, inputs, expected=told))

    def send_ahead(self, session: Session, case) -> None:
        try:
            inputs, expected = self.plan(case)
        except Exception:  # noqa: BLE001 - its own turn raises it again, where it is reported
            return
        session.send_ahead(case, self.function, inputs, expected)


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
        result.failure = (outcome.failure or "") if outcome is not None else ""
        if outcome is not None and (outcome.not_implemented or outcome.failure == "budget"):
            return result
        actual = outcome.value if outcome is not None and outcome.ok else None
        result.counterexample = Counterexample(
            call=f"{falsified.function}({', '.join(falsified.inputs)})",
            inputs=falsified.inputs, expected=falsified.expected, actual=actual,
            differences=falsified.differences, kind=falsified.kind,
        )
        found = _matching_mistakes(falsified, session.exercise.mistakes, session)
        result.mistakes = [mistake.id for mistake in found]
        result.layers = falsified.layers
        hints = _mistake_hints(found)
        if not hints and self.hint and not (outcome is not None and outcome.failure):
            hints = [self.hint]
        if falsified.note:
            hints.append(falsified.note)
        result.hint = "\n".join(hints)
        return result


def _matching_mistakes(falsified: Falsified, mistakes, session: Session | None = None) -> list:
    """The known mistakes that explain this failure.

    The smallest input can fit several mistakes (a 1x2 output is both transposed and
    channels-last); the first failure found, before shrinking, usually tells them apart.
    A mistake with a probe may ask the worker again (grader.exercise.Probe).
    """
    def matching(case: Falsified, candidates) -> list:
        return [m for m in candidates
                if m.function == case.function and m.matches(case.inputs, case.expected, case.outcome, session)]

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

    `examples` are fixed inputs (each a dict like a drawn one) tried first, in order, whatever
    the seed: the smallest inputs that expose the exercise's named mistakes, so that a known
    mistake never depends on the luck of a draw. Shrinking stops after `shrink_calls` more
    calls once a failure is found, with the smallest failing input so far: a count, not a
    time, so the result stays deterministic.
    """

    inputs: SearchStrategy[dict]
    prop: Callable
    examples: tuple = ()
    max_examples: int = 30
    shrink_calls: int = 100

    def falsify(self, session: Session) -> Falsified | None:
        try:
            if session.bank is not None:  # the student kit: the release's cases, simplest first
                cases = session.bank.cases.get(self.name)
                if cases is None:  # never a silent pass: a kit written before this check existed
                    raise LookupError("the kit's answer bank holds no cases for this check: write the kit again "
                                      "with this grader's `grade release`")
                return self.falsify_cases(session, cases)
            return self.falsify_cases(session, self.examples) or self._falsify_drawn(session)
        finally:
            session.upcoming = None  # a case still planned when the cases stopped: not this check's any more

    def falsify_cases(self, session: Session, cases) -> Falsified | None:
        """The first of `cases` on which the property fails, or None."""
        for case in self._in_turn(session, cases):
            try:
                self.prop(session, case)
            except Falsified as falsified:
                falsified.first = falsified
                return falsified
            except Stop as stop:
                return stop.falsified
            except NotInBank:  # only a wrong answer leads the property to a question no release asked
                return _unjudged(self, session, case)
        return None

    def cases(self, seed, count: int | None = None) -> list[dict]:
        """What the student kit runs instead of hypothesis: the fixed examples and `count` (by
        default max_examples) inputs drawn at `seed`, without repeats, simplest first."""
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis import seed as hypothesis_seed

        drawn: list[dict] = []

        @hypothesis_seed(seed)
        @settings(max_examples=count or self.max_examples, database=None, deadline=None, derandomize=False,
                  suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, phases=(Phase.generate,))
        @given(built(self.inputs))
        def collect(inputs):
            drawn.append(inputs)

        collect()
        return simplest_first([*self.examples, *drawn])

    def _falsify_drawn(self, session: Session) -> Falsified | None:
        """The inputs hypothesis draws at the session's seed, replayed as long as they pass (drawn
        once per process: grader.draws); once one fails, hypothesis itself, from the start, to
        shrink it. An outcome not worth shrinking (not implemented, a hang, a crash) stands as is."""
        printed_before = len(session.worker.stdout)
        for inputs in self._in_turn(session, drawn(self, session.seed)):
            try:
                self.prop(session, inputs)
            except Falsified:
                break
            except Stop as stop:
                return stop.falsified
        else:
            return None
        session.upcoming = None
        del session.worker.stdout[printed_before:]  # what it printed is shown from hypothesis's run alone
        return self._falsify_by_hypothesis(session)

    def _in_turn(self, session: Session, cases) -> Iterator:
        """`cases` in order. A OneCall property's call for the next case is sent as soon as this case's
        is (`Session.upcoming`): the worker computes it while the grader judges this one."""
        cases = list(cases)
        send_ahead = self.prop.send_ahead if isinstance(self.prop, OneCall) else None
        for index, case in enumerate(cases):
            following = cases[index + 1] if index + 1 < len(cases) else None
            session.upcoming = functools.partial(send_ahead, session, following) \
                if send_ahead and following is not None else None
            yield case

    def _falsify_by_hypothesis(self, session: Session) -> Falsified | None:
        from hypothesis import given
        from hypothesis import seed as hypothesis_seed
        from hypothesis.errors import Flaky

        failures: list[Falsified] = []
        calls_since_failure = [0]

        @hypothesis_seed(session.seed)
        @hypothesis_settings(self.max_examples)
        @given(built(self.inputs))
        def run(inputs):
            if failures:
                calls_since_failure[0] += 1
                if calls_since_failure[0] > self.shrink_calls:
                    raise Stop(failures[-1])
            try:
                self.prop(session, inputs)
            except Falsified as falsified:
                failures.append(falsified)
                raise
            except Stop as stop:  # out of time while shrinking: the smallest failure so far stands
                if failures and stop.falsified.outcome is not None and stop.falsified.outcome.failure == "budget":
                    raise Stop(failures[-1]) from None
                raise

        try:
            run()
        except Stop as stop:
            stop.falsified.first = failures[0] if failures else None
            return stop.falsified
        except Falsified as falsified:
            falsified.first = failures[0]
            return falsified
        except Flaky:
            if not failures:
                raise
            first = failures[0]
            first.message += " (but not every time: does your code use randomness or global state?)"
            return first
        return None


@dataclass(frozen=True, kw_only=True)
class ExampleCheck(Check):
    """`prop(session, example)` on each of a few fixed examples, in order: the lecture's worked
    examples, a model's configurations. The first example that fails is reported, named by
    `kind` (a text, or a function of the example)."""

    examples: tuple
    prop: Callable
    kind: str | Callable = "a fixed example"

    @property
    def function(self) -> str:
        """The function the examples are about (the first one the check needs)."""
        return self.functions[0]

    def falsify(self, session: Session) -> Falsified | None:
        for example in self.examples:
            try:
                self.prop(session, example)
            except (Falsified, Stop) as failure:
                falsified = failure.falsified if isinstance(failure, Stop) else failure
            except NotInBank:  # only a wrong answer leads the check to a question no release asked
                falsified = _unjudged(self, session, getattr(example, "inputs", {"example": str(example)[:80]}))
            else:
                continue
            falsified.kind = self.kind(example) if callable(self.kind) else self.kind
            return falsified
        return None


def _unjudged(check: Check, session: Session, case: dict) -> Falsified:
    """A case whose failure the kit cannot describe: the property asked its answer key something
    the release never recorded, which only a wrong answer leads it to."""
    outcome = session.last_outcome
    function = check.functions[0]
    return Falsified(f"{function} gives a wrong answer on this input (the student kit holds no expected "
                     "answer to show beside it; grading in the course shows one)", function=function, inputs=case,
                     outcome=outcome if outcome is not None and outcome.ok else None)


def _falsified(function: str, inputs: dict, expected, session: Session, mismatch: Mismatch, *,
               prefix: str = "") -> Falsified:
    return Falsified(f"{prefix}{function} {mismatch.message}", function=function, inputs=inputs,
                     expected=expected, outcome=session.last_outcome, differences=mismatch.differences)


def matches_reference(function: str, reference: Callable, inputs, *, points: float, name: str,
                      description: str, hint: str = "", rtol: float = 1e-5, atol: float = 1e-6,
                      require_float: bool = True, explain: Callable | None = None,
                      max_examples: int = 30, hidden: bool = False, examples: tuple = ()) -> PropertyCheck:
    """`function(*inputs)` equals `reference(*inputs)` on the fixed `examples` and every drawn input.

    `explain(inputs)` adds the rule a wrong shape breaks, e.g. "for H=5, KH=2: H' = H - KH + 1".
    """

    def judge(session: Session, drawn: dict, expected, actual) -> None:
        mismatch = compare_arrays(expected, actual, rtol=rtol, atol=atol, require_float=require_float)
        if mismatch is not None:
            if explain is not None and "shape" in mismatch.message:
                mismatch = Mismatch(f"{mismatch.message} {explain(drawn)}", mismatch.differences)
            raise _falsified(function, drawn, expected, session, mismatch)

    return PropertyCheck(name=name, points=points, description=description, functions=(function,),
                         hint=hint, hidden=hidden, inputs=inputs, prop=OneCall(function, _answered(reference), judge),
                         max_examples=max_examples, examples=tuple(examples))


def _answered(reference: Callable) -> Callable[[dict], tuple[dict, object]]:
    """A OneCall's plan: the drawn inputs and the reference's answer to them."""
    return lambda drawn: (drawn, reference(*drawn.values()))


def same_shape_as_reference(function: str, reference: Callable, inputs, *, points: float, name: str,
                            description: str, hint: str = "", explain: Callable | None = None,
                            max_examples: int = 30, examples: tuple = ()) -> PropertyCheck:
    """Only the shape of `function(*inputs)` is judged (values have checks of their own)."""

    def judge(session: Session, drawn: dict, expected, actual) -> None:
        shape = getattr(actual, "shape", None)
        if shape != expected.shape:
            got = f"shape {shape}" if shape is not None else describe_value(actual)
            message = f"returned {got}, expected shape {expected.shape}"
            if explain is not None:
                message += f" {explain(drawn)}"
            raise _falsified(function, drawn, expected, session, Mismatch(message))

    return PropertyCheck(name=name, points=points, description=description, functions=(function,),
                         hint=hint, inputs=inputs, prop=OneCall(function, _answered(reference), judge),
                         max_examples=max_examples, examples=tuple(examples))


def lecture_examples(function: str, examples: list[Example], *, points: float, name: str,
                     description: str, hint: str = "", compare: Callable | None = None,
                     rtol: float = 1e-5, atol: float = 1e-6) -> ExampleCheck:
    """The lecture's worked examples; `compare(expected, actual)` for answers that are not arrays.

    They judge the numbers, as the notebooks' try-it cells do (grader.notebook.try_it): a dtype
    has checks of its own, so an integer answer to the lecture's arithmetic costs its points
    there, once, and never here too."""
    if compare is None:
        examples = [replace(example, expected=np.asarray(example.expected, dtype=np.float64)) for example in examples]

    def prop(session: Session, example: Example) -> None:
        try:
            actual = session.call(function, example.inputs, expected=example.expected)
            if compare is not None:
                mismatch = compare(example.expected, actual)
            else:
                expected = cast(np.ndarray, example.expected)  # made an array above, without `compare`
                mismatch = compare_arrays(expected, actual, rtol=rtol, atol=atol, require_float=False)
            if mismatch is not None:
                raise _falsified(function, example.inputs, example.expected, session, mismatch,
                                 prefix=f"{example.name}: ")
        except (Stop, Falsified) as failure:
            (failure.falsified if isinstance(failure, Stop) else failure).note = example.note
            raise

    return ExampleCheck(name=name, points=points, description=description, functions=(function,), hint=hint,
                        examples=tuple(examples), prop=prop,
                        kind=lambda example: f"the lecture's example ({example.name})")


def satisfies_property(function: str | tuple[str, ...], prop: Callable, inputs, *, points: float, name: str,
                       description: str, hint: str = "", max_examples: int = 30, hidden: bool = False,
                       shrink_calls: int = 100, examples: tuple = ()) -> PropertyCheck:
    """`prop(session, drawn)` holds for every drawn input: it calls `function` (or, for a check
    about several, each of them) through the session and raises Falsified where the answer breaks
    the property (an invariant such as "cropping the padding gives x back", an exact rule for
    ints, a model's method against the reference)."""
    functions = (function,) if isinstance(function, str) else tuple(function)
    return PropertyCheck(name=name, points=points, description=description, functions=functions, hint=hint,
                         hidden=hidden, inputs=inputs, prop=prop, max_examples=max_examples, shrink_calls=shrink_calls,
                         examples=tuple(examples))


def holds_for_examples(function: str | tuple[str, ...], prop: Callable, examples, *, points: float, name: str,
                       description: str, kind: str | Callable = "a fixed example", hint: str = "") -> ExampleCheck:
    """`prop(session, example)` holds for each of a few fixed examples, in order (a configuration,
    a model and batches of the grader's choosing); the first that fails is reported as `kind`."""
    functions = (function,) if isinstance(function, str) else tuple(function)
    return ExampleCheck(name=name, points=points, description=description, functions=functions, hint=hint,
                        examples=tuple(examples), prop=prop, kind=kind)
