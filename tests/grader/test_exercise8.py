"""Does exercise 8 (the residual block) tell right from wrong: full marks, zero, every mistake named?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_a_block_that_computes_its_shortcut_first_scores_full_marks():
    """Is a block whose forward calls the shortcut before the branch (other call order) graded alike?"""
    result = graded("exercise8", SUBMISSIONS / "accepted" / "exercise8_shortcut_first.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_an_in_place_shortcut_fails_only_on_gradients_with_the_line():
    """Outputs are right; does only the gradient check fail, quoting the in-place line?"""
    result = graded("exercise8", SUBMISSIONS / "exercise8" / "inplace_shortcut.py")
    failed = [test for test in result.tests if test.status != "passed"]
    assert [test.name for test in failed] == ["ResidualBlock: gradients match the reference"]
    assert "identity += out" in failed[0].output


def test_the_same_seed_gives_the_same_verdicts_and_counterexamples():
    """Are model checks deterministic: same seed, same scores, messages and counterexamples?"""
    from grader.grading import grade

    path = SUBMISSIONS / "exercise8" / "relu_before_addition.py"

    def summary(seed):
        result = grade(["exercise8"], submission=path, seed=seed).exercises[0]
        return [(t.name, t.score, t.output, t.counterexample and t.counterexample.to_dict()) for t in result.tests]

    assert summary(3) == summary(3)


def test_a_block_whose_forward_pass_fails_is_still_counted_layer_by_layer():
    """Without a projection, 64 -> 128 with stride 2 fails in forward: does the count check still count its
    parameters, naming the shortcut's layers it lacks, instead of repeating the forward error?"""
    count = by_name(graded("exercise8", SUBMISSIONS / "exercise8" / "missing_projection.py"))[
        "ResidualBlock: 230,144 parameters (64 -> 128, stride 2)"]
    assert count.output.startswith("ResidualBlock(in_channels=64, out_channels=128, stride=2) has 221,696 trainable "
                                   "parameters, expected 230,144")
    assert "expected Conv2d(64 -> 128, 1x1, stride 2, padding 0, bias=False): 8,192" in count.output


def test_a_missing_projection_costs_only_the_projection_checks():
    """One feature per check: does a block without a projection shortcut keep every point of the checks on
    blocks that keep the shape, and lose exactly the projection's (channels, stride 2, its count)?"""
    result = graded("exercise8", SUBMISSIONS / "exercise8" / "missing_projection.py")
    assert {test.name for test in result.tests if test.status != "passed"} == {
        "ResidualBlock: a projection shortcut when the channels change",
        "ResidualBlock: a projection shortcut when the stride is 2",
        "ResidualBlock: 230,144 parameters (64 -> 128, stride 2)"}
