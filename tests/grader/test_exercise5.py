"""Does exercise 5 (flatten, dense) tell right from wrong: full marks, zero, every known mistake named?"""

import pytest

from grader import catalog
from tests.conftest import SUBMISSIONS, by_name, graded
from tests.grader.test_exercise4 import hints_on_fixed_examples, try_it_and_check_disagree

EXERCISE = catalog.load("exercise5_flatten")


@pytest.mark.parametrize("mistake_id", sorted({mistake.id for mistake in EXERCISE.mistakes}))
def test_each_named_mistake_is_caught_with_its_hint_by_the_fixed_examples_alone(mistake_id):
    """With nothing drawn at all, does this mistake's file fail a check with its hint?"""
    hints = hints_on_fixed_examples(EXERCISE, SUBMISSIONS / "exercise5" / f"{mistake_id}.py")
    assert any(EXERCISE.mistake(mistake_id).hint in hint for hint in hints), hints


def test_the_try_it_cells_and_the_check_cell_agree_on_every_lecture_example(capsys):
    """The layer by hand has int64 inputs: does an exact int64 answer pass the check cell's lecture check as
    its try-it cell says, and do the two agree on every other answer?"""
    assert not try_it_and_check_disagree(EXERCISE, capsys)


@pytest.mark.parametrize("seed", [0, 5])
def test_channels_last_flattening_fails_the_core_check_on_a_two_channel_map(seed):
    """Does the Keras order fail the core check at any seed, on a map with several channels and pixels?"""
    test = by_name(graded("exercise5", SUBMISSIONS / "exercise5" / "flatten_nhwc.py", seed))[
        "flatten: matches the reference"]
    x = test.counterexample.inputs["x"]
    assert test.status == "failed" and x.shape[1] > 1 and x[0, 0].size > 1


def test_an_int64_dense_layer_loses_only_the_integer_check_and_hears_why():
    """Exact values as int64: is that named (not a weight-layout hint) and only the integer check lost?"""
    result = graded("exercise5", SUBMISSIONS / "exercise5" / "dense_integer_output.py")
    failed = [test for test in result.tests if test.status == "failed"]
    assert [test.name for test in failed] == ["dense: integer inputs"]
    assert "holds integers" in failed[0].hint and "layout" not in failed[0].hint


def test_a_flatten_for_four_axes_only_loses_only_the_axes_check():
    """One feature per check: does an (N, C, H, W)-only flatten keep every point but 'any number of axes'?"""
    result = graded("exercise5", SUBMISSIONS / "exercise5" / "flatten_assumes_4d.py")
    assert {test.name for test in result.tests if test.status == "failed"} == {"flatten: any number of axes"}


def test_the_lecture_examples_name_the_parameter_counts():
    """Do the dense examples carry the summaries' counts, e.g. LeNet-5's 69,240, and count them?"""
    check = next(check for check in EXERCISE.checks if check.name == "dense: the lecture's examples")
    lenet = next(example for example in check.examples if "69,240" in example.name)
    assert lenet.expected.shape == (1, 120) and lenet.expected.sum() == 69_240


def test_each_function_is_checked_at_the_lectures_image_sizes():
    """Does each core check hold a 28x28 MNIST digit and a 32x32x3 CIFAR-10 image (flattened for dense)?"""
    cores = {check.functions[0]: check
             for check in EXERCISE.checks if check.name.endswith(": matches the reference")}
    assert {(1, 1, 28, 28), (1, 3, 32, 32)} <= {example["x"].shape for example in cores["flatten"].examples}
    assert {(1, 784), (1, 3072)} <= {example["x"].shape for example in cores["dense"].examples}


def test_a_flatten_that_keeps_the_input_dtype_gets_full_marks():
    """Is one reshape, which keeps uint8 and int64 input as it is, full marks (flattening computes nothing)?"""
    result = graded("exercise5", SUBMISSIONS / "accepted" / "exercise5_one_reshape.py")
    assert result.score == result.max_score, [t.output for t in result.tests if t.output]
