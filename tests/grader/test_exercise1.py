"""Does exercise 1 tell right from wrong: full marks, zero, and every known mistake named?"""

from tests.conftest import ROOT, SUBMISSIONS, graded


def test_a_student_kit_skips_the_hidden_check_and_says_so():
    """Without hidden checks (a student release), is the total 10 and the hidden point announced?"""
    from grader.grading import grade

    result = grade(["exercise1"], submission=ROOT / "solutions", include_hidden=False).exercises[0]
    assert result.max_score == 10 and all(test.visibility == "visible" for test in result.tests)
    assert any("Hidden checks worth 1 point(s)" in note for note in result.notes)


def test_a_failure_shows_the_smallest_input_expected_and_actual():
    """Does a failing property check report a shrunk input, both arrays and where they differ?"""
    result = graded("exercise1", SUBMISSIONS / "exercise1" / "flipped_kernel.py")
    test = next(t for t in result.tests if t.name == "correlate2d: matches the reference")
    example = test.counterexample
    assert example.kind == "smallest failing input"
    assert example.inputs["kernel"].size <= 6  # shrunk from kernels up to 12x12
    assert example.expected.shape == example.actual.shape
    assert "differs at" in example.differences


def test_the_lecture_erratum_is_explained_when_the_x_example_fails():
    """Does a student who reproduces the slide's 3 in the centre hear that the true value is 5?"""
    result = graded("exercise1", SUBMISSIONS / "exercise1" / "off_by_one.py")
    test = next(t for t in result.tests if t.name == "correlate2d: the lecture's examples")
    assert "true value is 5" in test.hint


def test_the_same_seed_gives_the_same_verdicts_and_counterexamples():
    """Is grading deterministic: two runs with one seed agree on scores and counterexamples?"""
    from grader.grading import grade

    path = SUBMISSIONS / "exercise1" / "one_channel.py"

    def summary(seed):
        result = grade(["exercise1"], submission=path, seed=seed).exercises[0]
        return [(t.name, t.score, t.output, t.counterexample and t.counterexample.to_dict()) for t in result.tests]

    assert summary(3) == summary(3)


def test_code_fitted_to_the_drawn_sizes_loses_points_at_the_lectures_sizes():
    """A conv2d right up to 12x12 and all zeros beyond: do the visible checks' 28x28 and 32x32x3 cases cost it points?"""
    result = graded("exercise1", SUBMISSIONS / "overfitted" / "exercise1.py")
    failed = {test.name for test in result.tests if test.status == "failed" and test.visibility == "visible"}
    assert {"correlate2d: matches the reference", "conv2d: matches the reference (no bias)"} <= failed
    shapes = [test.counterexample.inputs.get("x", test.counterexample.inputs.get("image")).shape
              for test in result.tests if test.name in failed and test.counterexample]
    assert (28, 28) in shapes and (1, 3, 32, 32) in shapes
