"""Does exercise 3 (stride) tell right from wrong: full marks, zero, and every known mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise3_stride")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    """Does the reference solution get every point, with no hint anywhere?"""
    result = graded("exercise3", ROOT / "solutions" / "exercise3_stride.py")
    assert result.score == result.max_score == 10
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_the_stub_scores_zero_and_says_not_implemented():
    """Does the untouched stub get 0, each check saying 'not implemented yet'?"""
    result = graded("exercise3", ROOT / "exercises" / "exercise3_stride.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded("exercise3", SUBMISSIONS / "exercise3" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]


def test_every_mistake_file_is_a_declared_mistake():
    """Is each file in tests/submissions/exercise3 one of the declared mistakes (no orphans)?"""
    files = {path.stem for path in (SUBMISSIONS / "exercise3").glob("*.py")}
    assert files == set(MISTAKE_IDS)


def test_a_wrong_output_size_is_explained_with_the_formula_and_its_numbers():
    """Does a wrong int come back with the formula filled in with the failing input's numbers?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "no_plus_one.py"))["output_size: the formula, exactly"]
    example = test.counterexample
    assert test.status == "failed"
    assert "(size + 2*padding - kernel) // stride + 1 = (" in test.output
    assert example.expected == example.actual + 1


def test_a_float_output_size_fails_even_when_its_value_is_right():
    """Is 1.0 for 1 refused: output_size must return an int, and the feedback says to use //?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "true_division.py"))["output_size: the formula, exactly"]
    assert test.status == "failed" and "a float" in test.output and "//" in test.output


def test_ceil_division_fails_on_the_lectures_vgg_pooling():
    """Does rounding up fail the lecture's numbers, where VGG16's 25 pixels pool to 12, not 13?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "ceil_division.py"))["output_size: the lecture's numbers"]
    assert test.status == "failed" and "expected" in test.output


def test_a_stride_that_moves_nothing_breaks_the_subsampling_invariant():
    """Is 'stride not applied' caught by comparing with the submission's own stride-1 output?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "stride_not_applied.py"))[
        "conv2d_strided: the stride-1 output, subsampled"]
    assert test.status == "failed" and "subsampled" in test.output
