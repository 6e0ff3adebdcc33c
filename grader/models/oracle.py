"""The model oracle: every question the model checks ask about a reference model, plain data in and out.

Each question is one `grader.bank.answer(session.bank, "model.<question>", (), arguments, compute)`:
in the course (`session.bank` is None) `compute()` builds the reference module (once per grading
run, kept in `session.cache`), gives it the grader's weights (grader.models.weights) and answers;
while `grader.bank.recording(bank)` is active the answer is also written to that bank. In the
student kit (`session.bank` is a Bank) the recorded answer comes back, or NotInBank: no reference
module is ever built there. The arguments name the reference as data (`Reference.key`: class,
keyword arguments, accepted variant, a known mistake's changes, seed, tensors set to zero).

    model.structure  cls, kwargs -> {parameters, buffers, calls, output, init}: the tables of
                     torch_inspect on a batch of 2, and the init table the weights come from
    model.output     reference, x, mode -> the output array (eval, or training mode without Dropout
                     draws that matter); buffers are put back
    model.trace      reference, x, mode -> {unit path: [its first input, its first output]}
    model.training   reference, x -> {varies: {path: bool}, training: {path: bool}, buffers_changed:
                     [names]}: two training-mode passes, torch seeded with 1
    model.passes     reference, x, mode, seed, repeat, device -> {outputs: [arrays], buffers: {name:
                     array}}: `repeat` passes, torch seeded with `seed`, floating buffers after them
    model.backward   reference, x, grad_seed -> {output_shape, input_grad, grads: {name: array}}:
                     training mode, d(sum(output * g))/d(x, parameters), g = sample_input(shape, grad_seed)
    model.steps      reference, x, y, settings, trains -> {name: parameter after the SGD steps}
    model.method     reference, method, x -> reference.<method>(x) (exercise 13's encode, decode)
    model.<name>     a declaration's own question: `on_reference` (a function of the reference
                     module) or `computed` (of data only)

Names are the base reference's (the variant's tensors named as the default variant's).

What the student kit compares differently, and only there: a bank keeps of a large array a
fixed sample (grader.models.samples): a trace's activations (64 entries of each unit's input and
output, and their largest magnitude: the "where they part" sentence reads those) and each
parameter after SGD steps (256 entries, with the replay's largest and total change: compared
entry by entry and by the norm of the change, which the whole comparison implies). Everything
else (outputs, passes and statistics, gradients, structures) is kept and compared whole. A
question the release never asked raises NotInBank; a missing trace only drops that sentence.
Passes of a model the worker built on CUDA (dropout masks come from that device) are asked with
device="cuda": a bank recorded on the CPU answers them only for a kit that grades on the CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import torch

from grader.bank import answer, digest, is_recorded, is_recording
from grader.models import modules
from grader.models.modules import canonical, put_back, replay_steps, running
from grader.models.samples import TRACE_SAMPLE, sampled
from grader.models.weights import init_table, sample_input
from grader.worker.torch_inspect import parameter_table, record

if TYPE_CHECKING:  # runs imports this module
    from grader.models.runs import ModelSpec


@dataclass(frozen=True)
class Reference:
    """Which reference a question is about, with which weights: the model's spec (to build it in the
    course, never part of a question), its keyword arguments, the seed of the grader's weights,
    the tensors set to zero (those the student's model lacks), an accepted variant and a known
    mistake's `changes` (None: the spec's first variant, no change)."""

    spec: ModelSpec = field(compare=False)
    kwargs: dict
    seed: int
    zeroed: tuple[str, ...] = ()
    variant: dict | None = None
    changes: dict | None = None

    def but(self, variant: dict | None = None, changes: dict | None = None) -> Reference:
        """The same reference and weights, as `variant` changed by `changes`."""
        return replace(self, variant=variant, changes=changes or None)

    @property
    def key(self) -> dict:
        variant = self.variant if self.variant is not None else self.spec.variants[0]
        return {"cls": self.spec.cls, "kwargs": self.kwargs, "variant": variant, "changes": self.changes or {},
                "seed": self.seed, "zeroed": list(self.zeroed)}


_FOR_THE_BANK: list[bool] = []


@contextmanager
def for_the_bank():
    """While inside, a bank being recorded asks only to record: a question it already holds (asked while
    grading an earlier file) is not computed again, and gets None. For what the kit may need and the
    recorded file does not (every accepted variant, every known mistake): grader.models.verify."""
    _FOR_THE_BANK.append(True)
    try:
        yield
    finally:
        _FOR_THE_BANK.pop()


def _asked(session, question: str, arguments: dict, compute: Callable, compact: Callable | None = None):
    """The answer to `question`; a bank being recorded keeps `compact(answer)`, the course uses the answer."""
    if _FOR_THE_BANK and session.bank is None and is_recorded(f"model.{question}", (), arguments):
        return None
    if compact is None or session.bank is not None or not is_recording():
        return answer(session.bank, f"model.{question}", (), arguments, compute)
    found = []

    def kept():
        found.append(compute())
        return compact(found[0])

    answer(None, f"model.{question}", (), arguments, kept)
    return found[0]


# --- The questions ---------------------------------------------------------------------------------------------

def structure(session, spec, kwargs: dict) -> dict:
    """The reference's tables (torch_inspect) on a batch of 2 and its init table (grader.models.weights)."""
    key = ("oracle structure", spec.cls, digest(kwargs))
    if key not in session.cache:
        def compute() -> dict:
            module = modules.built(session, spec, kwargs).eval()
            x = torch.from_numpy(sample_input((2, *spec.input_shape(kwargs)), seed=1))
            output, recorded = record(module, x)
            return {**parameter_table(module), "calls": recorded["calls"], "output": list(output.shape),
                    "init": init_table(module)}

        session.cache[key] = _asked(session, "structure", {"cls": spec.cls, "kwargs": kwargs}, compute)
    return session.cache[key]


def output(session, reference: Reference, x: np.ndarray, mode: str) -> np.ndarray:
    def compute() -> np.ndarray:
        module = modules.reference_module(session, reference)
        with running(module, mode), torch.no_grad():
            return module(torch.from_numpy(x)).numpy()

    return _asked(session, "output", {"reference": reference.key, "x": x, "mode": mode}, compute)


def trace(session, reference: Reference, x: np.ndarray, mode: str) -> dict:
    def compute() -> dict:
        module = modules.reference_module(session, reference)
        with running(module, mode):
            _, recorded = record(module, torch.from_numpy(x), keep_arrays=True)
        found: dict[str, list[np.ndarray]] = {}
        for path, given, produced in recorded["arrays"]:
            found.setdefault(path, [np.asarray(given), np.asarray(produced)])
        return found

    def compact(found: dict) -> dict:
        return {path: [sampled(array, TRACE_SAMPLE, max_abs=_max_abs(array)) for array in pair]
                for path, pair in found.items()}

    return _asked(session, "trace", {"reference": reference.key, "x": x, "mode": mode}, compute, compact)


def training(session, reference: Reference, x: np.ndarray) -> dict:
    def compute() -> dict:
        module = modules.reference_module(session, reference)
        torch.manual_seed(1)
        runs = []
        for _ in range(2):
            with running(module, "train") as changed:
                _, recorded = record(module, torch.from_numpy(x), keep_arrays=True)
            units: dict[str, np.ndarray] = {}
            for path, given, _ in recorded["arrays"]:
                units.setdefault(path, np.asarray(given))
            runs.append((units, recorded["calls"], changed))
        (first, calls, changed), (second, _, _) = runs
        return {"varies": {path: not np.array_equal(first[path], second[path]) for path in first if path in second},
                "training": {call["path"]: call["training"] for call in calls}, "buffers_changed": changed}

    return _asked(session, "training", {"reference": reference.key, "x": x}, compute)


def passes(session, reference: Reference, x: np.ndarray, mode: str, *, seed: int, repeat: int,
           device: str = "cpu") -> dict:
    def compute() -> dict:
        module = modules.reference_module(session, reference)
        names = canonical(session, reference, module.named_buffers)
        saved = {name: buffer.clone() for name, buffer in module.named_buffers()}
        module.to(device).train(mode == "train")
        outputs = []
        torch.manual_seed(seed)
        try:
            with torch.no_grad():
                for _ in range(repeat):
                    outputs.append(module(torch.from_numpy(x).to(device)).cpu().numpy().copy())
                buffers = {names[name]: buffer.cpu().numpy().copy() for name, buffer in module.named_buffers()
                           if buffer.dtype.is_floating_point}
        finally:
            module.to("cpu").eval()
            put_back(module, saved)
        return {"outputs": outputs, "buffers": buffers}

    arguments = {"reference": reference.key, "x": x, "mode": mode, "seed": seed, "repeat": repeat, "device": device}
    return _asked(session, "passes", arguments, compute)


def backward(session, reference: Reference, x: np.ndarray, *, grad_seed: int) -> dict:
    def compute() -> dict:
        module = modules.reference_module(session, reference)
        saved = {name: buffer.clone() for name, buffer in module.named_buffers()}
        module.train()
        module.zero_grad(set_to_none=True)
        given = torch.from_numpy(x).requires_grad_(True)
        out = module(given)
        (out * torch.from_numpy(sample_input(tuple(out.shape), grad_seed))).sum().backward()
        assert given.grad is not None  # the output depends on the input
        grads = {name: p.grad.numpy().copy() for name, p in module.named_parameters() if p.grad is not None}
        found = {"output_shape": list(out.shape), "input_grad": given.grad.numpy().copy(), "grads": grads}
        module.zero_grad(set_to_none=True)
        module.eval()
        put_back(module, saved)
        return found

    return _asked(session, "backward", {"reference": reference.key, "x": x, "grad_seed": grad_seed}, compute)


def steps(session, reference: Reference, x: np.ndarray, y: np.ndarray, settings: dict,
          trains: tuple[str, ...] | None = None) -> dict:
    """{name: parameter after replay_steps}; `trains`: the parameters (names or prefixes) that train,
    by default those that require grad; the others are held frozen."""
    start = {}

    def compute() -> dict:
        module = modules.reference_module(session, reference)
        names = canonical(session, reference, module.named_parameters)
        every = [name for name, _ in module.named_parameters()]
        training = {name for name in every if any(name == t or name.startswith(f"{t}.") for t in trains)} \
            if trains is not None else {name for name, p in module.named_parameters() if p.requires_grad}
        start.update({names[n]: p.detach().numpy().astype(np.float64) for n, p in module.named_parameters()})
        after = replay_steps(module, x, y, frozen=set(every) - training, **settings)
        return {names[name]: value for name, value in after.items()}

    def compact(after: dict) -> dict:
        deltas = {name: value.astype(np.float64) - start[name] for name, value in after.items()}
        return {name: sampled(value, delta_max=_max_abs(deltas[name]), delta_norm=float(np.linalg.norm(deltas[name])))
                for name, value in after.items()}

    arguments = {"reference": reference.key, "x": x, "y": y, "settings": settings,
                 "trains": list(trains) if trains is not None else None}
    return _asked(session, "steps", arguments, compute, compact)


def method(session, reference: Reference, name: str, x: np.ndarray) -> np.ndarray:
    def compute() -> np.ndarray:
        with torch.no_grad():
            return getattr(modules.reference_module(session, reference), name)(torch.from_numpy(x)).numpy()

    return _asked(session, "method", {"reference": reference.key, "method": name, "x": x}, compute)


def on_reference(session, reference: Reference, question: str, arguments: dict, function: Callable,
                 compact: Callable | None = None):
    """A declaration's own question about the reference with the grader's weights: `function(module,
    **arguments)` (a module-level function that leaves the module as it was, usually the answer key's),
    answered from data; a bank being recorded keeps `compact(answer)` (grader.models.samples). A key
    function is called unrecorded: the answer is recorded, not the module."""
    function = getattr(function, "__wrapped__", function)
    return _asked(session, question, {"reference": reference.key, **arguments},
                  lambda: function(modules.reference_module(session, reference), **arguments), compact)


def computed(session, question: str, arguments: dict, function: Callable):
    """A declaration's own question that needs no model of the grader's: `function(**arguments)` (the
    reference's count of a meta-device build, a reference function's value), answered from data."""
    return _asked(session, question, arguments, lambda: function(**arguments))


def _max_abs(array: np.ndarray) -> float:
    return float(np.max(np.abs(array))) if np.size(array) else 0.0
