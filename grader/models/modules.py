"""The course's side of the model oracle: reference modules, built once per grading run, with the grader's weights.

grader.models.oracle computes its answers on these (in the course only: the student kit answers
from its bank and never builds one). A module is kept in `session.cache` by its oracle.Reference
key; a variant, or a known mistake's changes, is built afresh and given the base reference's
tensors in registration order.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from grader.bank import digest
from grader.models.weights import init_table, load_state, randomized_state

# The references are small and the worker runs beside this process: more than one thread
# here only makes both wait for each other (a LeNet forward pass took 100x longer with two).
torch.set_num_threads(1)

# The grader's own losses for its replay of the worker's steps (grader.worker.torch_protocol.StepsArgs).
LOSSES = {
    "cross_entropy": lambda out, y: F.cross_entropy(out, y.long()),
    "bce": F.binary_cross_entropy_with_logits,
    "mse": F.mse_loss,
}


def built(session, spec, kwargs: dict) -> nn.Module:
    """The default variant, without the grader's weights: built once for the structure and the weights."""
    key = ("oracle built", spec.cls, digest(kwargs))
    if key not in session.cache:
        session.cache[key] = spec.build_reference(kwargs, spec.variants[0])
    return session.cache[key]


class _ZeroFills(TorchFunctionMode):
    """Inside (in this thread only), torch's random initialisers fill zeros."""

    FILLS = frozenset({torch.Tensor.uniform_, torch.Tensor.normal_, *(
        getattr(nn.init, name) for name in ("uniform_", "normal_", "trunc_normal_", "kaiming_uniform_",
                                            "kaiming_normal_", "xavier_uniform_", "xavier_normal_", "orthogonal_"))})

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self.FILLS:
            with torch.no_grad():
                return (args[0] if args else kwargs["tensor"]).zero_()
        return func(*args, **kwargs)


def undrawn(build: Callable[[], nn.Module]) -> nn.Module:
    """`build()`'s module, its weights zero rather than drawn by torch's default init. The
    references are built only to be given the grader's weights, which replace every tensor of
    the init table (reference_module, shared_state), or to have their shapes read (the
    structure), so the random numbers were work thrown away: AlexNet builds in 11-18 ms rather
    than 38-48, exercise 12's CatDogCNN(200) in 95 ms rather than 350. They hold no other tensor
    that a random initialiser fills (tests/grader/test_model_weights.py)."""
    with _ZeroFills():
        return build()


def reference_module(session, reference) -> nn.Module:
    """The reference module with the grader's weights (`reference.zeroed` set to zero), in eval mode;
    another variant or a known mistake's changes built afresh with the same tensors."""
    spec, base = reference.spec, reference.but()
    key, base_key = ("oracle module", digest(reference.key)), ("oracle module", digest(base.key))
    if base_key not in session.cache:
        fresh = session.cache.pop(("oracle built", spec.cls, digest(reference.kwargs)), None) or \
            spec.build_reference(reference.kwargs, spec.variants[0])
        state = randomized_state(init_table(fresh), reference.seed)
        state.update({name: np.zeros_like(state[name]) for name in reference.zeroed})
        session.cache[base_key] = load_state(fresh, state).eval()
    if key not in session.cache:  # an AlexNet takes a tenth of a second to build: once per variant
        wanted = {**reference.key["variant"], **reference.key["changes"]}
        session.cache[key] = shared_state(session.cache[base_key], spec.build_reference(reference.kwargs, wanted))
    return session.cache[key].eval()


def canonical(session, reference, named: Callable) -> dict[str, str]:
    """The variant's tensor names -> the base reference's (`named`: the variant module's named_parameters
    or named_buffers): variants wrap layers differently ('features.0.1.weight'), never reorder them."""
    base = reference_module(session, reference.but())
    return dict(zip((name for name, _ in named()), (name for name, _ in getattr(base, named.__name__)())))


def shared_state(source: nn.Module, target: nn.Module) -> nn.Module:
    """`target` holding `source`'s parameters and buffers themselves, in registration order: variants
    wrap layers differently, so their names differ ('features.0.weight', 'features.0.1.weight'), never
    their order or shapes. Shared, not copied: one AlexNet's 34 MB for all twelve of its variants.
    Every use leaves them as it found them (`running` puts the buffers back) or works on a copy
    (`replay_steps`)."""
    mine = [*source.parameters(), *source.buffers()]
    theirs = [*target.parameters(), *target.buffers()]
    if [t.shape for t in mine] != [t.shape for t in theirs]:
        raise ValueError(f"{type(target).__name__} variant does not hold the same tensors as the reference")
    with torch.no_grad():
        for a, b in zip(mine, theirs):
            b.set_(a)  # type: ignore[call-overload]  # set_(Tensor) is documented; the stubs lack it
    return target


@contextmanager
def running(module: nn.Module, mode: str):
    """`with running(module, mode) as changed:` runs the module in `mode`, then puts its buffers back and
    sets it to eval; `changed` then lists the buffers the passes changed."""
    saved = {name: buffer.clone() for name, buffer in module.named_buffers()}
    changed: list[str] = []
    module.train(mode == "train")
    try:
        yield changed
    finally:
        changed += [name for name, buffer in module.named_buffers() if not torch.equal(buffer, saved[name])]
        put_back(module, saved)
        module.eval()


def put_back(module: nn.Module, saved: dict) -> None:
    with torch.no_grad():
        for name, buffer in module.named_buffers():
            buffer.copy_(saved[name])


def replay_steps(model: nn.Module, x: np.ndarray, y: np.ndarray, *, loss: str, lr: float, weight_decay: float,
                 steps: int, mode: str, seed: int, frozen: Collection[str] = frozenset()) -> dict[str, np.ndarray]:
    """The grader's own run of the worker's `steps` op on a copy of `model`: p -= lr * (grad +
    weight_decay * p) on every parameter that requires grad (and is not in `frozen`); the values after."""
    model = copy.deepcopy(model)
    given = [p for name, p in model.named_parameters() if p.requires_grad and name not in frozen]
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(steps):
        torch.manual_seed(seed)
        model.train(mode == "train")
        model.zero_grad(set_to_none=True)
        LOSSES[loss](model(inputs), targets).backward()
        with torch.no_grad():
            for parameter in given:
                step = weight_decay * parameter
                if parameter.grad is not None:
                    step = step + parameter.grad
                parameter.sub_(lr * step)
    return {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
