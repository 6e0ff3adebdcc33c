"""Does exercise 17 (backward passes) accept every right answer and name the wrong ones?"""

import types

import numpy as np
import pytest
from hypothesis import find

from grader import catalog
from grader.catalog import exercise17_backprop as declaration
from grader.deferred import built
from tests.conftest import SUBMISSIONS, by_name, graded
from tests.grader.test_exercise4 import hints_on_fixed_examples, try_it_and_check_disagree

EXERCISE = catalog.load("exercise17_backprop")
VECTORISED = SUBMISSIONS / "accepted" / "exercise17_vectorised.py"


def _load(path):
    """The file run from its text, not imported: no bytecode cache is written beside the submission."""
    module = types.ModuleType("vectorised")
    exec(compile(path.read_text(), path, "exec"), vars(module))
    return module


@pytest.mark.parametrize("mistake_id", sorted({mistake.id for mistake in EXERCISE.mistakes}))
def test_each_named_mistake_is_caught_with_its_hint_by_the_fixed_examples_alone(mistake_id):
    """With nothing drawn at all, does this mistake's file fail a check with its hint?"""
    hints = hints_on_fixed_examples(EXERCISE, SUBMISSIONS / "exercise17" / f"{mistake_id}.py")
    assert any(EXERCISE.mistake(mistake_id).hint in hint for hint in hints), hints


def test_the_try_it_cell_and_the_check_cell_agree_on_the_lecture_example(capsys):
    """Does an answer that 'matches the lecture's answer' in the try-it cell pass the check cell's lecture
    check, whatever its dtype, and every other answer fail both?"""
    assert not try_it_and_check_disagree(EXERCISE, capsys)


def test_vectorised_answers_that_pick_the_last_tied_maximum_get_full_marks():
    """np.add.at, einsum and sliding windows, ties sent to the LAST maximum: all right, 10/10?"""
    result = graded("exercise17", VECTORISED)
    assert result.score == result.max_score, [test.output for test in result.tests if test.output]


def test_the_ties_check_draws_ties_where_the_last_maximum_differs_from_torchs_first():
    """Is the tie acceptance exercised: some drawn input's answer differs from the reference yet is accepted?"""
    last = _load(VECTORISED).max_pool2d_backward
    reference = declaration.key.max_pool2d_backward
    inputs = find(built(declaration.pool_inputs(feature="ties")),
                  lambda drawn: not np.allclose(last(**drawn), reference(**drawn)))
    assert declaration.one_maximum_each(inputs["dout"], declaration.key.window_maxima(**inputs), last(**inputs))


def test_a_window_of_four_tied_maxima_accepts_each_single_choice_and_rejects_all_or_a_split():
    """One 2x2 window of equal values, dout 1: is each one-hot dx accepted, and no other?"""
    inputs = {"dout": np.array([[[[1.0]]]]), "x": np.ones((1, 1, 2, 2)), "size": 2, "stride": 2}
    maxima = declaration.key.window_maxima(**inputs)
    def fits(dx):
        return declaration.one_maximum_each(inputs["dout"], maxima, np.array(dx, dtype=float).reshape(1, 1, 2, 2))

    for valid in ([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]):
        assert fits(valid), valid
    for wrong in ([1, 1, 1, 1], [0.5, 0.5, 0, 0], [0, 0, 0, 0], [2, 0, 0, 0], [1, -1, 1, 0]):
        assert not fits(wrong), wrong


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize("mistake", ["max_pool_assigns", "avg_pool_assigns", "max_pool_mask_assigns"])
def test_assigning_where_windows_overlap_is_caught_with_its_hint_beyond_the_five_seeds(mistake, seed):
    """`=` for `+=` in pooling's backward passed at seed 0 once, caught at one seed of seven: is it caught on
    the overlapping-windows check, with its hint, at seeds 5 and 6 too (0-4: test_catalog, test_judgement)?"""
    function = "avg_pool2d_backward" if mistake.startswith("avg") else "max_pool2d_backward"
    test = by_name(graded("exercise17", SUBMISSIONS / "exercise17" / f"{mistake}.py", seed))[
        f"{function}: overlapping windows"]
    assert test.status == "failed" and EXERCISE.mistake(mistake).hint in test.hint


def test_cropping_with_minus_padding_fails_exactly_where_the_padding_is_zero():
    """dx_padded[p:-p] is empty at p = 0: does that file pass the padding check, fail the core one, and hear why?"""
    tests = by_name(graded("exercise17", SUBMISSIONS / "exercise17" / "crop_minus_padding.py"))
    assert tests["conv2d_backward: padding"].status == "passed"
    core = tests["conv2d_backward: matches the reference"]
    assert core.status == "failed" and "0:-0" in core.hint


def test_a_wrong_numerical_gradient_is_reported_as_such():
    """One-sided differences pass on linear layers: are they still caught, on the quadratic, with the formula?"""
    test = by_name(graded("exercise17", SUBMISSIONS / "exercise17" / "one_sided_difference.py"))[
        "numerical_gradient: central differences"]
    assert test.status == "failed" and "2*a*x + c" in test.output


@pytest.mark.parametrize("seed", [0, 5])
def test_a_wrong_backward_pass_fails_gradient_checking_against_the_students_own_numerical_gradient(seed):
    """Is ReLU's mask for its gradient caught by gradient checking at any seed, on the fixed 28x28 image?"""
    test = by_name(graded("exercise17", SUBMISSIONS / "exercise17" / "relu_mask_only.py", seed))[
        "gradient checking with your numerical_gradient"]
    assert test.status == "failed" and "disagrees with your numerical_gradient" in test.output


def test_every_check_family_has_a_case_at_the_lectures_image_sizes():
    """Does each function's checks hold a 28x28 (MNIST) and a 32x32x3 (CIFAR-10) case, flattened for dense?"""
    def sizes(example: dict) -> set:
        arrays = [value for value in example.values() if isinstance(value, np.ndarray)]
        arrays += [value for value in example.get("inputs", {}).values() if isinstance(value, np.ndarray)]
        return {array.size for array in arrays}

    for function in EXERCISE.functions:
        found = set().union(*(sizes(example) for check in EXERCISE.checks if function in check.functions[:1]
                              for example in getattr(check, "examples", ()) if isinstance(example, dict)))
        assert {28 * 28, 3 * 32 * 32} <= found, function


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
    examples = [by_name(run)["max_pool2d_backward: tied maxima"].counterexample.to_dict() for run in runs]
    assert examples[0] == examples[1]


def test_a_backward_pass_off_the_truth_but_near_its_numerical_gradient_still_fails_with_a_message():
    """Truth 0, numerical gradient 9e-5 (within tolerance of it), backward 1.5e-4 (within tolerance
    of the numerical one, not of the truth): does gradient checking fail, naming the true gradient,
    instead of raising an internal error?"""
    inputs = {"dout": np.zeros((1, 1)), "x": np.ones((1, 1))}
    outcome = types.SimpleNamespace(value=np.full((1, 1), 1.5e-4))
    session = types.SimpleNamespace(last_outcome=outcome, call=lambda function, arguments: outcome.value,
                                    request=lambda *args, **kwargs: {"gradient": np.full((1, 1), 9e-5)})
    with pytest.raises(declaration.Falsified) as failed:
        declaration._gradient_check(session, {"layer": "relu", "wrt": "x", "inputs": inputs})
    assert "relu_backward's dx disagrees with the true gradient" in str(failed.value)
