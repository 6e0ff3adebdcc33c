"""Does exercise 5 (flatten, dense) tell right from wrong: full marks, zero, every known mistake named?"""

from grader import catalog
from tests.conftest import SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise5_flatten")


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


def test_a_flatten_that_keeps_the_input_dtype_gets_full_marks():
    """Is one reshape, which keeps uint8 and int64 input as it is, full marks (flattening computes nothing)?"""
    result = graded("exercise5", SUBMISSIONS / "accepted" / "exercise5_one_reshape.py")
    assert result.score == result.max_score, [t.output for t in result.tests if t.output]
