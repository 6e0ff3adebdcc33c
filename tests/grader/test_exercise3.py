"""Does exercise 3 (stride) tell right from wrong: full marks, zero, and every known mistake named?"""

from tests.conftest import SUBMISSIONS, by_name, graded


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


def test_forgotten_padding_is_named_beside_numpys_broadcast_error():
    """Issue 15: the student saw only 'operands could not be broadcast'; is the cause now named?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "padding_forgotten.py"))[
        "conv2d_strided: matches the reference"]
    assert "could not be broadcast" in test.output and "x is not padded" in test.hint
    assert test.counterexample.inputs["padding"] != 0


def test_a_loop_one_step_too_far_is_told_from_forgotten_padding_on_drawn_inputs():
    """Both raise the same NumPy error; do the drawn, shrunk inputs (padding 0) name the loop, not the padding?"""
    test = by_name(graded("exercise3", SUBMISSIONS / "exercise3" / "loop_past_the_end.py"))[
        "conv2d_strided: matches the reference"]
    assert "one step too far" in test.hint and "not padded" not in test.hint
