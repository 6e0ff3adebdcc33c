"""Does exercise 6 (LeNet-5) tell right from wrong: full marks, zero, and every known mistake named?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_functional_layers_in_one_forward_get_full_marks():
    """Does a LeNet written with torch.nn.functional and unusual attribute names pass like the solution?"""
    result = graded("exercise6", SUBMISSIONS / "accepted" / "exercise6_functional.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_a_wrong_activation_is_located_between_the_layers():
    """Does the ReLU LeNet hear where its outputs part from the reference, and the logits' shape?"""
    test = by_name(graded("exercise6", SUBMISSIONS / "exercise6" / "relu_instead_of_tanh.py"))[
        "LeNet5: outputs match the reference"]
    assert "agrees with the reference up to the output of Conv2d(3 -> 6" in test.output
    assert test.counterexample.expected.shape == test.counterexample.actual.shape
    assert test.counterexample.inputs["x"].startswith("np.random.default_rng(")


def test_a_wrong_activation_keeps_the_points_its_outputs_bear_out():
    """ReLU for tanh: with the grader's weights it computes the ReLU LeNet, which verifies its layers; does it
    keep structure, count and training points and lose only the outputs check?"""
    result = graded("exercise6", SUBMISSIONS / "exercise6" / "relu_instead_of_tanh.py")
    assert [test.name for test in result.tests if test.status != "passed"] == ["LeNet5: outputs match the reference"]


def test_a_forward_pass_that_fails_says_its_hint_once_beside_the_layers_it_called():
    """A LeNet whose forward pass fails (valid padding, the first dense layer still 576 inputs): is the hint
    said once, on the first check that met the failure, with the layers it called beside the reference's?"""
    result = graded("exercise6", SUBMISSIONS / "hostile_models" / "forward_fails.py")
    assert result.score == 0 and [test.name for test in result.tests if test.hint] == \
        ["LeNet5: layers and output shapes"]
    layers = by_name(result)["LeNet5: layers and output shapes"].layers
    assert [row["got"]["layer"] for row in layers["rows"] if row["got"]] == \
        ["Conv2d(3 -> 6, 5x5, stride 1, padding 0)", "Conv2d(6 -> 16, 5x5, stride 1, padding 0)"]
    assert layers["first_difference"] == 0 and len(layers["rows"]) == 5
    assert all("mat1 and mat2 shapes cannot be multiplied" in test.output for test in result.tests)


def test_a_count_needs_no_forward_pass():
    """Does the count check of that LeNet say its 83,126 parameters are right, and that it loses the point
    only because no output bears its layers out?"""
    count = by_name(graded("exercise6", SUBMISSIONS / "hostile_models" / "forward_fails.py"))[
        "LeNet5: 83,126 parameters"]
    assert count.status == "failed" and count.output.startswith(
        "LeNet5(num_classes=10) has the expected 83,126 trainable parameters, but the grader counts only layers "
        "that its outputs bear out, and its forward pass fails: LeNet5(num_classes=10) raised RuntimeError")


def test_a_lenet_fitted_to_small_batches_loses_the_points_of_every_check_that_runs_a_batch_of_64():
    """A LeNet right for batches of up to 8 images and zeros beyond (tests/submissions/overfitted): do the
    outputs and training checks, which run a fixed batch of 64 at every seed, cost it their points?"""
    result = graded("exercise6", SUBMISSIONS / "overfitted" / "exercise6.py")
    failed = {test.name for test in result.tests if test.status == "failed"}
    assert failed == {"LeNet5: outputs match the reference", "LeNet5: trains"}, failed
    assert result.score <= 4
