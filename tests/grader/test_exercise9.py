"""Does exercise 9 (transfer learning) tell right from wrong: full marks, zero, every mistake named?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_a_sequential_model_with_requires_grad_method_scores_full_marks():
    """Does nn.Sequential(base, Flatten, ...) with module.requires_grad_(False) pass like the solution?"""
    result = graded("exercise9", SUBMISSIONS / "accepted" / "exercise9_sequential.py")
    assert result.score == result.max_score, [t.output for t in result.tests]


def test_an_attribute_instead_of_a_freeze_is_named_by_the_freeze_check():
    """Does `module.requires_grad = False` fail freeze() itself, with the attribute hint and not another?"""
    test = by_name(graded("exercise9", SUBMISSIONS / "exercise9" / "requires_grad_attribute.py"))[
        "freeze: no parameter trains any more"]
    assert test.status == "failed" and "still train (requires_grad=True)" in test.output
    assert test.hint.startswith("`module.requires_grad = False` freezes nothing")


def test_a_sigmoid_on_the_logits_keeps_the_points_of_the_layers():
    """A sigmoid in forward has the right layers: does it keep freeze's and the VGG16 count's points (its outputs
    bear the layers out) and lose those of the checks that compare outputs or training steps?"""
    result = graded("exercise9", SUBMISSIONS / "exercise9" / "sigmoid_in_forward.py")
    assert {test.name for test in result.tests if test.status != "passed"} == {
        "TransferModel: outputs match the reference", "TransferModel: the base stays in eval mode",
        "trainable_parameters: only the head trains"}
