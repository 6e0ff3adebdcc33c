"""A model's layers with weights as a person reads them: tables, counts, the rows of the HTML report.

Both sides are torch_inspect descriptions: the reference's (grader.models.oracle's structure)
and the worker's of the student's model, which is a description for the eye and for hints,
never a source of points.
"""

from __future__ import annotations

import math

from grader.checks import Falsified
from grader.models.mapping import describe
from grader.worker.torch_inspect import units

MAX_EXTRA_LAYER_ROWS = 20  # rows shown beyond the reference's layers, however many the worker describes


def shape_text(shape) -> str:
    return str(tuple(shape)) if shape is not None else "-"


def unit_count(unit: dict) -> int:
    """The parameters and floating buffers a layer owns itself (num_batches_tracked left out)."""
    return sum(math.prod(shape) for local, shape in unit.get("shapes", {}).items() if local != "num_batches_tracked")


def counts(info: dict) -> dict:
    trainable = sum(math.prod(shape) for _, shape, grad in info["parameters"] if grad)
    frozen = sum(math.prod(shape) for _, shape, grad in info["parameters"] if not grad)
    statistics = sum(math.prod(shape) for _, shape, floating in info["buffers"] if floating)
    return {"trainable": trainable, "frozen": frozen, "statistics": statistics}


def layer_rows(student: dict, reference: dict) -> dict:
    """The layers with weights side by side, in forward order, for the HTML report: each row's
    kind, output shape and parameter count, and which row is the first to disagree. (What the
    worker says of the student's layers is a description for the eye, never a source of points.)"""
    def row(unit: dict | None):
        if unit is None:
            return None
        return {"layer": describe(unit), "output": shape_text(unit["output"]), "parameters": unit_count(unit)}

    mine, theirs = units(student.get("calls", [])), units(reference.get("calls", []))
    count = min(max(len(mine), len(theirs)), len(theirs) + MAX_EXTRA_LAYER_ROWS)  # a forged description may list thousands
    rows = [{"expected": row(theirs[i] if i < len(theirs) else None), "got": row(mine[i] if i < len(mine) else None)}
            for i in range(count)]
    first = next((index for index, pair in enumerate(rows) if pair["expected"] != pair["got"]), None)
    return {"rows": rows, "first_difference": first}


def with_layers(failure: Falsified, student: dict, reference: dict) -> Falsified:
    failure.layers = layer_rows(student, reference)
    return failure


def layer_table(info: dict) -> str:
    rows = [f"  {'layer with weights, in forward order':<48} {'input':<18} output"]
    rows += [f"  {describe(unit):<48} {shape_text((unit['inputs'] or [None])[0]):<18} {shape_text(unit['output'])}"
             for unit in units(info.get("calls", []))]
    return "\n".join(rows)
