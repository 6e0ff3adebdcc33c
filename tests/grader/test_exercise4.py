"""Does exercise 4 (pooling) tell right from wrong: full marks, zero, and every known mistake named?"""

import numpy as np
import pytest

from grader import catalog
from grader import notebook as course
from grader.checks import ExampleCheck, Falsified, Session
from grader.instructor.banks import InProcessWorker
from grader.worker.wire import Outcome
from tests.conftest import SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise4_pooling")


class _Answering:
    """A session whose submission answers every call with `value`: a check cell's verdict on one answer."""

    def __init__(self, value):
        self.value, self.last_outcome = value, Outcome(True, value=value)

    def call(self, function, inputs, *, timeout=None, expected=None):
        return self.value


def answers_to_try(expected) -> list:
    """Right answers in other dtypes and containers, and wrong ones: what a try-it cell may be shown."""
    expected = np.asarray(expected)
    return [expected, expected.astype(np.float64), expected.astype(np.float32), np.round(expected).astype(np.int64),
            expected.tolist(), expected + 0.5, expected[..., :1], None]


def try_it_and_check_disagree(exercise, capsys) -> list[str]:
    """Every shown lecture example and answer on which a try-it cell and the check cell disagree."""
    disagreements = []
    for check in exercise.checks:
        if not isinstance(check, ExampleCheck):
            continue
        for example in check.examples:
            for answer in answers_to_try(example.expected):
                course.try_it(lambda *args, **kwargs: answer, **example.inputs, expected=example.expected)
                tried = "matches the lecture's answer" in capsys.readouterr().out
                try:
                    check.prop(_Answering(answer), example)
                    checked = True
                except Falsified:
                    checked = False
                if tried != checked:
                    disagreements.append(f"{check.name}, {example.name}, {answer!r}: try-it {tried}, check {checked}")
    return disagreements


class _FixedExamplesOnly:
    """Stands where the kit's bank would: each property check's cases are its fixed examples, nothing drawn."""

    def __init__(self, exercise):
        self.cases = {check.name: list(getattr(check, "examples", ())) for check in exercise.checks}


def hints_on_fixed_examples(exercise, path) -> list[str]:
    """The hints of the checks a (trusted) file fails on the fixed examples alone, whatever a seed would draw."""
    worker = InProcessWorker(path, exercise.module)
    session = Session(worker, exercise, defined=frozenset(worker.names), bank=_FixedExamplesOnly(exercise))
    return [result.hint for result in map(lambda check: check.run(session), exercise.checks)
            if result.status == "failed"]


@pytest.mark.parametrize("mistake_id", sorted({mistake.id for mistake in EXERCISE.mistakes}))
def test_each_named_mistake_is_caught_with_its_hint_by_the_fixed_examples_alone(mistake_id):
    """With nothing drawn at all, does this mistake's file fail a check with its hint?"""
    hints = hints_on_fixed_examples(EXERCISE, SUBMISSIONS / "exercise4" / f"{mistake_id}.py")
    assert any(EXERCISE.mistake(mistake_id).hint in hint for hint in hints), hints


def test_the_try_it_cells_and_the_check_cell_agree_on_every_lecture_example(capsys):
    """An exact int64 answer 'matches the lecture's answer' in a try-it cell: does the check cell agree, and
    on every other answer too?"""
    assert not try_it_and_check_disagree(EXERCISE, capsys)


def test_a_max_pool_that_keeps_the_last_element_fails_the_core_check():
    """Does the 'bottom-right element' max pool, which passes on monotone inputs, fail the core check?"""
    test = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "max_last_element.py"))[
        "max_pool2d: matches the reference"]
    assert test.status == "failed" and test.counterexample.inputs["x"].shape == (1, 1, 2, 2)


@pytest.mark.parametrize("seed", [0, 5])
def test_a_max_starting_at_zero_is_caught_on_a_window_of_negatives_at_any_seed(seed):
    """Does the core check's fixed window of negative numbers expose a running max that starts at 0?"""
    test = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "max_starts_at_zero.py", seed))[
        "max_pool2d: matches the reference"]
    assert test.status == "failed" and (test.counterexample.inputs["x"] < 0).all()


def test_a_truncating_average_passes_the_lecture_example_but_not_the_pixels():
    """The lecture's averages are whole numbers; do the uint8 pixel checks still catch // ?"""
    tests = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "avg_integer_truncation.py"))
    assert tests["avg_pool2d: the lecture's example"].status == "passed"
    assert tests["avg_pool2d: uint8 pixel images"].status == "failed"


def test_code_that_cannot_take_pairs_loses_the_pairs_checks_only():
    """One feature per check: does a pair-less pooling keep every point but the pairs checks'?"""
    result = graded("exercise4", SUBMISSIONS / "exercise4" / "pair_not_handled.py")
    failed = {test.name for test in result.tests if test.status == "failed"}
    assert failed == {"max_pool2d: (for H, for W) pairs", "avg_pool2d: (for H, for W) pairs"}


def test_each_function_is_checked_at_the_lectures_image_sizes():
    """Does each function's core check hold a 28x28 MNIST-sized and a 32x32x3 CIFAR-10-sized image?"""
    for function in EXERCISE.functions:
        core = next(check for check in EXERCISE.checks if check.name == f"{function}: matches the reference")
        shapes = {example["x"].shape[1:] for example in core.examples}
        assert {(1, 28, 28), (3, 32, 32)} <= shapes
