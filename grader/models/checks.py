"""Checks for the PyTorch exercises about what a model is: its layers and shapes, its parameter
counts, and what training does to it. Outputs, modes and gradients are in grader.models.behaviour;
the known mistakes are told apart in grader.models.mistakes.

Each constructor returns a Check for one model class (a ModelSpec). The model runs in the
worker, the reference here (grader.models.runs). The worker's description of the model (its
layers, shapes, counts) may cost points and shapes the message; the points stand on what the
grader verifies (grader.models.verify). A failure says what differs and carries the evidence
that the exercise's known mistakes are matched on.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import ExampleCheck, Falsified, PropertyCheck, Session, Stop
from grader.deferred import st
from grader.models import oracle
from grader.models.layers import counts, layer_table, shape_text, unit_count, with_layers
from grader.models.mapping import MappingError, describe, family, map_models
from grader.models.modules import replay_steps
from grader.models.reference import with_weights
from grader.models.runs import (Evidence, Model, ModelOutcome, ModelSpec, ask, copied, described, get_model,
                                input_recipe, request_op)
from grader.models.verify import (compare_steps, for_every_variant, layers_verified, listed, steps_problems,
                                  steps_scale, verified_layers)
from grader.models.weights import init_table, load_state, randomized_state, sample_input
from grader.strategies import upto
from grader.worker.torch_inspect import build_base, units
from grader.worker.torch_protocol import ApplyArgs, BuildArgs, LoadArgs, StepsArgs

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
            problems.append(f"{describe(mine)} gets input {shape_text(mine_in)}, expected {shape_text(theirs_in)}")
        if mine["output"] != theirs["output"]:
            problems.append(f"{describe(mine)} gives output {shape_text(mine['output'])}, "
                            f"expected {shape_text(theirs['output'])}")
    if student.get("output") != reference.get("output"):
        problems.append(f"the model's output has shape {shape_text(student.get('output'))}, "
                        f"expected {shape_text(reference.get('output'))}")
    return problems


def verified(session: Session, spec: ModelSpec, model: Model, inputs: dict, verify_with: dict | None) -> None:
    """Raise when the grader cannot verify the declared layers by their outputs (grader.models.verify);
    `verify_with`: other keyword arguments of the same class to verify instead (a smaller model)."""
    if verify_with is not None:
        model = get_model(session, spec, verify_with, dict(verify_with))
    verdict = verified_layers(session, model, inputs)
    if verdict:
        raise fail(verdict, model, inputs)


def structure_check(spec: ModelSpec, kwargs, *, points: float, name: str, description: str, hint: str = "",
                    max_examples: int = 5, examples: tuple = ()) -> PropertyCheck:
    """The layers with weights (kind, kernel, stride, channels, bias) and every one's input and
    output shape are the reference's (= the lecture's table), for drawn keyword arguments (and
    `examples`, fixed keyword arguments tried first whatever the seed); and,
    given the grader's weights on those layers, the model computes the reference (or a model with
    the same layers, ModelSpec.same_layers): a description the outputs do not bear out earns nothing."""

    def prop(session: Session, drawn: dict) -> None:
        inputs = dict(drawn)
        model = get_model(session, spec, drawn, inputs)
        reference = oracle.structure(session, spec, drawn)
        problems = structure_problems(model.info, reference)
        if len(problems) == 1 and "do not line up" in problems[0]:
            raise with_layers(fail(f"{spec.call(drawn)} on a batch of 2: {problems[0]}", model, inputs),
                              model.info, reference)
        if problems:
            raise with_layers(fail(f"{spec.call(drawn)} on a batch of 2 differs from the expected layers:\n"
                                   + "\n".join(f"- {problem}" for problem in problems)
                                   + f"\nExpected:\n{layer_table(reference)}", model, inputs), model.info, reference)
        verified(session, spec, model, inputs, None)

    return PropertyCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                         inputs=kwargs, prop=prop, max_examples=max_examples, examples=tuple(examples),
                         shrink_calls=SHRINK_CALLS)


# --- Parameter counts -----------------------------------------------------------------------------------------

_LABELS = {"trainable": "trainable parameters", "frozen": "frozen parameters",
           "statistics": "BatchNorm statistics (running means and variances)"}


def count_check(spec: ModelSpec, configurations: tuple[tuple[dict, dict], ...], *, points: float, name: str,
                description: str, hint: str = "", forward: bool = True,
                verify_with: dict | None = None) -> ExampleCheck:
    """Trainable parameters, frozen ones and BatchNorm statistics equal the expected counts (the
    lecture's tables, or the exercise's spec where the lecture prints none), per layer too; and
    the declared layers are verified by their outputs with the grader's weights. The counts are
    read from the parameter table, which needs no forward pass: a model whose forward pass fails
    hears whether its counts are right, and that the failure keeps them from being verified.

    `configurations`: (kwargs, {"trainable": n, "frozen": n, "statistics": n}) pairs.
    `forward=False` counts without running the model (a large one, VGG16's base); `verify_with`
    then names smaller keyword arguments of the same class whose outputs are verified instead.
    """

    def prop(session: Session, configuration) -> None:
        kwargs, expected = configuration
        inputs = dict(kwargs)
        try:
            model, broken = get_model(session, spec, kwargs, inputs, forward=forward), None
        except Stop as stop:  # a forward pass that fails leaves the parameter table to count
            model, broken = described(session, spec, kwargs) if forward else None, stop.falsified
            if model is None:
                raise
        found = counts(model.info)
        wrong = [f"{found[kind]:,} {_LABELS[kind]}, expected {number:,}"
                 for kind, number in expected.items() if found[kind] != number]
        if wrong:
            lines = [f"{spec.call(kwargs)} has " + "; ".join(wrong) + "."]
            reference = oracle.structure(session, spec, kwargs) if forward else {"calls": []}
            mine, theirs = units(model.info.get("calls", [])), units(reference["calls"])
            for index in range(max(len(mine), len(theirs)) if forward else 0):
                a = (describe(mine[index]), unit_count(mine[index])) if index < len(mine) else ("(no layer)", 0)
                b = (describe(theirs[index]), unit_count(theirs[index])) if index < len(theirs) else ("(no layer)", 0)
                if a[1] != b[1]:
                    lines.append(f"  {a[0]}: {a[1]:,}\n    expected {b[0]}: {b[1]:,}")
            failure = fail("\n".join(lines), model, inputs)
            raise with_layers(failure, model.info, reference) if forward else failure
        if broken is not None:  # right counts, but no output bears the layers out: say so, and the failure once
            failure = copied(broken)
            right = "; ".join(f"{number:,} {_LABELS[kind]}" for kind, number in expected.items() if number)
            failure.message = (f"{spec.call(kwargs)} has the expected {right}, but the grader counts only layers "
                               f"that its outputs bear out, and its forward pass fails: {broken.message}")
            failure.args = (failure.message,)
            raise Stop(failure)
        verified(session, spec, model, inputs, verify_with)

    return ExampleCheck(name=name, points=points, description=description, functions=(spec.cls,), hint=hint,
                        examples=tuple(configurations), prop=prop, kind="the lecture's configuration")


# --- Training steps -----------------------------------------------------------------------------------------------

def training_check(spec: ModelSpec, examples: tuple[dict, ...], *, loss: str, points: float, name: str,
                   description: str, trains: tuple[str, ...] | None = None, optimizer_gets: str = "all",
                   lr: float = 0.01, steps: int = 5, weight_decay: float = 0.1, mode: str = "eval",
                   hint: str = "") -> ExampleCheck:
    """From the grader's weights, `steps` SGD steps on one fixed batch give the parameters of the
    grader's own replay on its reference: every parameter that should train moves as the
    reference's does, every other stays (grader.worker.torch_protocol.StepsArgs says the update;
    its weight decay makes a frozen parameter given to the optimizer show).

    `optimizer_gets`: "all" (every parameter that requires grad) or the name of the submission's
    function that picks them (exercise 9's trainable_parameters). `trains`: the names (or name
    prefixes) of the reference's parameters that train, by default those with requires_grad (data,
    so that the kit's bank can answer for it). `mode`: the mode the steps run in, eval by default
    so that Dropout draws nothing (the modes check judges it).
    """
    functions = (spec.cls,) if optimizer_gets == "all" else (spec.cls, optimizer_gets)

    def prop(session: Session, example: dict) -> None:
        x, shown = model_input(spec, example)
        model = with_weights(session, get_model(session, spec, example["kwargs"], shown), shown)
        rng = np.random.default_rng(example["seed"])
        outputs = tuple(oracle.structure(session, spec, example["kwargs"])["output"][1:])
        if loss == "cross_entropy":
            y = rng.integers(0, outputs[0], size=x.shape[0]).astype(np.float32)
        elif loss == "bce":
            y = rng.integers(0, 2, size=(x.shape[0], *outputs)).astype(np.float32)
        else:
            y = rng.standard_normal((x.shape[0], *outputs)).astype(np.float32)
        evidence = Evidence(model=model, x=x, mode=mode)
        settings = {"loss": loss, "lr": lr, "weight_decay": weight_decay, "steps": steps, "mode": mode,
                    "seed": example["seed"]}

        def replayed() -> tuple[dict, dict, dict[str, str], float]:
            """The reference's parameters before and after the steps, the student's names for them and the
            largest change (compare_steps). The replay runs on what the model was verified to compute (a
            known mistake with the same layers included): this check judges what trains, the outputs check
            the function."""
            verified_layers(session, model, shown)
            changes = model.same_as if isinstance(model.same_as, dict) else None
            for other in ({}, *(entry for entry in spec.same_layers if isinstance(entry, dict))):
                for_every_variant(model, lambda variant: oracle.steps(session, model.reference.but(variant, other),
                                                                      x, y, settings, trains))
            expected = oracle.steps(session, model.reference.but(model.variant, changes), x, y, settings, trains)
            start = {name: model.state[name] for name in expected}  # named as the mapping names them
            names = {mine: theirs for mine, theirs in model.mapping.tensors.items() if theirs in start}
            return start, expected, names, steps_scale(start, expected, names)

        # Once the layers are verified (the structure check), the replay asks the worker nothing: it runs
        # while the worker trains.
        replay = session.meanwhile(replayed) if layers_verified(session, model) else replayed
        result = ask(session, model, "steps", StepsArgs(x=x, y=y, params=optimizer_gets, **settings), shown, evidence)
        start, expected, names, scale = replay()
        found = compare_steps(start, expected, result.get("parameters") if isinstance(result, dict) else None, names,
                              scale=scale)
        given = result.get("given") if isinstance(result, dict) else None
        evidence.facts.update(found, given=given if isinstance(given, list) else [])
        problems = steps_problems(found, steps)
        if problems:
            raise fail(f"{spec.call(example['kwargs'])}, {steps} SGD steps (lr={lr}, weight decay {weight_decay}, "
                       f"{loss} loss) on a fixed batch from the grader's weights:\n"
                       + "\n".join(f"- {p}" for p in problems), model, shown, evidence)

    return ExampleCheck(name=name, points=points, description=description, functions=functions, hint=hint,
                        examples=tuple(examples), prop=prop, kind="a fixed batch")


def freeze_check(function: str, bases: tuple[tuple[str, list, tuple], ...], *, points: float, name: str,
                 description: str, hint: str = "", lr: float = 0.05, steps: int = 2,
                 weight_decay: float = 0.1) -> ExampleCheck:
    """`function(module)` freezes a module and returns it: in a model [module, Flatten, Linear] built
    by the worker with the grader's weights, after `function(model[0])`, SGD steps on every
    parameter that requires grad move exactly the head, as in the grader's replay with the
    module frozen. `bases`: (name, layer spec, input shape (C, H, W)) per example."""

    def prop(session: Session, base: tuple[str, list, tuple]) -> None:
        label, layers, input_shape = base
        inputs = {"module": f"a small base: {label}"}
        features = int(np.prod(build_base(layers)(torch.zeros(1, *input_shape)).shape[1:]))
        layout = [["sequential", layers], ["flatten"], ["linear", features, 2]]
        reference = build_base(layout)  # the grader's own model: no answer key in it
        load_state(reference, randomized_state(init_table(reference), session.seed)).eval()
        handle = f"{function}-{label}"
        evidence = Evidence()

        def request(op: str, args: dict):
            return request_op(session, None, op, args, inputs, evidence, function=function)

        request("torch.build", BuildArgs(handle=handle, spec=layout, device=session.device))
        state = {n: t.detach().numpy().copy() for n, t in [*reference.named_parameters(), *reference.named_buffers()]}
        request("torch.load", LoadArgs(handle=handle, state=state))
        info = request("torch.apply", ApplyArgs(handle=handle, function=function, path="0"))
        evidence.facts.update(info if isinstance(info, dict) else {})
        rng = np.random.default_rng(session.seed)
        x = rng.standard_normal((4, *input_shape)).astype(np.float32)
        y = rng.standard_normal((4, 2)).astype(np.float32)
        settings = {"loss": "mse", "lr": lr, "weight_decay": weight_decay, "steps": steps, "mode": "eval", "seed": 0}
        result = request("torch.steps", StepsArgs(handle=handle, x=x, y=y, params="all", **settings))
        start = {n: p.detach().numpy().astype(np.float64) for n, p in reference.named_parameters()}
        frozen = {n for n in start if n.startswith("0.")}
        expected = replay_steps(reference, x, y, frozen=frozen, **settings)
        found = compare_steps(start, expected, result.get("parameters") if isinstance(result, dict) else None,
                              {n: n for n in start})
        evidence.facts.update(found)
        problems = []
        trains = [n for n in found["moved"] + found["differ"] if n in frozen]
        if trains:  # the head then follows another function: its differences say nothing more
            problems.append(f"after freeze(module), {len(trains)} of {len(frozen)} parameters of the module still "
                            f"train (requires_grad=True): SGD steps moved {listed(trains)}")
        else:
            problems += steps_problems(found, steps)
        returned = info.get("returned") if isinstance(info, dict) else None
        if returned != "the same module":
            problems.append(f"{function}(module) returned {returned}; return the module it froze")
        if problems:
            raise fail("\n".join(f"- {p}" for p in problems), None, inputs, evidence, function=function)

    return ExampleCheck(name=name, points=points, description=description, functions=(function,), hint=hint,
                        examples=tuple(bases), prop=prop, kind="a small base")
