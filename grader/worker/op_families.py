"""Which module serves each family of worker ops, read by everything that needs to know.

An op is named `family.name`: "torch.forward" is `OPS["forward"]` of grader.worker.torch_ops.
The worker imports a family's module on first use (server.op_handler) or ahead of time where
its libraries are already loaded (forkserver); a task's fingerprint counts the module of every
family that a file of grading names in an op (grader.staff.tasks). A new family is one more
line here and its module.
"""

from __future__ import annotations

FAMILIES = {
    "gradcheck": "grader.worker.gradcheck_ops",  # the student's numerical_gradient on a named loss
    "meta": "grader.worker.meta_ops",  # what a model is made of, without its weights
    "tensor": "grader.worker.tensor_ops",  # a submission function on torch tensors
    "torch": "grader.worker.torch_ops",  # build, inspect, load, run and train a model
    "torchcall": "grader.worker.torchcall_ops",  # a submission function on PyTorch arguments the grader describes
}


def family_module(op: object) -> str | None:
    """The module serving `op` ("torch.forward" -> "grader.worker.torch_ops"); None for anything else."""
    if not isinstance(op, str):
        return None
    family, dot, _ = op.partition(".")
    return FAMILIES.get(family) if dot else None
