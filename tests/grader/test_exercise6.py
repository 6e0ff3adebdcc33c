"""Does exercise 6 (LeNet-5) tell right from wrong: full marks, zero, and every known mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise6_lenet")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    """Does the reference solution get every point, with no hint anywhere?"""
    result = graded("exercise6", ROOT / "solutions" / "exercise6_lenet.py")
    assert result.score == result.max_score == 10, [t.output for t in result.tests]
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_the_stub_scores_zero_and_says_not_implemented():
    """Does the untouched stub get 0, each check saying 'not implemented yet'?"""
    result = graded("exercise6", ROOT / "exercises" / "exercise6_lenet.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded("exercise6", SUBMISSIONS / "exercise6" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]
    assert not result.has_errors


def test_every_mistake_file_is_a_declared_mistake():
    """Is each file in tests/submissions/exercise6 one of the declared mistakes (no orphans)?"""
    assert {path.stem for path in (SUBMISSIONS / "exercise6").glob("*.py")} == set(MISTAKE_IDS)


def test_functional_layers_in_one_forward_get_full_marks():
    """Does a LeNet written with torch.nn.functional and unusual attribute names pass like the solution?"""
    result = graded("exercise6", SUBMISSIONS / "accepted" / "exercise6_functional.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_a_wrong_activation_is_located_between_the_layers():
    """Does the ReLU LeNet hear where its outputs part from the reference, and the logits' shape?"""
    test = by_name(graded("exercise6", SUBMISSIONS / "exercise6" / "relu_instead_of_tanh.py"))[
        "LeNet5: outputs match the reference"]
    assert "agrees with the reference up to the output of Conv2d(3 -> 6" in test.output
    assert test.counterexample.expected.shape == test.counterexample.actual.shape
    assert test.counterexample.inputs["x"].startswith("np.random.default_rng(")
