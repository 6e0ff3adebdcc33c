"""Does exercise 12 (binary CNN, training loop) judge only what the grader can verify?"""

import torch

from grader.catalog import exercise12_binary_cnn as declaration
from grader.catalog.keys import exercise12_binary_cnn as key
from grader.models.weights import sample_input
from grader.worker.torchcall_ops import seeded_fill_
from grader.reference.binary_cnn import CatDogCNN
from tests.conftest import SUBMISSIONS, by_name, graded


def test_the_factored_full_size_reference_is_the_reference_model_filled_in_full():
    """Are the logits the count check expects at image_size=200 those of the reference CatDogCNN, every
    parameter (the 40,960,000-weight matrix included) given the worker's seeded fill?"""
    torch.manual_seed(0)
    model = CatDogCNN(200)
    for parameter in model.parameters():
        seeded_fill_(parameter, declaration.FILL_SEED)
    x = torch.from_numpy(sample_input((2, 3, 200, 200), declaration.FULL_SIZE_INPUT))
    with torch.no_grad():
        expected = model(x).numpy()
    factored = key.full_size_logits(200, declaration.FILL_SEED, declaration.FULL_SIZE_INPUT)
    assert torch.allclose(torch.from_numpy(factored), torch.from_numpy(expected), rtol=1e-4, atol=1e-4)


def test_forged_worker_answers_earn_no_count_or_loop_points():
    """Does a file that swaps the worker's torchcall op for guessed claims (the right shapes, the start state
    sent back, plausible figures) score nothing on the count and the loop checks?"""
    result = by_name(graded("exercise12", SUBMISSIONS / "forged" / "exercise12_torchcall.py"))
    for name in ("CatDogCNN: 40,961,153 parameters at image_size=200",
                 "train_epoch: the reference's parameters and figures",
                 "evaluate: the figures, nothing updated",
                 "evaluate: no gradients",
                 "fit: Keras's history and the trained parameters"):
        assert result[name].score == 0 and result[name].status == "failed", (name, result[name].output)


def test_an_evaluate_that_computes_gradients_loses_the_no_gradients_check_alone_with_its_hint():
    """An evaluate without torch.no_grad() whose backward pass fills every .grad (and takes no step): does it
    pass every check but the one that hands over gradients, and does that one name the mistake?"""
    result = by_name(graded("exercise12", SUBMISSIONS / "exercise12" / "evaluate_computes_gradients.py"))
    failed = {name: test for name, test in result.items() if test.status != "passed"}
    assert list(failed) == ["evaluate: no gradients"]
    assert failed["evaluate: no gradients"].hint.startswith("evaluate computes gradients")
