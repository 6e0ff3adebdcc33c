"""Are the grader's weights a function of data: the reference's init table and the seed, the same in the kit?"""

import math

import numpy as np
import pytest
import torch
from torch import nn

from grader.catalog import exercise9_transfer
from grader.models.modules import undrawn
from grader.models.weights import init_table, load_state, randomized_state
from grader.worker.torch_inspect import build_base
from grader.reference import autoencoder, binary_cnn, inception, models, vgg


def randomize(model: nn.Module, seed: int) -> nn.Module:
    """The grader's weights as the course drew them until the kit needed them without a reference module:
    in place, module by module (kept here, verbatim, as what randomized_state must reproduce)."""
    generator = torch.Generator().manual_seed(seed)

    def normal(tensor, std):
        tensor.copy_(torch.randn(tensor.shape, generator=generator) * std)

    def uniform(tensor, low, high):
        tensor.copy_(low + (high - low) * torch.rand(tensor.shape, generator=generator))

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                if module.weight is not None:
                    uniform(module.weight, 0.5, 1.5)
                    signs = torch.rand(module.weight.shape, generator=generator) < 0.3
                    module.weight.mul_(torch.where(signs, -1.0, 1.0))
                    normal(module.bias, 0.3)
                if module.running_mean is not None:
                    normal(module.running_mean, 0.3)
                    uniform(module.running_var, 0.5, 2.0)
                continue
            for name, parameter in module.named_parameters(recurse=False):
                if name == "weight" and parameter.dim() > 1:
                    normal(parameter, math.sqrt(2.0 / parameter[0].numel()))
                else:
                    normal(parameter, 0.1)
    return model


def _transfer(base: str, **kwargs):
    return models.TransferModel(build_base(exercise9_transfer.BASES[base]["spec"]), **kwargs)


REFERENCES = {
    "LeNet5": lambda: models.LeNet5(),
    "LeNet5 with ReLU and max pooling": lambda: models.LeNet5(7, activation=nn.ReLU, pool=nn.MaxPool2d),
    "AlexNet": lambda: models.AlexNet(),
    "AlexNet, symmetric padding": lambda: models.AlexNet(conv1_padding=(4, 4), pool_padding=(1, 1)),
    "ResidualBlock, identity": lambda: models.ResidualBlock(4, 4, 1),
    "ResidualBlock, projection": lambda: models.ResidualBlock(3, 5, 2),
    "TransferModel, small base": lambda: _transfer("conv-bn-relu-dropout-pool", feature_shape=(4, 3, 3), hidden=8),
    "TransferModel, other base": lambda: _transfer("conv-pool-conv-bn-relu-dropout", feature_shape=(3, 2, 2),
                                                   hidden=3, num_outputs=2),
    "CatDogCNN": lambda: binary_cnn.CatDogCNN(8),
    "Autoencoder": lambda: autoencoder.Autoencoder(),
    "ConvAutoencoder": lambda: autoencoder.ConvAutoencoder(),
    "vgg_block": lambda: vgg.vgg_block(2, 3, 4),
    "VGG, small": lambda: vgg.VGG(arch=((1, 4), (2, 6)), num_classes=3, image_size=12, hidden=10),
    "Inception 3a": lambda: inception.Inception(192, 64, 96, 128, 16, 32, 32),
    "a layer-spec base (freeze_check)": lambda: build_base([["sequential", exercise9_transfer.BASES[
        "conv-bn-relu-dropout-pool"]["spec"]], ["flatten"], ["linear", 36, 2]]),
}


@pytest.mark.parametrize("name", REFERENCES)
def test_randomized_state_from_the_table_is_what_randomize_gives_the_module(name):
    """Does randomized_state(init_table(reference), seed) hold, bit for bit, the values randomize(reference, seed)
    writes into every parameter and BatchNorm statistic, at two seeds?"""
    for seed in (0, 31337):
        torch.manual_seed(seed)
        model = REFERENCES[name]()
        state = randomized_state(init_table(model), seed)
        randomize(model, seed)
        tensors = dict(model.named_parameters()) | dict(model.named_buffers())
        assert set(state) == {n for n, t in tensors.items() if t.dtype.is_floating_point}
        for tensor_name, values in state.items():
            expected = tensors[tensor_name].detach().numpy()
            assert values.dtype == expected.dtype and np.array_equal(values, expected), tensor_name


@pytest.mark.parametrize("name", REFERENCES)
def test_a_reference_built_undrawn_holds_after_the_grader_s_weights_what_one_built_drawn_holds(name):
    """modules.undrawn skips torch's random init: is every tensor the same once the grader's weights
    are loaded (buffers that no weight fills, num_batches_tracked, included), and were its drawn weights zero?"""
    undrawn_model, drawn_model = undrawn(REFERENCES[name]), REFERENCES[name]()
    assert all(not module.weight.any() for module in undrawn_model.modules() if isinstance(module, (nn.Conv2d, nn.Linear)))
    assert init_table(undrawn_model) == init_table(drawn_model)
    state = randomized_state(init_table(drawn_model), 5)
    mine, theirs = (load_state(model, state).state_dict() for model in (undrawn_model, drawn_model))
    assert list(mine) == list(theirs) and all(torch.equal(mine[key], theirs[key]) for key in mine)


def test_undrawn_leaves_torch_s_init_alone_outside_it_and_in_other_threads():
    """The zero fill holds inside undrawn, in its thread only: is a layer built meanwhile in another
    thread, or afterwards, drawn as torch draws it?"""
    import threading

    built = {}

    def elsewhere():
        torch.manual_seed(3)
        built["other thread"] = nn.Linear(50, 50).weight

    def build():
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        return nn.Linear(50, 50)

    assert not undrawn(build).weight.any()
    torch.manual_seed(3)
    assert torch.equal(built["other thread"], nn.Linear(50, 50).weight)


def test_the_init_table_is_plain_data_a_bank_can_hold():
    """Is the table lists of strings and ints only (what a bank stores), naming BatchNorm modules as such?"""
    table = init_table(models.AlexNet())
    assert all(isinstance(path, str) and kind in ("batchnorm", "other") for path, kind, _ in table)
    assert all(isinstance(local, str) and all(isinstance(n, int) for n in shape) and isinstance(dtype, str)
               for _, _, entries in table for local, shape, dtype in entries)
    assert [kind for _, kind, _ in table].count("batchnorm") == 3


def test_load_state_gives_a_module_the_drawn_weights():
    """After load_state, does the module hold exactly randomized_state's arrays?"""
    model = models.ResidualBlock(3, 5, 2)
    state = randomized_state(init_table(model), 4)
    load_state(model, state)
    assert all(np.array_equal(model.state_dict()[name].numpy(), values) for name, values in state.items())


def test_within_a_memo_scope_the_weights_are_drawn_once_and_shared_read_only():
    """A batch gives every student's model the same weights: drawn once per process and shared, not
    copied (AlexNet's are 34 MB), so they are read-only, and what one check does never reaches the next;
    each caller's dict is its own."""
    from grader import memo

    table = init_table(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2)))
    memo.clear()
    try:
        with memo.scope(("weights test", "cpu")):
            first = randomized_state(table, 5)
            with pytest.raises(ValueError, match="read-only"):
                first["0.weight"][...] = 0
            first["0.weight"] = np.zeros_like(first["0.weight"])
            second, third = randomized_state(table, 5), randomized_state(table, 6)
    finally:
        memo.clear()
    fresh = randomized_state(table, 5)
    assert second["2.weight"] is first["2.weight"] and second["0.weight"].any()
    assert all(np.array_equal(second[name], fresh[name]) for name in fresh)
    assert not np.array_equal(third["0.weight"], fresh["0.weight"])


def test_the_weights_drawn_while_the_worker_builds_a_model_are_those_its_checks_get(monkeypatch):
    """get_model draws the grader's weights for a model while the worker builds it (runs._weights, begun
    by Session.meanwhile, which leaves a draw that fails to with_weights: test_ahead): are they then given to
    with_weights without drawing again?"""
    from types import SimpleNamespace

    from grader import memo
    from grader.catalog.exercise6_lenet import LENET, TEN
    from grader.models import oracle, runs, weights

    drawn = []
    draw = weights._drawn_state
    monkeypatch.setattr(weights, "_drawn_state", lambda table, seed: drawn.append(seed) or draw(table, seed))
    session = SimpleNamespace(cache={}, bank=None, seed=3)
    memo.clear()
    try:
        with memo.scope(("weights ahead test", "cpu")):
            runs._weights(session, LENET, TEN)
            ahead = randomized_state(oracle.structure(session, LENET, TEN)["init"], 3)
    finally:
        memo.clear()
    assert drawn == [3]
    assert all(np.array_equal(ahead[name], values) for name, values in
               randomized_state(oracle.structure(session, LENET, TEN)["init"], 3).items())
