"""Checks for the PyTorch exercises (6-9) about what a model is: its layers and shapes, its
parameter counts, and what training does to it. Outputs, modes and gradients are in
grader.model_behaviour; the known mistakes are told apart in grader.model_mistakes.

Each constructor returns a Check for one model class (a ModelSpec). The model runs in the
worker, the reference here (grader.model_runs). A failure says what differs and carries the
evidence that the exercise's known mistakes are matched on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from grader.checks import Check, Falsified, PropertyCheck, Session, _Stop
from grader.model_mapping import MappingError, describe, family, map_models
from grader.model_runs import (Evidence, Model, ModelOutcome, ModelSpec, ask, get_model, input_recipe,
                               reference_structure, sample_input)
from grader.strategies import upto
from grader.worker.torch_inspect import units

# Model inputs shrink in few steps (a batch size, a seed); each step runs a whole model.
SHRINK_CALLS = 15


@st.composite
def draws(draw, kwargs, *, batch: tuple[int, int] = (1, 4), sizes=None) -> dict:
    """{kwargs, N, seed, size}: keyword arguments (a strategy), a batch size, an input seed and,
    where the architecture allows, the input's (H, W) (a strategy, or None for the lecture's)."""
    return {
        "kwargs": draw(kwargs, label="kwargs"),
        "N": draw(upto(batch[1], batch[0]), label="N"),
        "size": draw(sizes, label="(H, W)") if sizes is not None else None,
        "seed": draw(upto(2**16, 0), label="input seed"),
    }


def model_input(spec: ModelSpec, drawn: dict) -> tuple[np.ndarray, dict]:
    """The drawn input and what a report shows: the keyword arguments and how to make x."""
    channels, *size = spec.input_shape(drawn["kwargs"])
    shape = (drawn["N"], channels, *(drawn["size"] or size))
    return sample_input(shape, drawn["seed"]), {**drawn["kwargs"], "x": input_recipe(shape, drawn["seed"])}


def fail(message: str, model: Model | None, inputs: dict, evidence: Evidence | None = None, *,
         function: str | None = None, expected=None, actual=None, differences: str = "") -> Falsified:
    """A failed property about `model` (or `function`), carrying the evidence mistakes are matched on."""
    evidence = evidence or Evidence(model=model)
    return Falsified(message, function=function or (model.spec.cls if model else ""), inputs=inputs,
                     expected=expected, outcome=ModelOutcome(True, value=actual, evidence=evidence),
                     differences=differences)


def _shape(shape) -> str:
    return str(tuple(shape)) if shape is not None else "-"


def listed(names: list[str]) -> str:
    if not names:
        return "no buffer"
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


@dataclass(frozen=True, kw_only=True)
class FixedCheck(Check):
    """`prop(session, example)` on each of a few fixed examples (the lecture's configurations)."""

    examples: tuple
    prop: Callable
    kind: str = "the lecture's configuration"

    def falsify(self, session: Session) -> Falsified | None:
        for example in self.examples:
            try:
                self.prop(session, example)
            except (Falsified, _Stop) as failure:
                falsified = failure.falsified if isinstance(failure, _Stop) else failure
                falsified.kind = self.kind
                return falsified
        return None


# --- Structure ------------------------------------------------------------------------------------------------

_COMPARED = {"conv": ("kernel_size", "stride", "bias"), "linear": ("bias",),
             "batchnorm": ("affine", "track_running_stats")}


def structure_problems(student: dict, reference: dict) -> list[str]:
    """What differs between the student's layers with weights and the reference's, one line each."""
    try:
        mapping = map_models(student, reference)
    except MappingError as error:
        return [str(error)]
    problems = []
    for mine, theirs in mapping.pairs:
        name = describe(theirs)
        for attribute in _COMPARED.get(family(theirs["type"]), ()):
            if mine["attrs"].get(attribute) != theirs["attrs"].get(attribute):
                problems.append(f"{describe(mine)}: {attribute} is {mine['attrs'].get(attribute)}, "
                                f"expected {theirs['attrs'].get(attribute)} ({name})")
        mine_in, theirs_in = (mine["inputs"] or [None])[0], (theirs["inputs"] or [None])[0]
        padded_elsewhere = family(theirs["type"]) == "conv" and mine["output"] == theirs["output"] \
            and mine_in is not None and theirs_in is not None and mine_in[:2] == theirs_in[:2]
        if mine_in != theirs_in and not padded_elsewhere:  # padding before the conv or inside it: both fine
            problems.append(f"{describe(mine)} gets input {_shape(mine_in)}, expected {_shape(theirs_in)}")
        if mine["output"] != theirs["output"]:
            problems.append(f"{describe(mine)} gives output {_shape(mine['output'])}, "
                            f"expected {_shape(theirs['output'])}")
    if student.get("output") != reference.get("output"):
        problems.append(f"the model's output has shape {_shape(student.get('output'))}, "
                        f"expected {_shape(reference.get('output'))}")
    return problems


def layer_rows(student: dict, reference: dict) -> dict:
    """The layers with weights side by side, in forward order, for the HTML report: each row's
    kind, output shape and parameter count, and which row is the first to disagree. (What the
    worker says of the student's layers is a description for the eye, never a source of points.)"""
    def row(unit: dict | None):
        if unit is None:
            return None
        return {"layer": describe(unit), "output": _shape(unit["output"]), "parameters": _unit_count(unit)}

    mine, theirs = units(student.get("calls", [])), units(reference.get("calls", []))
    rows = [{"expected": row(theirs[i] if i < len(theirs) else None), "got": row(mine[i] if i < len(mine) else None)}
            for i in range(max(len(mine), len(theirs)))]
    first = next((index for index, pair in enumerate(rows) if pair["expected"] != pair["got"]), None)
    return {"rows": rows, "first_difference": first}


def layer_table(info: dict) -> str:
    rows = [f"  {'layer with weights, in forward order':<48} {'input':<18} output"]
    rows += [f"  {describe(unit):<48} {_shape((unit['inputs'] or [None])[0]):<18} {_shape(unit['output'])}"
             for unit in units(info.get("calls", []))]
    return "\n".join(rows)


def structure_check(spec: ModelSpec, kwargs, *, points: float, name: str, description: str, hint: str = "",
                    max_examples: int = 5) -> PropertyCheck:
    """The layers with weights (kind, kernel, stride, channels, bias) and every one's input and
    output shape are the reference's (= the lecture's table), for drawn keyword arguments."""

    def prop(session: Session, drawn: dict) -> None:
        inputs = dict(drawn)
        model = get_model(session, spec, drawn, inputs)
        reference = reference_structure(session, spec, drawn)
        problems = structure_problems(model.info, reference)
        if len(problems) == 1 and "do not line up" in problems[0]:
            failure = fail(f"{spec.call(drawn)} on a batch of 2: {problems[0]}", model, inputs)
        elif problems:
            failure = fail(f"{spec.call(drawn)} on a batch of 2 differs from the expected layers:\n"
                           + "\n".join(f"- {problem}" for problem in problems)
                           + f"\nExpected:\n{layer_table(reference)}", model, inputs)
        else:
            return
        failure.layers = layer_rows(model.info, reference)
        raise failure

    return PropertyCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                         inputs=kwargs, prop=prop, max_examples=max_examples,
                         shrink_calls=SHRINK_CALLS)


# --- Parameter counts -----------------------------------------------------------------------------------------

def counts(info: dict) -> dict:
    trainable = sum(math.prod(shape) for _, shape, grad in info["parameters"] if grad)
    frozen = sum(math.prod(shape) for _, shape, grad in info["parameters"] if not grad)
    statistics = sum(math.prod(shape) for _, shape, floating in info["buffers"] if floating)
    return {"trainable": trainable, "frozen": frozen, "statistics": statistics}


def _unit_count(unit: dict) -> int:
    return sum(math.prod(shape) for local, shape in unit.get("shapes", {}).items() if local != "num_batches_tracked")


_LABELS = {"trainable": "trainable parameters", "frozen": "frozen parameters",
           "statistics": "BatchNorm statistics (running means and variances)"}


def count_check(spec: ModelSpec, configurations: tuple[tuple[dict, dict], ...], *, points: float, name: str,
                description: str, hint: str = "") -> FixedCheck:
    """Trainable parameters, frozen ones and BatchNorm statistics equal the expected counts (the
    lecture's tables, or the exercise's spec where the lecture prints none), per layer too.

    `configurations`: (kwargs, {"trainable": n, "frozen": n, "statistics": n}) pairs.
    """

    def prop(session: Session, configuration) -> None:
        kwargs, expected = configuration
        inputs = dict(kwargs)
        model = get_model(session, spec, kwargs, inputs)
        found = counts(model.info)
        wrong = [f"{found[kind]:,} {_LABELS[kind]}, expected {number:,}"
                 for kind, number in expected.items() if found[kind] != number]
        if not wrong:
            return
        lines = [f"{spec.call(kwargs)} has " + "; ".join(wrong) + "."]
        mine, theirs = units(model.info.get("calls", [])), units(reference_structure(session, spec, kwargs)["calls"])
        for index in range(max(len(mine), len(theirs))):
            a = (describe(mine[index]), _unit_count(mine[index])) if index < len(mine) else ("(no layer)", 0)
            b = (describe(theirs[index]), _unit_count(theirs[index])) if index < len(theirs) else ("(no layer)", 0)
            if a[1] != b[1]:
                lines.append(f"  {a[0]}: {a[1]:,}\n    expected {b[0]}: {b[1]:,}")
        failure = fail("\n".join(lines), model, inputs)
        failure.layers = layer_rows(model.info, reference_structure(session, spec, kwargs))
        raise failure

    return FixedCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                      examples=tuple(configurations), prop=prop)


# --- Training steps -----------------------------------------------------------------------------------------------

def training_check(spec: ModelSpec, examples: tuple[dict, ...], *, loss: str, points: float, name: str,
                   description: str, trains=lambda info: {n for n, *_ in info["parameters"]},
                   optimizer_gets: str = "all", lr: float = 0.01, steps: int = 5, hint: str = "") -> FixedCheck:
    """One SGD step changes exactly the parameters `trains(info)` names; a few steps on one fixed
    batch lower the loss. `optimizer_gets`: "all" (every parameter that requires grad) or the
    name of the submission's function that picks them (exercise 9's trainable_parameters)."""
    functions = (spec.cls,) if optimizer_gets == "all" else (spec.cls, optimizer_gets)

    def prop(session: Session, example: dict) -> None:
        x, shown = model_input(spec, example)
        model = get_model(session, spec, example["kwargs"], shown)
        rng = np.random.default_rng(example["seed"])
        outputs = tuple(model.info["output"][1:])
        if loss == "cross_entropy":
            y = rng.integers(0, outputs[0], size=x.shape[0]).astype(np.float32)
        elif loss == "bce":
            y = rng.integers(0, 2, size=(x.shape[0], *outputs)).astype(np.float32)
        else:
            y = rng.standard_normal((x.shape[0], *outputs)).astype(np.float32)
        evidence = Evidence(model=model, x=x, mode="train")
        params = "all" if optimizer_gets == "all" else {"function": optimizer_gets}
        result = ask(session, model, "steps", {"x": x, "y": y, "loss": loss, "lr": lr, "steps": steps,
                                              "params": params, "seed": example["seed"], "initial": True},
                     shown, evidence)
        expected = trains(model.info)
        evidence.facts.update(result)
        problems = []
        given = result["given"]
        if optimizer_gets != "all":
            if len(given) != len(set(given)):
                problems.append(f"{optimizer_gets} returned some parameters twice")
            if set(given) != expected:
                problems.append(f"{optimizer_gets}(model) returned {len(set(given))} tensors; expected the "
                                f"{len(expected)} that train" + _difference(set(given), expected))
        if set(result["changed"]) != expected:
            problems.append("one SGD step changed " + _difference(set(result["changed"]), expected, short=False))
        before, after = result["loss_before"], result["loss_after"]
        if not (math.isfinite(after) and after < before):
            problems.append(f"{steps} SGD steps (lr={lr}) on one fixed batch did not lower the {loss} loss: "
                            f"{before:.4g} before, {after:.4g} after")
        if problems:
            raise fail(f"{spec.call(example['kwargs'])}:\n" + "\n".join(f"- {p}" for p in problems), model, shown,
                        evidence)

    return FixedCheck(name=name, points=points, description=description, functions=functions, hint=hint,
                      examples=tuple(examples), prop=prop, kind="a fixed batch")


def _difference(got: set, expected: set, short: bool = True) -> str:
    extra, missing = sorted(got - expected), sorted(expected - got)
    parts = []
    if extra:
        parts.append(f"unexpected: {listed(extra)}")
    if missing:
        parts.append(f"missing: {listed(missing)}")
    if short:
        return f" ({'; '.join(parts)})" if parts else ""
    return f"{len(got)} parameters, expected the {len(expected)} that train ({'; '.join(parts)})"
