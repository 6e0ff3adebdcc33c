"""Does exercise 8 (the residual block) tell right from wrong: full marks, zero, every mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise8_residual")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    result = graded("exercise8", ROOT / "solutions" / "exercise8_residual.py")
    assert result.score == result.max_score == 10, [t.output for t in result.tests]
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_a_block_that_computes_its_shortcut_first_scores_full_marks():
    """Is a block whose forward calls the shortcut before the branch (other call order) graded alike?"""
    result = graded("exercise8", SUBMISSIONS / "accepted" / "exercise8_shortcut_first.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_the_stub_scores_zero_and_says_not_implemented():
    result = graded("exercise8", ROOT / "exercises" / "exercise8_residual.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    result = graded("exercise8", SUBMISSIONS / "exercise8" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]
    assert not result.has_errors


def test_every_mistake_file_is_a_declared_mistake():
    assert {path.stem for path in (SUBMISSIONS / "exercise8").glob("*.py")} == set(MISTAKE_IDS)


def test_an_in_place_shortcut_fails_only_on_gradients_with_the_line():
    """Outputs are right; does only the gradient check fail, quoting the in-place line?"""
    result = graded("exercise8", SUBMISSIONS / "exercise8" / "inplace_shortcut.py")
    failed = [test for test in result.tests if test.status != "passed"]
    assert [test.name for test in failed] == ["ResidualBlock: gradients match the reference"]
    assert "identity += out" in failed[0].output


def test_the_same_seed_gives_the_same_verdicts_and_counterexamples():
    """Are model checks deterministic: same seed, same scores, messages and counterexamples?"""
    from grader.grading import grade

    path = SUBMISSIONS / "exercise8" / "relu_before_addition.py"

    def summary(seed):
        result = grade(["exercise8"], submission=path, seed=seed).exercises[0]
        return [(t.name, t.score, t.output, t.counterexample and t.counterexample.to_dict()) for t in result.tests]

    assert summary(3) == summary(3)
