"""Does the worker answer the grader's questions about a model, and leave the model as it found it?"""

import numpy as np
import pytest
import torch

from grader.worker.client import DEFAULT_LIMITS, WorkerProcess
from grader.worker.sandbox import detect
from grader.worker.torch_protocol import BuildArgs, StepsArgs

# One process builds this module's shared fixture (pytest -n 2 keeps the group together).
pytestmark = pytest.mark.xdist_group("torch_worker")

SOURCE = '''
from torch import nn

class Net(nn.Module):
    def __init__(self, width=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(2, width, 3), nn.BatchNorm2d(width), nn.ReLU(), nn.Dropout(0.5),
                                  nn.Flatten(), nn.Linear(width * 4, 2))

    def forward(self, x):
        return self.body(x)


def crash():
    import os
    os._exit(1)
'''
X = np.random.default_rng(0).standard_normal((4, 2, 4, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def worker():
    with WorkerProcess(SOURCE, "net", detect(), call_timeout=30, start_timeout=60) as process:
        process.limits = {**DEFAULT_LIMITS, "memory_mb": 2048}
        assert process.request("torch.build", BuildArgs(handle="n", cls="Net", kwargs={"width": 3})).ok
        yield process


def ask(worker, op, **args):
    outcome = worker.request(f"torch.{op}", {"handle": "n", **args})
    assert outcome.ok, outcome.error
    return outcome.value


def test_structure_lists_units_in_call_order_with_shapes(worker):
    info = ask(worker, "inspect", x=X)
    units = [(c["type"], c["output"]) for c in info["calls"] if c["unit"]]
    assert units == [("Conv2d", [4, 3, 2, 2]), ("BatchNorm2d", [4, 3, 2, 2]), ("Linear", [4, 2])]
    assert info["parameters"][0] == ["body.0.weight", [3, 2, 3, 3], True]
    assert ["body.1.running_mean", [3], True] in info["buffers"]


def test_loaded_arrays_come_back_from_the_state(worker):
    weights = np.full((3, 2, 3, 3), 0.5, np.float32)
    assert ask(worker, "load", state={"body.0.weight": weights}) == 1
    np.testing.assert_array_equal(ask(worker, "state")["body.0.weight"], weights)


def test_training_mode_forward_reports_but_undoes_batchnorm_updates(worker):
    before = ask(worker, "state")
    result = ask(worker, "forward", x=X, mode="train", repeat=2, trace=True)
    assert "body.1.running_mean" in result["buffers_changed"]
    assert not np.array_equal(*result["outputs"])  # dropout: two calls differ
    assert len(result["traces"][0]) == 3  # (path, input, output) per unit
    after = ask(worker, "state")
    assert all(np.array_equal(before[name], after[name]) for name in before)


def test_eval_mode_is_deterministic(worker):
    result = ask(worker, "forward", x=X, mode="eval", repeat=2)
    np.testing.assert_array_equal(*result["outputs"])
    assert result["buffers_changed"] == [] and not result["input_changed"]


def test_training_steps_return_the_parameters_after_them_then_put_them_back(worker):
    before = ask(worker, "state")
    result = ask(worker, "steps", **StepsArgs(x=X, y=np.array([0, 1, 1, 0], np.float32), loss="cross_entropy",
                                              lr=0.1, steps=3, mode="train", seed=0))
    moved = {name for name, value in result["parameters"].items() if not np.array_equal(value, before[name])}
    # The conv's bias is the one that does not move: the BatchNorm after it subtracts the mean (exercise 8).
    assert moved == set(result["parameters"]) - {"body.0.bias"}
    assert result["losses"][-1] < result["losses"][0] and len(result["losses"]) == 3
    after = ask(worker, "state")
    assert all(np.array_equal(before[name], after[name]) for name in before)


def test_weight_decay_shows_every_parameter_given_even_without_a_gradient(worker):
    """A parameter given to the optimizer moves under weight decay though no gradient reaches it: is it so?"""
    before = ask(worker, "state")
    result = ask(worker, "steps", **StepsArgs(x=X, y=np.array([0, 1, 1, 0], np.float32), loss="cross_entropy",
                                              lr=0.1, weight_decay=0.5, steps=1, mode="train", seed=0))
    assert not np.array_equal(result["parameters"]["body.0.bias"], before["body.0.bias"])


def test_backward_gives_input_and_parameter_gradients(worker):
    result = ask(worker, "backward", x=X, grad_output=np.ones((4, 2), np.float32), mode="train")
    assert result["input_grad"].shape == X.shape
    assert result["param_grads"]["body.5.weight"].shape == (2, 12)


def test_a_restarted_worker_says_it_does_not_know_the_model():
    """After a restart the handle is gone: is that a typed error the grader can rebuild from?"""
    with WorkerProcess(SOURCE, "net", detect(), call_timeout=30, start_timeout=60) as process:
        process.limits = {**DEFAULT_LIMITS, "memory_mb": 2048}
        assert process.request("torch.build", BuildArgs(handle="n", cls="Net")).ok
        assert process.call("crash").failure == "crash"  # the worker dies; the next request starts a fresh one
        outcome = process.request("torch.state", {"handle": "n"})
        assert not outcome.ok and outcome.error["type"] == "UnknownHandle"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_cuda_without_one_is_a_typed_error(worker):
    outcome = worker.request("torch.build", BuildArgs(handle="c", cls="Net", device="cuda"))
    assert not outcome.ok and outcome.error["type"] == "DeviceUnavailable"


def test_the_worker_seeds_torch_as_torch_manual_seed_does():
    """Without CUDA the worker seeds torch's CPU generator itself (torch.manual_seed formats stack
    traces for devices that are not there): do Dropout and rand draw what torch.manual_seed gives?"""
    from grader.worker.server import seed_torch

    draws = []
    for seed in (seed_torch, torch.manual_seed):
        seed(12345)
        draws.append((torch.rand(5), torch.nn.Dropout(0.5).train()(torch.ones(8))))
    assert all(torch.equal(mine, theirs) for mine, theirs in zip(*draws))


THREADS = '''
import torch

def threads():
    return torch.get_num_threads()
'''


@pytest.mark.parametrize("given", [1, 2])
def test_the_worker_computes_with_the_threads_the_grader_gives(given):
    """The fork server imports torch with one thread; does each worker get its own count?"""
    with WorkerProcess(THREADS, "threads", detect(), call_timeout=30, start_timeout=60, threads=given) as process:
        assert process.call("threads").value == given
