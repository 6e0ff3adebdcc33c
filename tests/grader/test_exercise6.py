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
