"""Does exercise 11 (data augmentation) tell right from wrong, beyond the catalog-wide cases?"""

import numpy as np

from grader import catalog
from tests.conftest import SUBMISSIONS, by_name, graded

EXERCISE = catalog.load("exercise11_augmentation")


def test_rounding_ties_to_even_and_a_rotation_matrix_get_full_marks():
    """Is np.rint (ties to even, not floor(v + 0.5)) with float32 grids, loops and slices full marks?"""
    result = graded("exercise11", SUBMISSIONS / "accepted" / "exercise11_round_half_even.py")
    assert result.score == result.max_score, [t.output for t in result.tests if t.output]


def test_rotating_about_the_corner_is_caught_on_an_image_larger_than_a_pixel():
    """Does the corner rotation fail on an image where the centre matters, with the rotation's hint?"""
    test = by_name(graded("exercise11", SUBMISSIONS / "exercise11" / "rotate_about_corner.py"))[
        "rotate: matches the reference"]
    assert test.status == "failed" and max(test.counterexample.inputs["image"].shape[1:]) > 1
    assert "centre" in test.hint


def test_wrapping_around_shows_the_pixel_that_came_back():
    """Does np.roll fail where a pixel left one edge, with fill expected there?"""
    test = by_name(graded("exercise11", SUBMISSIONS / "exercise11" / "shift_wraps_around.py"))[
        "shift: matches the reference"]
    assert test.status == "failed" and "differs at" in test.counterexample.differences
    assert test.counterexample.inputs["dy"] != 0 or test.counterexample.inputs["dx"] != 0


def test_rot90_on_the_channel_axis_is_a_shape_error_with_the_rule():
    """Does np.rot90 without axes fail on shape, and does the message say C stays first?"""
    test = by_name(graded("exercise11", SUBMISSIONS / "exercise11" / "rotate90_default_axes.py"))[
        "rotate90: matches np.rot90"]
    assert test.status == "failed" and "C stays first" in test.output


def test_the_topic_name_resolves():
    """Does `grade augmentation` find exercise 11, as `grade convolution` finds exercise 1?"""
    assert catalog.resolve("augmentation") == catalog.resolve("exercise11") == "exercise11_augmentation"


def test_every_example_the_notebook_tries_is_judged_by_a_check_with_the_answer_it_shows():
    """Is each F the notebook's try-it cells show a fixed example of a check of that function, whose right
    answer is the one the cell shows (so that the try-it cell and the check cell agree)?"""
    from grader.catalog.exercise11_augmentation import WORKED
    from grader.reference import augmentation as ref

    def same(example, inputs):
        return example.keys() == inputs.keys() and all(np.array_equal(example[name], inputs[name]) for name in inputs)

    for function, (inputs, shown) in WORKED.items():
        assert any(function in check.functions and any(same(example, inputs) for example in check.examples)
                   for check in EXERCISE.checks), function
        assert np.array_equal(getattr(ref, function)(**inputs), shown), function


def test_a_fill_that_never_takes_effect_loses_only_the_fill_checks():
    """np.zeros where np.full(shape, fill) belongs: do exactly the three fill checks fail, with the fill hint?"""
    from grader.catalog.exercise11_augmentation import FILL_IGNORED

    tests = by_name(graded("exercise11", SUBMISSIONS / "exercise11" / "fill_ignored.py"))
    failed = {name: test for name, test in tests.items() if test.status == "failed"}
    assert set(failed) == {"shift: a fill value", "rotate and shear: a fill value", "zoom: a fill value"}
    assert all(FILL_IGNORED in test.hint for test in failed.values())
