"""Do the PyTorch exercises run where --device says, and fail clearly where that is impossible?"""

import pytest
import torch

from grader.grading import grade
from grader.worker import client, sandbox
from grader.worker.sandbox import BUBBLEWRAP, Sandbox
from tests.conftest import ROOT

SOLUTIONS = ROOT / "solutions"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_a_grader_error_not_a_zero():
    """--device cuda on a machine without CUDA: is every check `error`, saying why?"""
    result = grade(["exercise8"], submission=SOLUTIONS, device="cuda").exercises[0]
    assert result.has_errors
    assert all(test.status == "error" and "sees no CUDA device" in test.output for test in result.tests)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
@pytest.mark.parametrize("exercise", ["exercise6", "exercise7", "exercise8", "exercise9"])
def test_the_solutions_score_full_marks_on_cuda(exercise):
    result = grade([exercise], submission=SOLUTIONS, device="cuda").exercises[0]
    assert result.score == result.max_score, [test.output for test in result.tests]


def test_bubblewrap_binds_the_gpu_device_nodes(monkeypatch, tmp_path):
    """--dev /dev hides /dev/nvidia*: are they bound back when present, and nothing when absent?"""
    monkeypatch.setattr(sandbox, "gpu_device_nodes", lambda: ["/dev/nvidia0", "/dev/nvidiactl"])
    command = Sandbox(BUBBLEWRAP).wrap(["python"], workdir=tmp_path)
    assert command[command.index("/dev/nvidia0") - 1] == "--dev-bind-try"
    assert command.index("--dev") < command.index("/dev/nvidiactl")
    monkeypatch.setattr(sandbox, "gpu_device_nodes", lambda: [])
    assert "--dev-bind-try" not in Sandbox(BUBBLEWRAP).wrap(["python"], workdir=tmp_path)


def worker_limit(limits: dict, row: str) -> str:
    """The `row` line ("Max data size", ...) of /proc/self/limits in a worker started with `limits`."""
    source = "def limits():\n    with open('/proc/self/limits') as f:\n        return f.read()\n"
    with client.WorkerProcess(source, "limits", sandbox.detect(), call_timeout=30, start_timeout=60) as process:
        process.limits = limits
        outcome = process.call("limits")
    assert outcome.ok, outcome.error
    return next(line for line in outcome.value.splitlines() if line.startswith(row))


def test_memory_is_bounded_by_the_data_segment_only_where_cuda_may_run(monkeypatch):
    """CUDA reserves huge address space: does the worker get RLIMIT_DATA for a GPU exercise on a GPU
    machine, and RLIMIT_AS everywhere else?"""
    two_gib = str(2048 * 2**20)
    limits = {**client.DEFAULT_LIMITS, "memory_mb": 2048, "cuda": True}
    monkeypatch.setattr(client, "gpu_device_nodes", lambda: ["/dev/nvidia0"])
    assert two_gib in worker_limit(limits, "Max data size")
    monkeypatch.setattr(client, "gpu_device_nodes", lambda: [])
    assert two_gib in worker_limit(limits, "Max address space")
