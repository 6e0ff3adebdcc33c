"""Does exercise 2 (padding) tell right from wrong: full marks, zero, and every known mistake named?"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise2_padding")
MISTAKE_IDS = sorted({mistake.id for mistake in EXERCISE.mistakes})


def test_the_solution_scores_full_marks():
    """Does the reference solution get every point, with no hint anywhere?"""
    result = graded("exercise2", ROOT / "solutions" / "exercise2_padding.py")
    assert result.score == result.max_score == 10
    assert all(test.status == "passed" and not test.hint for test in result.tests)


def test_the_stub_scores_zero_and_says_not_implemented():
    """Does the untouched stub get 0, each check saying 'not implemented yet'?"""
    result = graded("exercise2", ROOT / "exercises" / "exercise2_padding.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("mistake_id", MISTAKE_IDS)
def test_each_known_mistake_loses_points_and_gets_its_hint(mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded("exercise2", SUBMISSIONS / "exercise2" / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in EXERCISE.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]


def test_every_mistake_file_is_a_declared_mistake():
    """Is each file in tests/submissions/exercise2 one of the declared mistakes (no orphans)?"""
    files = {path.stem for path in (SUBMISSIONS / "exercise2").glob("*.py")}
    assert files == set(MISTAKE_IDS)


def test_padding_on_one_side_breaks_the_crop_invariant():
    """Does zero padding below and right only fail 'cropping gives x back', with the padded shape explained?"""
    test = by_name(graded("exercise2", SUBMISSIONS / "exercise2" / "pad_one_side.py"))[
        "pad2d: cropping the padding gives x back"]
    assert test.status == "failed"
    assert "H + 2*" in test.output and "padding both sides" in test.output


def test_edge_padding_passes_the_crop_but_not_the_reference():
    """Is the invariant honest: edge padding keeps x in the middle, so only the zeros checks fail it?"""
    tests = by_name(graded("exercise2", SUBMISSIONS / "exercise2" / "pad_with_edges.py"))
    assert tests["pad2d: cropping the padding gives x back"].status == "passed"
    assert tests["pad2d: matches the reference"].status == "failed"


def test_a_hard_coded_padding_of_1_shows_the_rule_for_h():
    """Does padding by 1 for every filter fail on a non-3x3 filter, with the KH // 2 rule in the message?"""
    test = by_name(graded("exercise2", SUBMISSIONS / "exercise2" / "wrong_same_padding.py"))[
        "conv2d_same: keeps H and W"]
    assert test.status == "failed" and "pad by KH // 2" in test.output
    assert test.counterexample.inputs["w"].shape[2:] != (3, 3)
