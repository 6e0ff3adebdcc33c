"""Does exercise 13 (autoencoders) verify training instead of believing the worker?"""

from tests.conftest import SUBMISSIONS, by_name, graded


def test_a_forged_sgd_op_does_not_earn_the_training_points():
    """A correct model whose file replaces the worker's SGD op with made-up parameters: does the training
    check fail (the grader's replay differs) while every other check passes?"""
    result = by_name(graded("exercise13", SUBMISSIONS / "forged" / "exercise13_torchcall.py"))
    training = result.pop("Training with nn.BCELoss lowers the loss")
    assert training.score == 0 and "moved differently from the reference's" in training.output
    assert all(test.score == test.max_score for test in result.values()), \
        {name: test.output for name, test in result.items() if test.score < test.max_score}
