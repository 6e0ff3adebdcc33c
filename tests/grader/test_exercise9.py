"""Does exercise 9 (transfer learning) tell right from wrong: full marks, zero, every mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise9_transfer")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    result = graded("exercise9", ROOT / "solutions" / "exercise9_transfer.py")
    assert result.score == result.max_score == 10, [t.output for t in result.tests]
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_a_sequential_model_with_requires_grad_method_scores_full_marks():
    """Does nn.Sequential(base, Flatten, ...) with module.requires_grad_(False) pass like the solution?"""
    result = graded("exercise9", SUBMISSIONS / "accepted" / "exercise9_sequential.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_the_stub_scores_zero_and_says_not_implemented():
    result = graded("exercise9", ROOT / "exercises" / "exercise9_transfer.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    result = graded("exercise9", SUBMISSIONS / "exercise9" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]
    assert not result.has_errors


def test_every_mistake_file_is_a_declared_mistake():
    assert {path.stem for path in (SUBMISSIONS / "exercise9").glob("*.py")} == set(MISTAKE_IDS)


def test_an_attribute_instead_of_a_freeze_is_named_by_the_freeze_check():
    """Does `module.requires_grad = False` fail freeze() itself, with the attribute hint and not another?"""
    test = by_name(graded("exercise9", SUBMISSIONS / "exercise9" / "requires_grad_attribute.py"))[
        "freeze: no parameter trains any more"]
    assert test.status == "failed" and "still have requires_grad=True" in test.output
    assert test.hint.startswith("`module.requires_grad = False` freezes nothing")
