"""Telling the known mistakes of the PyTorch exercises apart, on the evidence a failed model check carries.

A model check that fails attaches an Evidence (the model, the input, both outputs, facts such
as which layers' inputs were randomly dropped) to its outcome; a Mistake's `detect` reads it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader.compare import compare_arrays
from grader.models.reference import expected_output, tolerance
from grader.models.runs import Evidence
from grader.worker.wire import Outcome


def when(predicate: Callable[[Evidence, Outcome], bool]) -> Callable:
    """A Mistake.detect that reads the evidence a model check attached to its failure."""
    def detect(inputs, expected, outcome) -> bool:
        evidence = getattr(outcome, "evidence", None)
        return evidence is not None and bool(predicate(evidence, outcome))
    return detect


def model_info(evidence: Evidence) -> dict:
    """What the worker reported of the student's model (its calls, parameters, output); {} where none was built."""
    return evidence.model.info if evidence.model is not None else {}


def error_text(outcome) -> str:
    error = getattr(outcome, "error", None) or {}
    return f"{error.get('type', '')}: {error.get('message', '')}"


def reproduces(**changes):
    """A Mistake.detect: the reference changed by `changes`, with the same weights, gives the student's output
    (an oracle question: in the student kit, a case the release recorded)."""
    def predicate(evidence: Evidence, outcome) -> bool:
        if evidence.x is None or evidence.actual is None or evidence.model is None:
            return False
        wrong = expected_output(evidence.model, evidence.x, evidence.mode, evidence.facts.get("variant"),
                                changes=changes)
        return wrong.shape == np.shape(evidence.actual) and \
            compare_arrays(wrong, evidence.actual, **tolerance(wrong)) is None
    detect = when(predicate)
    detect.changes = changes  # what a bank being recorded asks about each case (grader.models.verify.anticipated)
    return detect


def output_is(transform):
    """A Mistake.detect: the student's output is `transform(expected)` (softmax or sigmoid of the logits)."""
    def predicate(evidence: Evidence, outcome) -> bool:
        if evidence.expected is None or evidence.actual is None or np.shape(evidence.actual) != evidence.expected.shape:
            return False
        wrong = transform(evidence.expected.astype(np.float64))
        return compare_arrays(wrong, evidence.actual, **tolerance(wrong)) is None
    return when(predicate)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def raised(*fragments: str):
    """A Mistake.detect: the student's code raised an error whose text holds one of `fragments`."""
    def detect(inputs, expected, outcome) -> bool:
        text = error_text(outcome)
        return getattr(outcome, "error", None) is not None and any(fragment in text for fragment in fragments)
    return detect
