"""Does exercise 13 (autoencoders) verify training instead of believing the worker?"""

import pytest

from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

SIZES = "Autoencoder: input_dim, hidden and code_dim take effect"


def test_a_forged_sgd_op_does_not_earn_the_training_points():
    """A correct model whose file replaces the worker's SGD op with made-up parameters: does the training
    check fail (the grader's replay differs) while every other check passes?"""
    result = by_name(graded("exercise13", SUBMISSIONS / "forged" / "exercise13_torchcall.py"))
    training = result.pop("Training with nn.BCELoss lowers the loss")
    assert training.score == 0 and "moved differently from the reference's" in training.output
    assert all(test.score == test.max_score for test in result.values()), \
        {name: test.output for name, test in result.items() if test.score < test.max_score}


@pytest.mark.parametrize("line", ["input_dim = 784", "hidden = (128, 64)", "code_dim = 32"])
def test_an_autoencoder_that_ignores_one_argument_loses_the_sizes_check_with_its_hint(line, tmp_path):
    """With `line` as the first statement of Autoencoder.__init__ (one argument ignored), does the solution lose
    the check that changes each argument, named by the hint, and keep the core checks on Autoencoder()?"""
    source = (ROOT / "solutions" / "exercise13_autoencoder.py").read_text(encoding="utf-8")
    call = "        super().__init__()\n"
    path = tmp_path / "exercise13_autoencoder.py"
    path.write_text(source.replace(call, f"{call}        {line}\n", 1), encoding="utf-8")
    result = by_name(graded("exercise13", path))
    assert [name for name, test in result.items() if test.status != "passed"] == [SIZES]
    assert result[SIZES].hint.startswith("Built with other sizes, your Autoencoder has the layers of Autoencoder()")
