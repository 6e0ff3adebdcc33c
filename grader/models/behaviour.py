"""Behaviour checks for the PyTorch exercises: outputs, modes and gradients against the reference.

The student's model gets the grader's random weights (grader.models.reference); hypothesis draws
the keyword arguments, batch sizes and input sizes, after each check's `examples` (fixed draws
like grader.models.draws gives, tried first whatever the seed: a known mistake's witness, a
batch of 64); the model runs in the worker, the reference here, and the first layer where they
part is named.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.bank import is_recording
from grader.checks import Falsified, PropertyCheck, Session, Stop
from grader.compare import compare_arrays
from grader.models import oracle
from grader.models.checks import SHRINK_CALLS, fail, model_input
from grader.models.mapping import describe, family
from grader.models.reference import expected_trace, first_calls, tolerance, where_they_part, with_weights
from grader.models.runs import Evidence, Model, ModelSpec, ask, get_model
from grader.models.verify import anticipated, best_reference, for_every_variant, listed, outputs, reference_passes
from grader.models.weights import sample_input
from grader.worker.torch_protocol import BackwardArgs, ForwardArgs


# --- Outputs -----------------------------------------------------------------------------------------------------

def forward_check(spec: ModelSpec, inputs, *, mode: str = "eval", points: float, name: str, description: str,
                  hint: str = "", max_examples: int = 10, examples: tuple = ()) -> PropertyCheck:
    """With the reference's weights, the model's output on drawn inputs is the reference's (in `mode`)."""

    def prop(session: Session, drawn: dict) -> None:
        x, shown = model_input(spec, drawn)
        model = with_weights(session, get_model(session, spec, drawn["kwargs"], shown), shown)
        result = ask(session, model, "forward", ForwardArgs(x=x, mode=mode, trace=True), shown)
        actual, mine = outputs(result, 1)[0], traced(result, 0)
        expected, variant = best_reference(model, x, mode, actual, mine)
        anticipated(session, model, x, mode)
        mismatch = compare_arrays(expected, actual, **tolerance(expected))
        if mismatch is not None:
            evidence = Evidence(model=model, x=x, mode=mode, expected=expected, actual=actual,
                                facts={"variant": variant})
            where = where_they_part(model, mine, expected_trace(model, x, mode, variant)) if mine else ""
            raise fail(f"{spec.call(drawn['kwargs'])} in {mode} mode {mismatch.message}. {where}".strip(),
                        model, shown, evidence, expected=expected, actual=actual, differences=mismatch.differences)

    return PropertyCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                         inputs=inputs, prop=prop, max_examples=max_examples, examples=tuple(examples),
                         shrink_calls=SHRINK_CALLS)


# --- Modes: eval is deterministic; what training mode changes, and where -------------------------------------------

def _varies(first: dict, second: dict) -> dict:
    return {path: not np.array_equal(first[path][0], second[path][0]) for path in first if path in second}


def mode_problems(model: Model, x: np.ndarray, eval_result: dict, train_result: dict) -> tuple[list[str], dict]:
    """What the model does differently from the reference in eval and in training mode."""
    outputs = eval_result["outputs"]
    problems, facts = [], {"varies": {}, "training": {}, "buffers": None, "after_last": False,
                           "eval_varies": not np.array_equal(outputs[0], outputs[1])}
    if not np.array_equal(outputs[0], outputs[1]):
        problems.append("in eval mode two calls on the same input give different outputs: something random "
                        "(Dropout) is still active; functional dropout needs training=self.training")
    if eval_result["buffers_changed"]:
        problems.append(f"in eval mode a forward pass changed {', '.join(eval_result['buffers_changed'])}: "
                        "BatchNorm must use (not update) its running statistics in eval mode")
    reference = oracle.training(model.session, model.reference, x)  # two passes, torch seeded with 1
    theirs = reference["varies"]
    traces = train_result["traces"]
    mine = _varies(first_calls(traces[0]), first_calls(traces[1]))
    flags = {path: training for path, _, training in train_result["training"]}
    reference_flags = reference["training"]
    for student_unit, reference_unit in model.mapping.pairs:
        name = describe(reference_unit)
        my_varies, their_varies = mine.get(student_unit["path"]), theirs.get(reference_unit["path"])
        facts["varies"][reference_unit["path"]] = (my_varies, their_varies)
        if my_varies and not their_varies:
            problems.append(f"in training mode the input of {name} changes from call to call (something random, "
                            "Dropout, comes before it); in the reference it does not")
        elif their_varies and not my_varies:
            problems.append(f"in training mode the input of {name} is the same on every call; in the reference "
                            "Dropout comes right before it")
        my_flag, their_flag = flags.get(student_unit["path"]), reference_flags.get(reference_unit["path"])
        facts["training"][reference_unit["path"]] = (my_flag, their_flag)
        batchnorm = family(reference_unit["type"]) == "batchnorm"  # the others ignore the mode
        if my_flag is not None and my_flag != their_flag and batchnorm:
            problems.append(f"after model.train(), {name} runs in {'training' if my_flag else 'eval'} mode; "
                            f"expected {'training' if their_flag else 'eval'} mode")
    if model.mapping.pairs:  # randomness after the last layer: the output is its output in eval, not in train
        last_student, last_reference = model.mapping.pairs[-1]
        in_train = _is_output_of(first_calls(traces[0]).get(last_student["path"]), train_result["outputs"][0])
        in_eval = _is_output_of(first_calls(eval_result["traces"][0]).get(last_student["path"]), outputs[0])
        facts["after_last"] = in_eval and not in_train
        if facts["after_last"]:
            problems.append(f"in training mode the output is not the output of the last layer, "
                            f"{describe(last_reference)}, as it is in eval mode: something random (Dropout?) "
                            "comes after it")
    reverse = {theirs_name: mine_name for mine_name, theirs_name in model.mapping.tensors.items()}
    expected_changed = sorted(reverse.get(name, name) for name in reference["buffers_changed"]
                              if not name.endswith("num_batches_tracked"))
    changed = sorted(name for name in train_result["buffers_changed"] if not name.endswith("num_batches_tracked"))
    facts["buffers"] = (changed, expected_changed)
    if changed != expected_changed:
        problems.append(f"a training-mode forward pass changed {listed(changed)}; expected {listed(expected_changed)}")
    return problems, facts


def _is_output_of(unit_trace, output: np.ndarray) -> bool:
    return unit_trace is not None and unit_trace[1].size == output.size and \
        np.array_equal(unit_trace[1].reshape(-1), output.reshape(-1))


def modes_verdict(model: Model, x: np.ndarray, seed: int, eval_result, train_result) -> list[str]:
    """What the grader verifies about the modes: two eval passes and two training-mode passes (torch
    seeded alike) give the reference's outputs, and the BatchNorm statistics after the training-mode
    passes are the reference's. One line per difference."""
    device = model.device if torch.cuda.is_available() else "cpu"  # dropout masks come from the device's generator
    for mode in ("eval", "train"):
        for_every_variant(model, lambda variant: oracle.passes(model.session, model.reference.but(variant), x, mode,
                                                               seed=seed, repeat=2, device=device))
    found = []
    expected_eval, _ = reference_passes(model, x, "eval", seed=seed, repeat=2)
    expected_train, expected_buffers = reference_passes(model, x, "train", seed=seed, repeat=2, device=device)
    for mode, expected, actual in (("eval", expected_eval, outputs(eval_result, 2)),
                                   ("training", expected_train, outputs(train_result, 2))):
        wrong = [index + 1 for index, (want, got) in enumerate(zip(expected, actual))
                 if compare_arrays(want, got, **tolerance(want)) is not None]
        if wrong:
            found.append(f"in {mode} mode, call {' and '.join(map(str, wrong))} of two on the same input "
                         f"({'torch seeded alike' if mode == 'training' else 'deterministic'}) does not give the "
                         "reference's outputs")
    buffers = train_result.get("buffers") if isinstance(train_result, dict) else None
    buffers = buffers if isinstance(buffers, dict) else {}
    wrong = [mine for mine, theirs in model.mapping.tensors.items() if theirs in expected_buffers
             and compare_arrays(expected_buffers[theirs], buffers.get(mine),
                                **tolerance(expected_buffers[theirs])) is not None]
    if wrong:
        found.append(f"after two training-mode passes, {listed(sorted(wrong))} are not the reference's "
                     "(BatchNorm statistics)")
    return found


def traced(result, index: int) -> dict:
    """The units' (input, output) of pass `index`, by path, as the worker reports them ({} if it does not)."""
    try:
        return first_calls(result["traces"][index])
    except (KeyError, TypeError, IndexError, ValueError):
        return {}


def modes_check(spec: ModelSpec, inputs, *, points: float, name: str, description: str, hint: str = "",
                max_examples: int = 3, examples: tuple = ()) -> PropertyCheck:
    """eval(): deterministic, the reference's outputs, BatchNorm statistics untouched. train(): with torch
    seeded alike, the reference's outputs (the same layers run in training mode, the same inputs
    randomly dropped) and the reference's updated statistics. What the worker says about its layers
    (which ran in which mode, where randomness entered) only explains a difference."""

    def prop(session: Session, drawn: dict) -> None:
        x, shown = model_input(spec, drawn)
        model = with_weights(session, get_model(session, spec, drawn["kwargs"], shown), shown)
        seed = drawn["seed"]
        eval_result = ask(session, model, "forward", ForwardArgs(x=x, mode="eval", repeat=2, trace=True, seed=seed),
                          shown)
        if model.variant is None:
            best_reference(model, x, "eval", outputs(eval_result, 1)[0], traced(eval_result, 0))
        train_result = ask(session, model, "forward",
                           ForwardArgs(x=x, mode="train", repeat=2, trace=True, seed=seed, state=True), shown)
        verdict = modes_verdict(model, x, seed, eval_result, train_result)
        if is_recording():  # the kit then explains any model's failure on this case
            with oracle.for_the_bank():
                oracle.training(session, model.reference, x)
        if not verdict:
            return
        try:
            problems, facts = mode_problems(model, x, eval_result, train_result)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # a malformed claim explains nothing
            problems, facts = [], {}
        evidence = Evidence(model=model, x=x, mode="train", facts=facts)
        raise fail(f"{spec.call(drawn['kwargs'])}:\n" + "\n".join(f"- {p}" for p in verdict + problems), model,
                   shown, evidence)

    return PropertyCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                         inputs=inputs, prop=prop, max_examples=max_examples, examples=tuple(examples),
                         shrink_calls=SHRINK_CALLS)


# --- Gradients --------------------------------------------------------------------------------------------------

def backward_check(spec: ModelSpec, inputs, *, points: float, name: str, description: str, hint: str = "",
                   max_examples: int = 8, examples: tuple = ()) -> PropertyCheck:
    """In training mode, d(sum(output * g))/dx and /dweights equal the reference's; x is left as it was."""

    def prop(session: Session, drawn: dict) -> None:
        x, shown = model_input(spec, drawn)
        model = with_weights(session, get_model(session, spec, drawn["kwargs"], shown), shown)
        expected = oracle.backward(session, model.reference, x, grad_seed=drawn["seed"] + 1)
        grad_output = sample_input(tuple(expected["output_shape"]), drawn["seed"] + 1)
        evidence = Evidence(model=model, x=x, mode="train")
        try:
            result = ask(session, model, "backward", BackwardArgs(x=x, grad_output=grad_output, mode="train"), shown,
                         evidence)
        except Falsified:  # autograd refuses an in-place write into x: does a forward pass write into it?
            evidence.facts["input_changed"] = _changes_input(session, model, x, shown)
            raise
        if not isinstance(result, dict) or not isinstance(result.get("param_grads"), dict):
            raise fail(f"{spec.call(drawn['kwargs'])}: the worker's reply was malformed", model, shown, evidence)
        grads, input_grad = expected["grads"], expected["input_grad"]
        evidence.facts["input_changed"] = bool(result.get("input_changed"))
        if evidence.facts["input_changed"]:
            raise fail(f"{spec.call(drawn['kwargs'])} changed its input x in place during forward: an in-place "
                        "operation (+=, relu_, inplace=True) wrote into a tensor that is still needed",
                        model, shown, evidence)
        checks = [("the gradient with respect to x", input_grad, result.get("input_grad"))]
        checks += [(f"the gradient of {mine}", grads.get(theirs), result["param_grads"].get(mine))
                   for mine, theirs in model.mapping.tensors.items() if theirs in grads]
        for what, expected, actual in checks:
            mismatch = compare_arrays(expected, actual, **tolerance(expected))
            if mismatch is not None:
                raise fail(f"{spec.call(drawn['kwargs'])} in training mode: {what} {mismatch.message}", model,
                            shown, evidence, expected=expected, actual=actual, differences=mismatch.differences)

    return PropertyCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                         inputs=inputs, prop=prop, max_examples=max_examples, examples=tuple(examples),
                         shrink_calls=SHRINK_CALLS)


def _changes_input(session: Session, model: Model, x: np.ndarray, shown: dict) -> bool:
    """Does one training-mode forward pass change its input x in place (as the worker reports it)?"""
    try:
        result = ask(session, model, "forward", ForwardArgs(x=x, mode="train"), shown)
    except (Falsified, Stop):
        return False
    return isinstance(result, dict) and result.get("input_changed") is True
