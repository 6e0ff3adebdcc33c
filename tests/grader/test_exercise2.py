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


def test_code_that_cannot_take_pairs_loses_the_pairs_check_only():
    """One feature per check: does a pad2d written for int pads lose the pairs' point and nothing else?"""
    result = graded("exercise2", SUBMISSIONS / "exercise2" / "pad_pair_not_handled.py")
    assert [test.name for test in result.tests if test.status != "passed"] == ["pad2d: (ph, pw) pairs"]


def test_a_conv2d_same_that_never_pads_gets_the_padding_hint():
    """Decided by behaviour: given x padded beforehand, its answer is right, so is it told that x is not padded?"""
    test = by_name(graded("exercise2", SUBMISSIONS / "exercise2" / "not_padded.py"))["conv2d_same: matches the reference"]
    assert test.status == "failed" and "x is not padded" in test.hint and "wrong amount" not in test.hint


INT64_ANSWERS = '''
import numpy as np


def pad2d(x, pad):
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def conv2d_same(x, w, b=None):
    F, C, KH, KW = w.shape
    xp = pad2d(x, (KH // 2, KW // 2))
    N, _, H, W = x.shape
    out = np.zeros((N, F, H, W), dtype=np.int64)
    for i in range(H):
        for j in range(W):
            out[:, :, i, j] = np.tensordot(xp[:, :, i:i + KH, j:j + KW], w, axes=([1, 2, 3], [1, 2, 3]))
    return out if b is None else out + b.reshape(1, F, 1, 1)
'''


def test_the_lecture_checks_judge_the_numbers_as_the_try_it_cells_do(tmp_path):
    """A notebook's try-it cell calls an int64 feature map with the lecture's numbers right; does the lecture's
    check agree, leaving the dtype to the checks that judge it?"""
    path = tmp_path / "exercise2_padding.py"
    path.write_text(INT64_ANSWERS)
    tests = by_name(graded("exercise2", path))
    assert tests["conv2d_same: the lecture's examples"].status == "passed"
    assert "dtype int64" in tests["conv2d_same: matches the reference"].output
