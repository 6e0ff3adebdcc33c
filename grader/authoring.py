"""What an exercise declaration imports from the grader: one module, every name it needs.

    from grader.authoring import Example, Exercise, Mistake, answer_key, matches_reference

The exercise and its mistakes (grader.exercise), the check factories (grader.checks,
grader.feature_checks), hypothesis's strategies deferred until drawn from (`st`,
grader.deferred) and their building blocks (grader.strategies), the comparators
(grader.compare), the answer key (grader.catalog) and its bank (grader.bank), the worker's
reply (grader.worker.wire), the NumPy mistake helpers (grader.mistake_helpers), the lecture's
GoogLeNet table (grader.googlenet); and for the PyTorch exercises the model checks
(grader.models) and the calls of functions of tensors and modules (grader.torch_calls). A name
means here what it means in its own module: the modules stay the reference, this is their table
of contents.

The PyTorch names are imported on first use (`LAZY`), so that a NumPy declaration never loads
torch. The layer rules (tests/grader/test_seams.py) and a task's fingerprint (grader.staff.tasks)
follow these re-exports: a name imported from here counts as imported from the module this one
takes it from, so that only the declarations that use the models depend on them.
"""

from __future__ import annotations

import importlib

from grader.bank import NotInBank, is_recording
from grader.catalog import answer_key
from grader.checks import (
    Falsified,
    OneCall,
    Session,
    Stop,
    holds_for_examples,
    lecture_examples,
    matches_reference,
    same_shape_as_reference,
    satisfies_property,
)
from grader.compare import Mismatch, as_array, compare_arrays, compare_values, describe_value
from grader.deferred import st
from grader.exercise import Example, Exercise, Mistake, Probe
from grader.feature_checks import BATCH, BIAS, NON_SQUARE, UINT8_PIXELS, Feature, feature_checks
from grader.googlenet import GOOGLENET
from grader.mistake_helpers import per_axis, quarters, raised_error, returned_array, same_array, uint8_wrapped
from grader.strategies import FLOATS, FLOATS_AND_PIXELS, MAX_SIDE, draw_array, draw_conv_arrays, draw_per_axis, one_of, upto
from grader.worker.wire import Outcome

# Module -> the names taken from it on first use: both import torch.
LAZY = {
    "grader.models": (
        "Evidence", "ModelOutcome", "ModelSpec", "ask", "backward_check", "build_base", "compare_steps", "count_check",
        "draws", "expected_output", "fail", "family", "forward_check", "freeze_check", "get_model", "input_recipe",
        "method", "model_info", "model_input", "modes_check", "on_reference", "oracle", "output_is", "outputs",
        "read_table", "reproduces", "sample_input", "sampled", "sigmoid", "softmax", "steps_problems", "structure",
        "structure_check", "tolerance", "training_check", "units", "when", "with_weights",
    ),
    "grader.torch_calls": (
        "call", "close", "default_init", "he_uniform_problems", "layers_model", "numbers", "state_of",
        "state_problems", "stats_of",
    ),
}
_LAZY_FROM = {name: module for module, names in LAZY.items() for name in names}


def __getattr__(name: str):
    """A PyTorch name, imported from its module the first time a declaration asks for it."""
    module = _LAZY_FROM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BATCH", "BIAS", "FLOATS", "FLOATS_AND_PIXELS", "GOOGLENET", "MAX_SIDE", "NON_SQUARE", "UINT8_PIXELS", "Example",
    "Exercise", "Falsified", "Feature", "Mismatch", "Mistake", "NotInBank", "OneCall", "Outcome", "Probe", "Session", "Stop",
    "answer_key", "as_array", "compare_arrays", "compare_values", "describe_value", "draw_array", "draw_conv_arrays",
    "draw_per_axis", "feature_checks", "holds_for_examples", "is_recording", "lecture_examples", "matches_reference",
    "one_of", "per_axis", "quarters", "raised_error", "returned_array", "same_array", "same_shape_as_reference",
    "satisfies_property", "st", "uint8_wrapped", "upto", *_LAZY_FROM,
]
