"""Is the reference for exercise 12 the lecture's model, and its loop what torch's own pieces compute?"""

import math

import pytest
import torch
from torch import nn

from grader.reference import binary_cnn as ref


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_the_lecture_model_has_40_961_153_parameters():
    """896 + 40,960,128 + 129 at image_size=200 (counted on the meta device: no 164 MB allocated)?"""
    with torch.device("meta"):
        model = ref.CatDogCNN(200)
    assert count(model) == 40_961_153
    assert [count(layer) for layer in (model.features[0], model.classifier[0], model.classifier[2])] == \
        [896, 40_960_128, 129]


def test_initialisation_is_he_uniform():
    """Are the weights within +-sqrt(6 / fan_in) and spread over it, the biases zero, as Keras's he_uniform?"""
    torch.manual_seed(0)
    model = ref.CatDogCNN(16)
    for layer, fan_in in ((model.features[0], 27), (model.classifier[0], 32 * 8 * 8), (model.classifier[2], 128)):
        bound = math.sqrt(6 / fan_in)
        assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound
        assert torch.count_nonzero(layer.bias) == 0
    torch.manual_seed(0)
    kaiming = nn.init.kaiming_uniform_(torch.empty(128, 2048), nonlinearity="relu")
    assert kaiming.abs().max() <= math.sqrt(6 / 2048)


def test_logits_for_200x200_images():
    """Does a batch of two 200x200 images give logits of shape (2, 1)?"""
    model = ref.CatDogCNN(200)
    assert model(torch.rand(2, 3, 200, 200)).shape == (2, 1)


def batches(sizes, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, 3, 4, 4, generator=generator, dtype=torch.float64),
             torch.randint(0, 2, (n, 1), generator=generator).double()) for n in sizes]


def small_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(8, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1)).double()


def test_train_epoch_is_torch_optim_sgd_with_bce_with_logits():
    """Does train_epoch move the parameters as torch.optim.SGD and nn.BCEWithLogitsLoss would, and report
    means over samples of each batch's pre-step figures?"""
    loader = batches((4, 4, 3))
    mine, theirs = small_model(), small_model()
    torch.manual_seed(5)
    loss, accuracy = ref.train_epoch(mine, loader, ref.SGD(mine.parameters(), lr=0.5))
    torch.manual_seed(5)
    theirs.train()
    optimizer, figures = torch.optim.SGD(theirs.parameters(), lr=0.5), []
    for x, y in loader:
        optimizer.zero_grad()
        logits = theirs(x)
        batch_loss = nn.BCEWithLogitsLoss()(logits, y)
        batch_loss.backward()
        optimizer.step()
        figures.append((batch_loss.item() * len(x), ((logits > 0).double() == y).sum().item()))
    assert all(torch.equal(a, b) for a, b in zip(mine.state_dict().values(), theirs.state_dict().values()))
    assert loss == pytest.approx(sum(f[0] for f in figures) / 11)
    assert accuracy == pytest.approx(sum(f[1] for f in figures) / 11)


def test_evaluate_changes_nothing_and_puts_the_mode_back():
    """Does evaluate run in eval mode under no_grad, leave every parameter and statistic, and restore train mode?"""
    model = small_model().train()
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    loss, _ = ref.evaluate(model, batches((3, 2), seed=1))
    assert model.training and all(torch.equal(before[name], tensor) for name, tensor in model.state_dict().items())
    model.eval()
    with torch.no_grad():
        summed = nn.BCEWithLogitsLoss(reduction="sum")
        expected = sum(summed(model(x), y).item() for x, y in batches((3, 2), seed=1)) / 5
    assert loss == pytest.approx(expected)


def test_binary_accuracy_thresholds_logits_at_zero_and_ignores_the_target_shape():
    logits = torch.tensor([[0.3], [-0.2], [0.0], [2.0]])
    assert ref.binary_accuracy(logits, torch.tensor([[1.0], [0.0], [1.0], [0.0]])) == 0.5
    assert ref.binary_accuracy(logits, torch.tensor([1.0, 0.0, 1.0, 0.0])) == 0.5


def test_fit_returns_keras_history_keys_one_entry_per_epoch():
    model = small_model()
    history = ref.fit(model, batches((4, 3)), batches((2,), seed=1), 3, ref.SGD(model.parameters(), lr=0.1))
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(values) == 3 for values in history.values())
