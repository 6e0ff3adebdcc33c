"""Can a broken or hostile model hurt the grader? Each case is a real file in tests/submissions/hostile_models."""

import pytest

from tests.conftest import SUBMISSIONS, by_name, graded

HOSTILE = SUBMISSIONS / "hostile_models"


@pytest.mark.parametrize("name, words", [
    ("too_large", "ran out of memory (the limit is 2048 MB)"),
    ("too_slow", "timed out after 5 s"),
    ("crash", "killed by signal SIGSEGV"),
    ("returns_tuple", "returned a tuple from forward, expected a torch.Tensor"),
    ("not_a_module", "made a dict, not a torch.nn.Module"),
])
def test_every_check_fails_with_the_reason_and_no_grader_error(name, words):
    """Does each check fail (not error) with a verdict that says what happened?"""
    result = graded("exercise6", HOSTILE / f"{name}.py")
    assert result.score == 0 and not result.has_errors
    assert all(test.status == "failed" and words in test.output for test in result.tests), \
        [test.output for test in result.tests]


def test_a_model_that_hangs_costs_one_timeout_not_one_per_check():
    """Is the hang remembered, so that the later checks fail at once instead of waiting again?"""
    result = graded("exercise6", HOSTILE / "too_slow.py")
    later = [test.execution_time for test in result.tests[1:]]
    assert max(later) < 1.0, later


def test_the_too_large_model_names_its_line():
    test = by_name(graded("exercise6", HOSTILE / "too_large.py"))["LeNet5: layers and output shapes"]
    assert "nn.Linear(576, 2**30)" in test.output


@pytest.mark.parametrize("exercise", ["exercise6", "exercise7", "exercise8", "exercise9"])
def test_a_submission_that_forges_every_worker_op_scores_zero(exercise):
    """Every torch op replaced at import by one reporting a perfect model: does it earn nothing, and break nothing?"""
    result = graded(exercise, SUBMISSIONS / "forged" / f"{exercise}.py")
    assert result.score == 0 and not result.has_errors, [(t.name, t.score, t.output) for t in result.tests]
