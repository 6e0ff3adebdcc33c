"""The PyTorch exercises' checks: a student's model in the worker beside the reference here.

    runs       build the student's model (worker ops) and ask it questions
    weights    the grader's random weights, from the reference's init table and the run's seed
    reference  give the student's model those weights through the mapping; where two models part
    oracle     every question to a reference model, plain data in and out: computed in the course
               (modules: the reference modules), answered from a bank in the student kit
    samples    what a bank keeps of a large array
    mapping    which student tensor is which reference tensor
    layers     layer tables and counts as a person reads them
    claims     the worker's description of a model, checked for form (a claim, never a point)
    verify     what the grader recomputes: outputs, modes, training steps (the points stand on it)
    checks     structure_check, count_check, training_check, freeze_check (and draws)
    behaviour  forward_check, modes_check, backward_check
    mistakes   telling the known mistakes apart: reproduces, output_is, raised, when

A declaration imports what it needs from here (`from grader.models import ModelSpec, forward_check`).
"""

from grader.models.behaviour import backward_check, forward_check, modes_check
from grader.models.checks import count_check, draws, fail, freeze_check, structure_check, training_check
from grader.models.mapping import describe, family
from grader.models.mistakes import output_is, raised, reproduces, sigmoid, softmax, when
from grader.models.runs import Evidence, ModelSpec
from grader.worker.torch_inspect import build_base, units

__all__ = [
    "Evidence", "ModelSpec", "backward_check", "build_base", "count_check", "describe", "draws", "fail", "family",
    "forward_check", "freeze_check", "modes_check", "output_is", "raised", "reproduces", "sigmoid", "softmax",
    "structure_check", "training_check", "units", "when",
]
