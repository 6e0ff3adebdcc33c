"""Does exercise 7 (AlexNet) tell right from wrong, whichever 'same' padding the student picks?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_symmetric_same_padding_also_scores_full_marks():
    """Does AlexNet with padding=4 and MaxPool2d(3, 2, padding=1), other numbers than Keras's, pass too?"""
    result = graded("exercise7", SUBMISSIONS / "accepted" / "exercise7_symmetric_padding.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_a_misplaced_dropout_costs_only_the_modes_check():
    """Dropout acts only in training: do structure, counts, eval outputs and training keep their points?"""
    result = graded("exercise7", SUBMISSIONS / "exercise7" / "dropout_before_dense.py")
    failed = [test.name for test in result.tests if test.status != "passed"]
    assert failed == ["AlexNet: Dropout and BatchNorm modes"]
    assert "input of Linear(256 -> 2048) changes from call to call" in by_name(result)[failed[0]].output
