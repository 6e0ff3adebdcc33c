"""Does exercise 4 (pooling) tell right from wrong: full marks, zero, and every known mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise4_pooling")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    """Does the reference solution get every point, with no hint anywhere?"""
    result = graded("exercise4", ROOT / "solutions" / "exercise4_pooling.py")
    assert result.score == result.max_score == 10
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_the_stub_scores_zero_and_says_not_implemented():
    """Does the untouched stub get 0, each check saying 'not implemented yet'?"""
    result = graded("exercise4", ROOT / "exercises" / "exercise4_pooling.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded("exercise4", SUBMISSIONS / "exercise4" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]


def test_every_mistake_file_is_a_declared_mistake():
    """Is each file in tests/submissions/exercise4 one of the declared mistakes (no orphans)?"""
    files = {path.stem for path in (SUBMISSIONS / "exercise4").glob("*.py")}
    assert files == set(MISTAKE_IDS)


def test_a_max_pool_that_keeps_the_last_element_fails_on_random_values():
    """Does the 'bottom-right element' max pool, which passes on monotone inputs, fail the reference check?"""
    test = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "max_last_element.py"))["max_pool2d: matches the reference"]
    assert test.status == "failed" and test.counterexample.kind == "smallest failing input"


def test_a_max_starting_at_zero_breaks_the_shift_invariant():
    """Does adding a constant expose a running max that starts at 0?"""
    test = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "max_starts_at_zero.py"))[
        "max_pool2d: commutes with adding a constant"]
    assert test.status == "failed" and "adding c =" in test.output


def test_a_truncating_average_passes_the_lecture_example_but_not_the_pixels():
    """The lecture's averages are whole numbers; do the uint8 pixel checks still catch // ?"""
    tests = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "avg_integer_truncation.py"))
    assert tests["avg_pool2d: the lecture's example"].status == "passed"
    assert tests["avg_pool2d: uint8 pixel images"].status == "failed"
