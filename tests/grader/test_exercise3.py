"""Does exercise 3 (stride) tell right from wrong: full marks, zero, and every known mistake named?"""

import numpy as np
import pytest

from grader import catalog
from grader.worker.wire import Outcome
from grader.reference.stride import conv2d_strided
from tests.conftest import SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise3_stride")


def hint_of(mistake_id: str, function: str) -> str:
    return next(m.hint for m in EXERCISE.mistakes if m.id == mistake_id and m.function == function)


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


def test_round_and_ceil_are_told_apart():
    """Both round some windows up; does each file's formula check name its own rounding, and only that?"""
    ceil, rounded = hint_of("ceil_division", "output_size"), hint_of("round_division", "output_size")
    for mistake, right, wrong in (("ceil_division", ceil, rounded), ("round_division", rounded, ceil)):
        test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / f"{mistake}.py"))[
            "output_size: the formula, exactly"]
        assert right in test.hint and wrong not in test.hint, mistake


def test_a_stride_that_moves_nothing_breaks_the_subsampling_invariant():
    """Is 'stride not applied' caught by comparing with the submission's own stride-1 output?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "stride_not_applied.py"))[
        "conv2d_strided: the stride-1 output, subsampled"]
    assert test.status == "failed" and "subsampled" in test.output


def test_the_subsampling_check_expects_the_references_shape_not_the_students():
    """Issue 20: an output size without + 1 made this check show an 'expected' shape computed from the
    student's own wrong stride-1 output; is the expected answer now the reference's?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "no_plus_one.py"))[
        "conv2d_strided: the stride-1 output, subsampled"]
    example = test.counterexample
    assert test.status == "failed"
    assert np.array_equal(example.expected, conv2d_strided(**example.inputs))
    assert example.actual.shape != example.expected.shape


SPELLINGS = {  # how the window meets the filters, and how the unpadded x then fails on the first fixed example
    "tensordot": (None, "shape-mismatch for sum"),  # the file: the spelling that issue 20 found without a hint
    "broadcast": (("out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))  # (N, F)",
                   "out[:, :, i, j] = np.array([np.sum(window * w[f], axis=(1, 2, 3)) for f in range(F)]).T"),
                  "wrong values"),  # a 1x1 window broadcasts against a 3x3 filter
}


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_forgotten_padding_gets_the_padding_hint_however_it_fails(spelling, tmp_path):
    """Issue 20: np.tensordot fails with 'shape-mismatch for sum', broadcasting with other errors or wrong
    values; is 'x is not padded' decided by behaviour (padded beforehand, padding=0 is right) in both?"""
    replacement, failure = SPELLINGS[spelling]
    path = SUBMISSIONS / "exercise3" / "padding_forgotten.py"
    if replacement is not None:
        source = path.read_text()
        assert replacement[0] in source
        path = tmp_path / "exercise3_stride.py"
        path.write_text(source.replace(*replacement))
    test = by_name(graded("exercise3", path))["conv2d_strided: matches the reference"]
    assert failure in test.output and "x is not padded" in test.hint
    assert test.counterexample.inputs["padding"] != 0


def test_a_loop_one_step_too_far_is_told_from_forgotten_padding_on_drawn_inputs():
    """Both raise the same NumPy error; do the drawn, shrunk inputs (padding 0) name the loop, not the padding?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "loop_past_the_end.py"))[
        "conv2d_strided: matches the reference"]
    assert "one step too far" in test.hint and "not padded" not in test.hint


PAIRLESS_ROUND = '''
import numpy as np


def output_size(size, kernel, stride=1, padding=0):
    return (size + 2 * padding - kernel) // stride + 1


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = round((H + 2 * padding - KH) / stride) + 1
    W_out = round((W + 2 * padding - KW) / stride) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.reshape(1, F, 1, 1)
    return out
'''


@pytest.mark.parametrize("seed", [0, 3])
def test_a_pair_less_conv_with_round_in_its_output_size_is_shown_the_round_bug(seed, tmp_path):
    """Issue 20: code that cannot take pairs lost its points on a pair and its round() was never shown;
    do the pairs cost their own check, while the int-only core check shows the round() on int inputs?"""
    path = tmp_path / "exercise3_stride.py"
    path.write_text(PAIRLESS_ROUND)
    tests = by_name(graded("exercise3", path, seed))
    core, pairs = tests["conv2d_strided: matches the reference"], tests["conv2d_strided: (for H, for W) pairs"]
    assert core.status == "failed" and hint_of("round_division", "conv2d_strided") in core.hint
    assert "pair" not in core.hint
    inputs = core.counterexample.inputs
    assert isinstance(inputs["stride"], int) and isinstance(inputs["padding"], int)
    assert pairs.status == "failed" and hint_of("pair_not_handled", "conv2d_strided") in pairs.hint
    assert tests["output_size: the formula, exactly"].status == "passed"


def test_an_overflow_hint_only_where_values_can_overflow():
    """Issue 20: the uint8 hint was offered where nothing could overflow; is it offered only for uint8
    inputs whose true answer exceeds 255?"""
    mistake = next(m for m in EXERCISE.mistakes if m.id == "uint8_overflow")
    small = {"x": np.array([[[[1, 0]]]], np.uint8), "w": np.array([[[[1, 1]]]], np.uint8), "b": None,
             "stride": 1, "padding": 0}
    large = {**small, "x": np.array([[[[200, 100]]]], np.uint8), "w": np.array([[[[2, 3]]]], np.uint8)}
    assert not mistake.matches(small, np.array([[[[1.0]]]]), Outcome(True, value=np.array([[[[-255.0]]]])))
    assert not mistake.matches({**small, "x": small["x"].astype(np.int64)}, np.array([[[[1.0]]]]),
                               Outcome(True, value=np.array([[[[-255.0]]]])))
    assert mistake.matches(large, np.array([[[[700.0]]]]), Outcome(True, value=np.array([[[[188.0]]]])))


NUMBERS_ONLY = '''
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(size, kernel, stride=1, padding=0):
    return float((size + 2 * padding - kernel) // stride + 1)


def conv2d_strided(x, w, b=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = [(v, v) if isinstance(v, int) else v for v in (stride, padding)]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.einsum("nchwkl,fckl->nfhw", sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::sh, ::sw], w)
    return (out if b is None else out + b.reshape(1, -1, 1, 1)).astype(np.int64)
'''


def test_the_lecture_checks_judge_the_numbers_as_the_try_it_cells_do(tmp_path):
    """A notebook's try-it cell calls 4.0 and an int64 feature map right; does the lecture's check agree,
    leaving the type of the answer to the checks that judge it?"""
    path = tmp_path / "exercise3_stride.py"
    path.write_text(NUMBERS_ONLY)
    tests = by_name(graded("exercise3", path))
    assert tests["output_size: the lecture's numbers"].status == "passed"
    assert tests["conv2d_strided: the lecture's examples"].status == "passed"
    assert tests["output_size: the formula, exactly"].status == "failed"
    assert "dtype int64" in tests["conv2d_strided: matches the reference"].output


def test_code_that_cannot_take_pairs_loses_the_pairs_check_only():
    """One feature per check: does a conv2d_strided written for int strides and paddings lose the pairs'
    point and nothing else?"""
    result = graded("exercise3", SUBMISSIONS / "exercise3" / "pair_not_handled.py")
    assert [test.name for test in result.tests if test.status != "passed"] == ["conv2d_strided: (for H, for W) pairs"]
