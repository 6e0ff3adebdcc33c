"""Does exercise 7 (AlexNet) tell right from wrong, whichever 'same' padding the student picks?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise7_alexnet")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    """Does the reference solution (Keras's exact 'same': ZeroPad2d((3, 4, 3, 4)), ceil_mode) get every point?"""
    result = graded("exercise7", ROOT / "solutions" / "exercise7_alexnet.py")
    assert result.score == result.max_score == 10, [t.output for t in result.tests]
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_symmetric_same_padding_also_scores_full_marks():
    """Does AlexNet with padding=4 and MaxPool2d(3, 2, padding=1), other numbers than Keras's, pass too?"""
    result = graded("exercise7", SUBMISSIONS / "accepted" / "exercise7_symmetric_padding.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_the_stub_scores_zero_and_says_not_implemented():
    result = graded("exercise7", ROOT / "exercises" / "exercise7_alexnet.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded("exercise7", SUBMISSIONS / "exercise7" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]
    assert not result.has_errors


def test_every_mistake_file_is_a_declared_mistake():
    assert {path.stem for path in (SUBMISSIONS / "exercise7").glob("*.py")} == set(MISTAKE_IDS)


def test_a_misplaced_dropout_costs_only_the_modes_check():
    """Dropout acts only in training: do structure, counts, eval outputs and training keep their points?"""
    result = graded("exercise7", SUBMISSIONS / "exercise7" / "dropout_before_dense.py")
    failed = [test.name for test in result.tests if test.status != "passed"]
    assert failed == ["AlexNet: Dropout and BatchNorm modes"]
    assert "input of Linear(256 -> 2048) changes from call to call" in by_name(result)[failed[0]].output
