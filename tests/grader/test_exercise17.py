"""Does exercise 17 (backward passes) accept every right answer and name the wrong ones?"""

import importlib.util

import numpy as np
from hypothesis import find

from grader.catalog import exercise17_backprop as declaration
from reference import backprop as ref
from tests.conftest import SUBMISSIONS, by_name, graded

VECTORISED = SUBMISSIONS / "accepted" / "exercise17_vectorised.py"


def _load(path):
    spec = importlib.util.spec_from_file_location("vectorised", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vectorised_answers_that_pick_the_last_tied_maximum_get_full_marks():
    """np.add.at, einsum and sliding windows, ties sent to the LAST maximum: all right, 10/10?"""
    result = graded("exercise17", VECTORISED)
    assert result.score == result.max_score, [test.output for test in result.tests if test.output]


def test_the_checks_do_draw_ties_where_the_last_maximum_differs_from_torchs_first():
    """Is the tie acceptance exercised: some drawn input's answer differs from the reference yet is accepted?"""
    last = _load(VECTORISED).max_pool2d_backward
    inputs = find(declaration.pool_inputs(),
                  lambda drawn: not np.allclose(last(**drawn), ref.max_pool2d_backward(**drawn)))
    assert declaration.one_maximum_each(**inputs, dx=last(**inputs))


def test_overlapping_windows_sharing_a_tie_accept_every_choice_and_reject_all_or_split():
    """Two overlapping 1x2 windows over [5, 5, 5]: each picks one 5; every such dx, and no other, passes."""
    x, dout = np.array([[[[5.0, 5.0, 5.0]]]]), np.array([[[[1.0, 2.0]]]])
    fits = lambda dx: declaration.one_maximum_each(dout, x, (1, 2), 1, dx=np.array(dx, dtype=float)[None, None, None])
    for valid in ([1, 2, 0], [0, 3, 0], [1, 0, 2], [0, 1, 2]):
        assert fits(valid), valid
    for wrong in ([1, 3, 2], [0.5, 1.5, 1], [3, 0, 0], [0, 0, 3], [2, 1, 0]):
        assert not fits(wrong), wrong


def test_a_wrong_numerical_gradient_is_reported_as_such_in_gradient_checking():
    """One-sided differences pass on linear layers: are they still caught, on the quadratic, with the formula?"""
    test = by_name(graded("exercise17", SUBMISSIONS / "exercise17" / "one_sided_difference.py"))[
        "numerical_gradient: central differences"]
    assert test.status == "failed" and "2*a*x + c" in test.output


def test_a_wrong_backward_pass_fails_gradient_checking_against_the_students_own_numerical_gradient():
    test = by_name(graded("exercise17", SUBMISSIONS / "exercise17" / "padding_not_cropped.py"))[
        "gradient checking with your numerical_gradient"]
    assert test.status == "failed" and "disagrees with your numerical_gradient" in test.output


def test_the_tie_breaking_of_distinct_inputs_is_a_fixed_function_of_x():
    """Same x, same distinct values, whatever was drawn before: no hidden generator state."""
    x = np.zeros((1, 2, 3, 3))
    first = declaration.distinct(x)
    declaration.distinct(np.zeros((2, 2, 5, 5)))
    assert np.array_equal(first, declaration.distinct(x))


def test_the_same_file_and_seed_give_the_same_score_and_counterexample():
    from grader.grading import grade

    path = SUBMISSIONS / "exercise17" / "to_every_tied_maximum.py"
    runs = [graded("exercise17", path), grade(["exercise17"], submission=path, seed=0).exercises[0]]
    assert runs[0].score == runs[1].score
    examples = [by_name(run)["max_pool2d_backward: matches the reference"].counterexample.to_dict() for run in runs]
    assert examples[0] == examples[1]
