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


def test_statistics_on_the_last_axis_are_named_where_they_broadcast_and_where_they_raise():
    """mean (C,) against W: is it named where C == W (wrong values, the first fixed example) and, by the
    exception's type alone, where C != W makes NumPy raise?"""
    from grader.catalog.exercise10_image_data import LAST_AXIS, STANDARDIZE_FIXED
    from grader.worker.wire import Outcome

    test = by_name(graded("exercise10", SUBMISSIONS / "exercise10" / "standardize_last_axis.py"))[
        "standardize: matches the reference"]
    _, C, _, W = test.counterexample.inputs["x"].shape
    assert test.status == "failed" and C == W and LAST_AXIS in test.hint
    raised = Outcome(False, error={"type": "ValueError", "message": "any wording at all"})
    mistakes = [mistake for mistake in EXERCISE.mistakes if mistake.id == "standardize_last_axis"]
    assert STANDARDIZE_FIXED[1]["x"].shape[-1] != len(STANDARDIZE_FIXED[1]["mean"])
    assert any(mistake.matches(STANDARDIZE_FIXED[1], None, raised) for mistake in mistakes)


def test_a_missing_range_check_is_shown_the_label_minus_one():
    """Does the smallest counterexample for an unchecked one_hot hold the label -1?"""
    test = by_name(graded("exercise10", SUBMISSIONS / "exercise10" / "one_hot_no_range_check.py"))[
        "one_hot: a label out of range raises ValueError"]
    assert test.status == "failed" and -1 in test.counterexample.inputs["labels"]
    assert "expected ValueError naming the label" in test.output


def test_the_topic_name_resolves():
    """Does `grade image_data` find exercise 10, as `grade convolution` finds exercise 1?"""
    assert catalog.resolve("image_data") == catalog.resolve("10") == "exercise10_image_data"


def test_right_values_in_float64_pass_the_lecture_example_as_the_try_it_cell_says():
    """normalize in float64: does the lecture's example pass, as the notebook's try-it cell (which compares
    values) says it matches, and only the float32 check fail?"""
    tests = by_name(graded("exercise10", SUBMISSIONS / "exercise10" / "normalize_float64.py"))
    assert [name for name, test in tests.items() if test.status == "failed"] == [
        "normalize: float32, as the lecture converts"]


def test_the_notebooks_channels_first_example_is_judged_by_a_check():
    """Is the 2x3 RGB image the notebook tries channels_first on one of the core check's fixed examples, with
    the answer the notebook shows?"""
    from grader.catalog.exercise10_image_data import SMALL_RGB, SMALL_RGB_CHANNELS_FIRST

    check = next(check for check in EXERCISE.checks if check.name == "channels_first: matches the reference")
    assert any(example["images"] is SMALL_RGB for example in check.examples)
    assert np.array_equal(SMALL_RGB_CHANNELS_FIRST, np.moveaxis(SMALL_RGB, -1, 0)[np.newaxis])


def test_a_grayscale_written_for_one_image_loses_only_the_batch_point():
    """image[:, :, 0] is right for (H, W, 3): does only the batch check fail, with the hint to index from the end?"""
    tests = by_name(graded("exercise10", SUBMISSIONS / "exercise10" / "grayscale_no_batch.py"))
    failed = [test for test in tests.values() if test.status == "failed"]
    assert [test.name for test in failed] == ["to_grayscale: a batch of images"] and "image[..., 0]" in failed[0].hint
