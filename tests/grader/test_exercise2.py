"""Does exercise 2 (padding) tell right from wrong: full marks, zero, and every known mistake named?"""

from tests.conftest import SUBMISSIONS, by_name, graded


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


def test_a_pad2d_that_keeps_the_input_dtype_gets_full_marks():
    """Is one np.pad, which keeps uint8 and int64 input as it is, full marks (padding computes nothing)?"""
    result = graded("exercise2", SUBMISSIONS / "accepted" / "exercise2_np_pad.py")
    assert result.score == result.max_score, [t.output for t in result.tests if t.output]
