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

A declaration imports these through grader.authoring (`from grader.authoring import ModelSpec,
forward_check`), which takes them from here.
"""

from grader.models import oracle
from grader.models.behaviour import backward_check, forward_check, modes_check
from grader.models.checks import count_check, draws, fail, freeze_check, model_input, structure_check, training_check
from grader.models.claims import read_table
from grader.models.mapping import describe, family
from grader.models.mistakes import model_info, output_is, raised, reproduces, sigmoid, softmax, when
from grader.models.oracle import method, on_reference, structure
from grader.models.reference import expected_output, tolerance, with_weights
from grader.models.runs import Evidence, ModelOutcome, ModelSpec, ask, get_model, input_recipe, sample_input
from grader.models.samples import sampled
from grader.models.verify import compare_steps, outputs, steps_problems
from grader.worker.torch_inspect import build_base, units

__all__ = [
    "Evidence", "ModelOutcome", "ModelSpec", "ask", "backward_check", "build_base", "compare_steps", "count_check",
    "describe", "draws", "expected_output", "fail", "family", "forward_check", "freeze_check", "get_model",
    "input_recipe", "method", "model_info", "model_input", "modes_check", "on_reference", "oracle", "output_is",
    "outputs", "raised", "read_table", "reproduces", "sample_input", "sampled", "sigmoid", "softmax",
    "steps_problems", "structure", "structure_check", "tolerance", "training_check", "units", "when",
    "with_weights",
]
