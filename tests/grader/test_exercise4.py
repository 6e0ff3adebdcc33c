"""Does exercise 4 (pooling) tell right from wrong: full marks, zero, and every known mistake named?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_a_max_pool_that_keeps_the_last_element_fails_on_random_values():
    """Does the 'bottom-right element' max pool, which passes on monotone inputs, fail the reference check?"""
    test = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "max_last_element.py"))["max_pool2d: matches the reference"]
    assert test.status == "failed" and test.counterexample.kind == "smallest failing input"


def test_a_max_starting_at_zero_breaks_the_shift_invariant():
    """Does adding a constant expose a running max that starts at 0?"""
    test = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "max_starts_at_zero.py"))[
        "max_pool2d: commutes with adding a constant"]
    assert test.status == "failed" and "adding c =" in test.output


def test_a_truncating_average_passes_the_lecture_example_but_not_the_pixels():
    """The lecture's averages are whole numbers; do the uint8 pixel checks still catch // ?"""
    tests = by_name(graded("exercise4", SUBMISSIONS / "exercise4" / "avg_integer_truncation.py"))
    assert tests["avg_pool2d: the lecture's example"].status == "passed"
    assert tests["avg_pool2d: uint8 pixel images"].status == "failed"
