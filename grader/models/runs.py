"""The student's PyTorch model and the reference, side by side: build the one in the worker, give
it the other's weights, run both, say where they part.

The grader never imports the submission: the worker builds the model (grader.worker.torch_ops)
and answers questions; here the reference model is built, given random weights (BatchNorm
statistics and signs included, so that a misplaced layer shows), and the same weights are
copied into the student's model through the mapping of grader.models.mapping. Outputs, layer
by layer, are then compared here. One model per class and keyword arguments is built per
grading run (Session.cache) and reused by every check; a model that fails to build or to run
once fails every later check at once with the same message.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from grader.checks import Falsified, Session, Stop, failure_message
from grader.compare import compare_arrays
from grader.models.claims import malformed
from grader.models.mapping import Mapping, MappingError, describe, map_models
from grader.worker.wire import Outcome
from grader.worker.torch_inspect import parameter_table, record
from grader.worker.torch_protocol import BuildArgs, InspectArgs, LoadArgs

log = logging.getLogger(__name__)

RTOL = 1e-4
ATOL = 1e-4

# The references are small and the worker runs beside this process: more than one thread
# here only makes both wait for each other (a LeNet forward pass took 100x longer with two).
torch.set_num_threads(1)


@dataclass(frozen=True)
class ModelSpec:
    """How to build one exercise's model on both sides.

    `reference(kwargs, **variant)` builds the reference; `variants` are reference keyword sets
    that are all correct (AlexNet's spellings of 'same' padding). `bases(kwargs)` gives the
    keyword arguments the worker builds from a layer spec (exercise 9's base); `input_shape(kwargs)`
    is one input's (C, H, W).

    `same_layers`: what a model with the reference's layers (with weights) may compute instead,
    each a reference keyword set (another activation or pooling: the known mistakes) or a
    function of the reference's output (a softmax on the logits). A model that computes the
    reference or one of these with the grader's weights has its declared layers verified: it
    keeps the structure and count points, and loses the outputs check's.
    """

    cls: str
    reference: Callable[..., nn.Module]
    input_shape: Callable[[dict], tuple]
    bases: Callable[[dict], dict] = lambda kwargs: {}
    variants: tuple[dict, ...] = ({},)
    same_layers: tuple = ()

    def worker_kwargs(self, kwargs: dict) -> dict:
        return {name: value for name, value in kwargs.items() if name not in self.bases(kwargs)}

    def build_reference(self, kwargs: dict, variant: dict) -> nn.Module:
        return self.reference(kwargs, **variant)

    def call(self, kwargs: dict) -> str:
        """'LeNet5(num_classes=10)' as the student would write it."""
        shown = ", ".join(f"{name}={value!r}" for name, value in kwargs.items())
        return f"{self.cls}({shown})"


@dataclass
class Model:
    """A student's model built in the worker, and what the grader knows about it."""

    spec: ModelSpec
    kwargs: dict
    handle: str
    info: dict
    reference: nn.Module | None = None  # holds the weights the student's model was given
    reference_info: dict | None = None
    mapping: Mapping | None = None
    sent: dict | None = None  # the arrays sent, to send again after a worker restart
    variant: dict | None = None  # the accepted reference variant, once one matched
    built: dict = field(default_factory=dict)  # reference variants with the same weights, by repr
    device: str = "cpu"  # where the worker says it built the model


@dataclass
class Evidence:
    """What a known mistake's detector may look at: the model, the input, both outputs, the facts."""

    model: Model | None = None
    x: np.ndarray | None = None
    mode: str = "eval"
    expected: np.ndarray | None = None
    actual: np.ndarray | None = None
    facts: dict = field(default_factory=dict)


@dataclass
class ModelOutcome(Outcome):
    evidence: Evidence | None = None


# --- Talking to the worker ---------------------------------------------------------------------------

def ask(session: Session, model: Model, op: str, args: dict, inputs: dict, evidence: Evidence | None = None):
    """`op` on the student's model; a worker restarted since the model was built builds it again."""
    for attempt in (1, 2):
        try:
            return session.request(f"torch.{op}", {"handle": model.handle, **args}, function=model.spec.cls,
                                   inputs=inputs)
        except (Falsified, Stop) as failure:
            falsified = failure.falsified if isinstance(failure, Stop) else failure
            kind = (falsified.outcome.error or {}).get("type") if falsified.outcome is not None else None
            if kind == "UnknownHandle" and attempt == 1:
                _rebuild(session, model, inputs)
                continue
            _attach(falsified, evidence or Evidence(model=model))
            raise


def _attach(falsified: Falsified, evidence: Evidence) -> None:
    outcome = falsified.outcome
    if outcome is not None and not isinstance(outcome, ModelOutcome):
        fields = {name: getattr(outcome, name) for name in Outcome.__dataclass_fields__}
        falsified.outcome = ModelOutcome(**fields, evidence=evidence)


def _build_request(session: Session, spec: ModelSpec, kwargs: dict, handle: str) -> BuildArgs:
    return BuildArgs(handle=handle, cls=spec.cls, kwargs=spec.worker_kwargs(kwargs), modules=spec.bases(kwargs),
                     device=session.device)


def _rebuild(session: Session, model: Model, inputs: dict) -> None:
    request = _build_request(session, model.spec, model.kwargs, model.handle)
    request_op(session, model.spec, "torch.build", request, inputs)
    if model.sent is not None:
        request_op(session, model.spec, "torch.load", LoadArgs(handle=model.handle, state=model.sent), inputs)


def request_op(session: Session, spec: ModelSpec | None, op: str, args: dict, inputs: dict,
               evidence: Evidence | None = None, *, function: str | None = None):
    """A worker op that needs no model handle (build, or an op on a bare model built from a layer spec);
    failures carry `evidence` and are told as failures of `function` (the model's class by default)."""
    try:
        return session.request(op, args, function=function or spec.cls, inputs=inputs)
    except (Falsified, Stop) as failure:
        falsified = failure.falsified if isinstance(failure, Stop) else failure
        error = (falsified.outcome.error or {}) if falsified.outcome is not None else {}
        if error.get("type") == "DeviceUnavailable":
            raise RuntimeError(error.get("message", "")) from None  # the grader's setting, not the student's fault
        _attach(falsified, evidence or Evidence())
        raise


def _copy(falsified: Falsified) -> Falsified:
    """A remembered failure, copied: each check sets its own `kind` on what it reports."""
    clone = Falsified.__new__(Falsified)
    clone.__dict__.update(falsified.__dict__)
    clone.args = falsified.args
    return clone


def sample_input(shape: tuple, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def input_recipe(shape: tuple, seed: int) -> str:
    """How a student makes the same input: shown in reports instead of thousands of numbers."""
    return f"np.random.default_rng({seed}).standard_normal({tuple(shape)}).astype('float32')"


def get_model(session: Session, spec: ModelSpec, kwargs: dict, inputs: dict, *, forward: bool = True) -> Model:
    """The student's model for `kwargs`, built and inspected once per grading run.

    A failure (an exception, a hang, a crash) is remembered: every later check that needs this
    model fails at once with it, instead of waiting for the same timeout again.
    """
    key = ("model", spec.cls, repr(sorted(kwargs.items())), forward)
    cached = session.cache.get(key)
    if isinstance(cached, Falsified):
        raise Stop(_copy(cached))
    if cached is not None:
        return cached
    handle = f"{spec.cls}-{len(session.cache)}"
    inputs = dict(kwargs)  # what failed is building or inspecting the model, not one input
    try:
        built = request_op(session, spec, "torch.build", _build_request(session, spec, kwargs, handle), inputs)
        device = built.get("device") if isinstance(built, dict) else None
        x = sample_input((2, *spec.input_shape(kwargs)), seed=1) if forward else None
        info = request_op(session, spec, "torch.inspect", InspectArgs(handle=handle, x=x), inputs)
        problem = malformed(info)
        if problem:
            raise Stop(Falsified(f"{spec.call(kwargs)}: the worker's description of the model was malformed "
                                 f"({problem})", function=spec.cls, inputs=inputs,
                                 outcome=ModelOutcome(True, evidence=Evidence())))
        model = Model(spec, dict(kwargs), handle, info, device=device if device in ("cpu", "cuda", "cuda:0") else "cpu")
        if info.get("error"):
            outcome = ModelOutcome(False, error=info["error"], evidence=Evidence(model=model))
            raise Stop(Falsified(failure_message(spec.call(kwargs), outcome, session.worker.limits),
                                  function=spec.cls, inputs=inputs, outcome=outcome))
        if forward and info.get("output") is None:
            outcome = ModelOutcome(True, value=None, evidence=Evidence(model=model))
            raise Stop(Falsified(f"{spec.call(kwargs)} returned a {info.get('output_type')} from forward, "
                                  "expected a torch.Tensor", function=spec.cls, inputs=inputs, outcome=outcome))
    except (Falsified, Stop) as failure:
        falsified = failure.falsified if isinstance(failure, Stop) else failure
        session.cache[key] = falsified
        raise Stop(falsified) from None
    session.cache[key] = model
    return model


# --- The reference, with weights the student's model also gets ----------------------------------------

def randomize(model: nn.Module, seed: int) -> nn.Module:
    """Random weights that keep activations near 1, BatchNorm scales of both signs, running
    statistics away from (0, 1): a BatchNorm before a max pool or a ReLU then shows."""
    generator = torch.Generator().manual_seed(seed)

    def normal(tensor, std):
        tensor.copy_(torch.randn(tensor.shape, generator=generator) * std)

    def uniform(tensor, low, high):
        tensor.copy_(low + (high - low) * torch.rand(tensor.shape, generator=generator))

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                if module.weight is not None:
                    uniform(module.weight, 0.5, 1.5)
                    signs = torch.rand(module.weight.shape, generator=generator) < 0.3
                    module.weight.mul_(torch.where(signs, -1.0, 1.0))
                    normal(module.bias, 0.3)
                if module.running_mean is not None:
                    normal(module.running_mean, 0.3)
                    uniform(module.running_var, 0.5, 2.0)
                continue
            for name, parameter in module.named_parameters(recurse=False):
                if name == "weight" and parameter.dim() > 1:
                    normal(parameter, math.sqrt(2.0 / parameter[0].numel()))
                else:
                    normal(parameter, 0.1)
    return model


def reference_structure(session: Session, spec: ModelSpec, kwargs: dict) -> dict:
    """The reference's parameters and calls on the input get_model inspects, once per run; the
    model built for it is kept for with_weights (an AlexNet takes a tenth of a second to build)."""
    key = (spec.cls, repr(sorted(kwargs.items())))
    if ("reference structure", *key) not in session.cache:
        reference = spec.build_reference(kwargs, spec.variants[0]).eval()
        output, recorded = record(reference, torch.from_numpy(sample_input((2, *spec.input_shape(kwargs)), seed=1)))
        session.cache[("reference structure", *key)] = {**parameter_table(reference), "calls": recorded["calls"],
                                                        "output": list(output.shape)}
        session.cache[("reference model", *key)] = reference
    return session.cache[("reference structure", *key)]


def with_weights(session: Session, model: Model, inputs: dict) -> Model:
    """Give the student's model the reference's random weights (once per model), through the mapping."""
    if model.mapping is not None:
        return model
    failed = session.cache.get(("mapping", model.handle))
    if failed is not None:
        raise Stop(_copy(failed))
    spec, kwargs = model.spec, model.kwargs
    shown = dict(kwargs)
    reference_info = reference_structure(session, spec, kwargs)
    reference = session.cache.pop(("reference model", spec.cls, repr(sorted(kwargs.items()))), None)
    reference = randomize(reference or spec.build_reference(kwargs, spec.variants[0]), seed=session.seed).eval()
    try:
        mapping = map_models(model.info, reference_info)
    except MappingError as error:
        lines = str(error).splitlines()
        first = next((f"; the first difference, layer {lines[index - 1].strip()}, {line.strip()}"
                      for index, line in enumerate(lines)
                      if index and line.strip().startswith("expected:")), "")
        falsified = Falsified(f"the grader cannot give {spec.call(kwargs)} the reference's weights to compare "
                              f"outputs: {lines[0].rstrip(':')}{first}", function=spec.cls, inputs=shown,
                              outcome=ModelOutcome(True, evidence=Evidence(model=model)))
        session.cache[("mapping", model.handle)] = falsified
        raise Stop(falsified) from None
    state = {name: tensor.detach() for name, tensor in [*reference.named_parameters(), *reference.named_buffers()]}
    with torch.no_grad():
        for name in mapping.reference_only:
            state[name].zero_()
    shapes = {name: shape for name, shape, *_ in [*model.info["parameters"], *model.info["buffers"]]}
    sent = {mine: state[theirs].numpy().copy() for mine, theirs in mapping.tensors.items()}
    sent.update({name: np.zeros(shapes[name], np.float32) for name in mapping.student_only})
    ask(session, model, "load", {"state": sent}, inputs)
    log.debug("%s: the reference's weights go to %d of its tensors, mapped by %s", spec.call(kwargs), len(sent),
              mapping.how)
    model.reference, model.reference_info, model.mapping, model.sent = reference, reference_info, mapping, sent
    return model


@dataclass
class Run:
    """One forward pass: the output, each unit's first (input, output) by path, every call made."""

    output: np.ndarray
    units: dict
    calls: list
    buffers_changed: list = field(default_factory=list)


def reference_model(model: Model, variant: dict | None = None, changes: dict | None = None) -> nn.Module:
    """The reference with the student's weights; another variant (or a known mistake's `changes`)
    is built afresh and given the same state."""
    spec = model.spec
    if (variant is None or variant == spec.variants[0]) and not changes:
        return model.reference
    wanted = {**(variant or spec.variants[0]), **(changes or {})}
    key = repr(sorted(wanted.items()))
    if key not in model.built:  # an AlexNet takes a tenth of a second to build: once per variant
        model.built[key] = spec.build_reference(model.kwargs, wanted)
        copy_state(model.reference, model.built[key])
    return model.built[key].eval()


def copy_state(source: nn.Module, target: nn.Module) -> None:
    """Parameters and buffers in registration order: variants wrap layers differently, so their
    names differ ('features.0.weight', 'features.0.1.weight'), never their order or shapes."""
    mine = [*source.parameters(), *source.buffers()]
    theirs = [*target.parameters(), *target.buffers()]
    if [t.shape for t in mine] != [t.shape for t in theirs]:
        raise ValueError(f"{type(target).__name__} variant does not hold the same tensors as the reference")
    with torch.no_grad():
        for a, b in zip(mine, theirs):
            b.copy_(a)


def run_reference(model: Model, x: np.ndarray, mode: str, variant: dict | None = None, *,
                  changes: dict | None = None) -> Run:
    """The reference's forward pass on `x` in `mode` (train or eval); its buffers are put back."""
    reference = reference_model(model, variant, changes)
    saved = {name: buffer.clone() for name, buffer in reference.named_buffers()}
    reference.train(mode == "train")
    output, recorded = record(reference, torch.from_numpy(x), keep_arrays=True)
    changed = []
    with torch.no_grad():
        for name, buffer in reference.named_buffers():
            if not torch.equal(buffer, saved[name]):
                changed.append(name)
                buffer.copy_(saved[name])
    reference.eval()
    return Run(output.numpy(), first_calls(recorded["arrays"]), recorded["calls"], changed)


def first_calls(arrays: list) -> dict:
    found = {}
    for path, given, produced in arrays:
        found.setdefault(path, (np.asarray(given), np.asarray(produced)))
    return found


def tolerance(expected: np.ndarray) -> dict:
    scale = float(np.max(np.abs(expected))) if np.size(expected) else 0.0
    return {"rtol": RTOL, "atol": ATOL * (1.0 + scale)}


def agreement(model: Model, mine: dict, theirs: dict) -> tuple[int, str]:
    """How many layers with weights, in the reference's order, give the reference's output; and
    where they part, in words. A layer whose output agrees counts even if its input does not
    (padding done before the conv on one side and inside it on the other)."""
    if model.mapping is None or not model.mapping.pairs:
        return 0, ""
    previous = "the input x"
    for count, (student_unit, reference_unit) in enumerate(model.mapping.pairs):
        if student_unit["path"] not in mine or reference_unit["path"] not in theirs:
            return count, ""
        (my_in, my_out), (their_in, their_out) = mine[student_unit["path"]], theirs[reference_unit["path"]]
        name = describe(reference_unit)
        if compare_arrays(their_out, my_out, **tolerance(their_out)) is None:
            previous = f"the output of {name}"
            continue
        if compare_arrays(their_in, my_in, **tolerance(their_in)) is not None:
            return count, (f"Layer by layer, your model agrees with the reference up to {previous}; the input of "
                           f"{name} already differs, so look at what comes between them (activation, pooling, "
                           f"flatten, BatchNorm or Dropout, and their order).")
        return count, (f"Layer by layer, the input of {name} agrees with the reference but its output differs "
                       f"(its padding, stride, or the mode it runs in?).")
    return len(model.mapping.pairs), (
        f"Every layer with weights agrees with the reference, up to {previous}: what differs is computed "
        f"after it.")


def where_they_part(model: Model, mine: dict, theirs: dict) -> str:
    return agreement(model, mine, theirs)[1]
