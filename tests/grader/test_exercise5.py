"""Does exercise 5 (flatten, dense) tell right from wrong: full marks, zero, every known mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise5_flatten")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    """Does the reference solution get every point, with no hint anywhere?"""
    result = graded("exercise5", ROOT / "solutions" / "exercise5_flatten.py")
    assert result.score == result.max_score == 10
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_the_stub_scores_zero_and_says_not_implemented():
    """Does the untouched stub get 0, each check saying 'not implemented yet'?"""
    result = graded("exercise5", ROOT / "exercises" / "exercise5_flatten.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded("exercise5", SUBMISSIONS / "exercise5" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]


def test_every_mistake_file_is_a_declared_mistake():
    """Is each file in tests/submissions/exercise5 one of the declared mistakes (no orphans)?"""
    files = {path.stem for path in (SUBMISSIONS / "exercise5").glob("*.py")}
    assert files == set(MISTAKE_IDS)


def test_channels_last_flattening_breaks_the_reshape_invariant():
    """Does the Keras order fail 'reshaping back gives x', on a map with several channels and pixels?"""
    test = by_name(graded("exercise5", SUBMISSIONS / "exercise5" / "flatten_nhwc.py"))["flatten: reshaping back gives x"]
    x = test.counterexample.inputs["x"]
    assert test.status == "failed" and x.ndim >= 3 and x.shape[1] > 1


def test_the_lecture_examples_name_the_parameter_counts():
    """Do the dense examples carry the summaries' counts, e.g. LeNet-5's 69,240, and count them?"""
    check = next(check for check in EXERCISE.checks if check.name == "dense: the lecture's examples")
    lenet = next(example for example in check.examples if "69,240" in example.name)
    assert lenet.expected.shape == (1, 120) and lenet.expected.sum() == 69_240
