"""Does exercise 10 (image data) tell right from wrong, beyond the catalog-wide cases?"""

import numpy as np

from grader import catalog
from tests.conftest import SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise10_image_data")


def test_loops_einsum_and_a_kept_dtype_get_full_marks():
    """Do a looped, einsum and moveaxis answer (float32 arithmetic, uint8 kept by channels_first) pass?"""
    result = graded("exercise10", SUBMISSIONS / "accepted" / "exercise10_loops.py")
    assert result.score == result.max_score, [t.output for t in result.tests if t.output]


def test_the_grey_levels_are_the_lectures():
    """Does the grayscale example use the slide's levels, 0, 35, 70, 105, 140, 175, 220, 255?"""
    check = next(check for check in EXERCISE.checks if check.name == "to_grayscale: the lecture's examples")
    image = check.examples[0].inputs["image"]
    assert image.dtype == np.uint8 and image[0, :, 0].tolist() == [0, 35, 70, 105, 140, 175, 220, 255]


def test_statistics_on_the_last_axis_fail_where_channels_and_width_differ():
    """Does broadcasting mean (C,) against W fail, on an input whose C and W differ?"""
    test = by_name(graded("exercise10", SUBMISSIONS / "exercise10" / "standardize_last_axis.py"))[
        "standardize: matches the reference"]
    _, C, _, W = test.counterexample.inputs["x"].shape
    assert test.status == "failed" and C != W


def test_a_missing_range_check_is_shown_the_label_minus_one():
    """Does the smallest counterexample for an unchecked one_hot hold the label -1?"""
    test = by_name(graded("exercise10", SUBMISSIONS / "exercise10" / "one_hot_no_range_check.py"))[
        "one_hot: a label out of range raises ValueError"]
    assert test.status == "failed" and -1 in test.counterexample.inputs["labels"]
    assert "expected ValueError naming the label" in test.output


def test_the_topic_name_resolves():
    """Does `grade image_data` find exercise 10, as `grade convolution` finds exercise 1?"""
    assert catalog.resolve("image_data") == catalog.resolve("10") == "exercise10_image_data"
