"""The student's PyTorch model, built in the worker and asked questions (grader.worker.torch_ops).

The grader never imports the submission: the worker builds the model and answers; what it
answers is a claim (grader.models.claims, grader.models.verify). One model per class and
keyword arguments is built per grading run (Session.cache) and reused by every check; a model
that fails to build or to run once fails every later check at once with the same message.
The reference beside it, with the same weights, is grader.models.reference; every question to it
goes through grader.models.oracle.
"""

from __future__ import annotations

import collections.abc
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from torch import nn

from grader import memo
from grader.checks import Falsified, Session, Stop, failure_message
from grader.models import oracle
from grader.models.claims import malformed
from grader.models.layers import with_layers
from grader.models.mapping import Mapping
from grader.models.weights import randomized_state, sample_input
from grader.worker.wire import Outcome
from grader.worker.torch_protocol import BuildArgs, InspectArgs, LoadArgs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """How to build one exercise's model on both sides.

    `reference(kwargs, **variant)` builds the reference; only the course's side of the model oracle
    calls it (grader.models.modules), the student kit never does. `variants` are reference keyword
    sets that are all correct (AlexNet's spellings of 'same' padding). `bases(kwargs)` gives the
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
        """The reference, its weights zero until the grader's replace them (modules.undrawn)."""
        from grader.models.modules import undrawn  # the course's side only: the student kit never builds one

        return undrawn(lambda: self.reference(kwargs, **variant))

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
    session: Session | None = field(default=None, repr=False)  # the grading run it belongs to (its oracle)
    reference: oracle.Reference | None = None  # the reference with the weights the student's model was given
    reference_info: dict | None = None
    mapping: Mapping | None = None
    sent: dict | None = None  # the arrays sent, to send again after a worker restart
    state: dict | None = None  # the reference's tensors with those weights, by the reference's names
    variant: dict | None = None  # the accepted reference variant, once one matched
    device: str = "cpu"  # where the worker says it built the model
    same_as: object = None  # the ModelSpec.same_layers entry the model was verified to compute, if any


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

def ask(session: Session, model: Model, op: str, args: collections.abc.Mapping[str, object], inputs: dict,
        evidence: Evidence | None = None):
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


def request_op(session: Session, spec: ModelSpec | None, op: str, args: collections.abc.Mapping[str, object],
               inputs: dict, evidence: Evidence | None = None, *, function: str | None = None):
    """A worker op that needs no model handle (build, or an op on a bare model built from a layer spec);
    failures carry `evidence` and are told as failures of `function` (the model's class by default)."""
    if not function:
        assert spec is not None  # an op on a bare model names its function
        function = spec.cls
    try:
        return session.request(op, args, function=function, inputs=inputs)
    except (Falsified, Stop) as failure:
        falsified = failure.falsified if isinstance(failure, Stop) else failure
        error = (falsified.outcome.error or {}) if falsified.outcome is not None else {}
        if error.get("type") == "DeviceUnavailable":
            raise RuntimeError(error.get("message", "")) from None  # the grader's setting, not the student's fault
        _attach(falsified, evidence or Evidence())
        raise


def copied(falsified: Falsified) -> Falsified:
    """A failure, copied: each check sets its own `kind` (and may reword the message) on what it reports."""
    clone = Falsified.__new__(Falsified)
    clone.__dict__.update(falsified.__dict__)
    clone.args = falsified.args
    return clone


def repeated(falsified: Falsified) -> Falsified:
    """A remembered failure met again by a later check: the same message, but no known mistake matches
    it and no layer table comes with it, so that one failure says its hint once (where it was first met)."""
    clone = copied(falsified)
    outcome = falsified.outcome
    if outcome is not None:
        kept = outcome.failure or getattr(outcome, "not_implemented", False)  # a hang, a crash, a stub: as it was
        clone.outcome = ModelOutcome(outcome.ok, value=outcome.value, error=outcome.error if kept else None,
                                     failure=outcome.failure, stdout=outcome.stdout, seconds=outcome.seconds,
                                     evidence=Evidence())
    clone.layers = None
    return clone


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
        raise Stop(repeated(cached))
    if cached is not None:
        return cached
    handle = f"{spec.cls}-{len(session.cache)}"
    inputs = dict(kwargs)  # what failed is building or inspecting the model, not one input
    try:
        if memo.current() is not None:  # the grader's weights, drawn while the worker builds: with_weights
            session.meanwhile(functools.partial(_weights, session, spec, kwargs))  # finds them in the memo
        built = request_op(session, spec, "torch.build", _build_request(session, spec, kwargs, handle), inputs)
        device = built.get("device") if isinstance(built, dict) else None
        x = sample_input((2, *spec.input_shape(kwargs)), seed=1) if forward else None
        info = request_op(session, spec, "torch.inspect", InspectArgs(handle=handle, x=x), inputs)
        problem = malformed(info)
        if problem:
            raise Stop(Falsified(f"{spec.call(kwargs)}: the worker's description of the model was malformed "
                                 f"({problem})", function=spec.cls, inputs=inputs,
                                 outcome=ModelOutcome(True, evidence=Evidence())))
        model = Model(spec, dict(kwargs), handle, info, session=session,
                      device=device if device in ("cpu", "cuda", "cuda:0") else "cpu")
        session.cache[("described", *key)] = model
        if info.get("error"):
            outcome = ModelOutcome(False, error=info["error"], evidence=Evidence(model=model))
            failure = Falsified(failure_message(spec.call(kwargs), outcome, session.worker.limits),
                                function=spec.cls, inputs=inputs, outcome=outcome)
            raise Stop(_with_reference_layers(failure, session, model))
        if forward and info.get("output") is None:
            outcome = ModelOutcome(True, value=None, evidence=Evidence(model=model))
            failure = Falsified(f"{spec.call(kwargs)} returned a {info.get('output_type')} from forward, "
                                "expected a torch.Tensor", function=spec.cls, inputs=inputs, outcome=outcome)
            raise Stop(_with_reference_layers(failure, session, model))
    except (Falsified, Stop) as failure:
        falsified = failure.falsified if isinstance(failure, Stop) else failure
        session.cache[key] = falsified
        raise Stop(falsified) from None
    session.cache[key] = model
    return model


def _weights(session: Session, spec: ModelSpec, kwargs: dict) -> dict:
    """The grader's weights for `spec(**kwargs)` (AlexNet's take as long as its build)."""
    return randomized_state(oracle.structure(session, spec, kwargs)["init"], session.seed)


def _with_reference_layers(failure: Falsified, session: Session, model: Model) -> Falsified:
    """A forward pass that failed: the layers it called before failing beside the reference's."""
    try:
        reference = oracle.structure(session, model.spec, model.kwargs)
    except Exception as error:  # the kit's bank may not know these arguments: the table is only a help
        log.debug("no reference layers to show beside %s: %s", model.spec.call(model.kwargs), error)
        return failure
    return with_layers(failure, model.info, reference)


def described(session: Session, spec: ModelSpec, kwargs: dict) -> Model | None:
    """The student's model for `kwargs` as get_model built and described it, even when its forward pass
    then failed (its parameter table stands without one); None when it could not be built."""
    return session.cache.get(("described", "model", spec.cls, repr(sorted(kwargs.items())), True))
