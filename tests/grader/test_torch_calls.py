"""Does the generic torchcall worker op build what the grader describes, and call what it names?"""

import types

import numpy as np
import pytest
import torch
from torch import nn

from grader.torch_calls import default_init, he_uniform_problems, stats_of
from grader.worker import torchcall_ops
from grader.worker.torchcall_ops import SGD, op_call, op_sgd, seeded_values, statistics
from grader.worker import protocol

LAYERS = [["conv", 1, 2, 3, 1], ["relu"], ["maxpool", 2], ["flatten"], ["linear", 8, 1]]


def run(op, args: dict, module=None):
    """One op as the worker runs it: arguments through the wire format and back."""
    arrays: list = []
    encoded = protocol.encode(args, arrays)
    worker = types.SimpleNamespace(module=module)
    out: list = []
    return protocol.decode(op(worker, protocol.decode(encoded, arrays), out), out)


@pytest.mark.parametrize("values", [torch.randn(3, 1000) * 0.02 + 0.5, torch.rand(37, dtype=torch.float64)[::2],
                                    torch.full((4, 4), 0.1), torch.tensor(2.5), torch.zeros(0, 3)])
def test_statistics_give_torch_std_mean_in_float64(values, monkeypatch):
    """Chunked sums (a chunk smaller than the tensor here) give what torch.std_mean gives in float64,
    and leave a float64 tensor as it was."""
    monkeypatch.setattr(torchcall_ops, "STATISTICS_CHUNK", 256)
    before = values.clone()
    found = statistics(values)
    assert torch.equal(values, before) and found["shape"] == list(values.shape) and found["count"] == values.numel()
    if values.numel():
        std, mean = torch.std_mean(values.double(), correction=0)
        assert found["mean"] == pytest.approx(float(mean), rel=1e-12, abs=1e-15)
        assert found["std"] == pytest.approx(float(std), rel=1e-9, abs=1e-15)
        assert (found["min"], found["max"]) == (float(values.min()), float(values.max()))


def test_the_worker_sgd_takes_torch_optim_sgd_steps():
    """Does the worker's plain SGD (no torch._dynamo import) move parameters exactly as torch.optim.SGD?"""
    torch.manual_seed(0)
    mine, theirs = nn.Linear(3, 2).double(), nn.Linear(3, 2).double()
    theirs.load_state_dict(mine.state_dict())
    x = torch.randn(4, 3, dtype=torch.float64)
    for model, optimizer in ((mine, SGD(mine.parameters(), lr=0.3)),
                             (theirs, torch.optim.SGD(theirs.parameters(), lr=0.3))):
        for _ in range(3):
            optimizer.zero_grad()
            model(x).square().sum().backward()
            optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(mine.parameters(), theirs.parameters()))


def test_a_function_gets_built_models_loaders_and_optimizers_and_the_state_comes_back():
    """Does `call` hand a submission function the grader's model, batches and SGD, and report the model after?"""
    def one_step(model, loader, optimizer):
        x, y = loader[0]
        optimizer.zero_grad()
        (model(x) - y).square().mean().backward()
        optimizer.step()
        return {"dtype": str(x.dtype), "batches": len(loader)}

    torch.manual_seed(1)
    reference = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(8, 1)).double()
    start = {name: tensor.numpy().copy() for name, tensor in reference.state_dict().items()}
    x, y = np.random.default_rng(0).standard_normal((3, 1, 4, 4)), np.ones((3, 1))
    result = run(op_call, {"objects": [{"spec": LAYERS, "dtype": "float64", "state": start, "report": "state"}],
                           "call": {"function": "one_step"}, "dtype": "float64",
                           "args": [{"model": 0}, {"loader": [[x, y]]}, {"sgd": 0, "lr": 0.1}]},
                 module=types.SimpleNamespace(one_step=one_step))
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    (reference(torch.from_numpy(x)) - torch.from_numpy(y)).square().mean().backward()
    optimizer.step()
    assert result["value"] == {"dtype": "torch.float64", "batches": 1}
    after = result["models"][0]["after"]
    assert all(np.allclose(after[name], tensor.detach().numpy()) for name, tensor in reference.state_dict().items())


def test_sgd_steps_with_bce_on_probabilities_match_a_replay():
    """Does `sgd` take the steps nn.BCELoss and torch.optim.SGD would take on the grader's batch?"""
    layers = [["linear", 4, 3], ["relu"], ["linear", 3, 4], ["sigmoid"]]
    torch.manual_seed(2)
    reference = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 4), nn.Sigmoid()).double()
    start = {name: tensor.numpy().copy() for name, tensor in reference.state_dict().items()}
    x = np.random.default_rng(1).uniform(0, 1, (5, 4))
    result = run(op_sgd, {"objects": [{"spec": layers, "dtype": "float64", "state": start}], "x": x, "target": x,
                          "loss": "bce", "lr": 0.5, "steps": 3})
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        nn.BCELoss()(reference(torch.from_numpy(x)), torch.from_numpy(x)).backward()
        optimizer.step()
    after = result["models"][0]["after"]
    assert all(np.allclose(after[name], tensor.detach().numpy()) for name, tensor in reference.state_dict().items())


def test_the_seeded_fill_depends_on_the_seed_and_the_shape_only():
    """Is the fill the same for the same (seed, shape), different otherwise, and scaled like an initialisation?"""
    assert torch.equal(seeded_values((3, 5), 1), seeded_values((3, 5), 1))
    assert not torch.equal(seeded_values((3, 5), 1), seeded_values((3, 5), 2))
    assert not torch.equal(seeded_values((5, 3), 1).reshape(3, 5), seeded_values((3, 5), 1))
    assert seeded_values((64, 1000), 0).abs().max() < 1.5 * (3 / 1000) ** 0.5


@pytest.mark.parametrize("init, problems", [("he", 0), ("default", 2)])
def test_he_uniform_is_told_from_pytorchs_default(init, problems):
    """Do the statistics rule accept he_uniform and reject PyTorch's default (weights and biases)?"""
    torch.manual_seed(3)
    layer = nn.Linear(200, 150)
    if init == "he":
        nn.init.uniform_(layer.weight, -(6 / 200) ** 0.5, (6 / 200) ** 0.5)
        nn.init.zeros_(layer.bias)
    stats = stats_of({name: tensor.detach().numpy() for name, tensor in layer.state_dict().items()})
    assert len(he_uniform_problems(stats)) == problems
    assert default_init(stats) == (init == "default")
