"""The answer key's answers, remembered within a grading process (grader.bank.record).

A graded run draws the same inputs for every student (one seed per exercise), so the answer key
is asked the same questions over and over: the reference's output for each drawn input, a
reference model's outputs and training steps. Inside `scope(...)` (grading.py: one exercise,
on one device), an answer is computed once per process and then given again, as a copy
(`Frozen`; or, put `shared`, itself: read-only arrays, grader.models.weights), to the same call
(name and arguments, by `grader.bank.call_digest`) in the same scope. Exceptions are not
remembered: they are computed again. The answers kept take at most `MAX_BYTES` (their arrays'
and tensors' bytes), the least recently used dropped first, and none larger than
`MAX_ONE`.
"""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from contextlib import contextmanager

MAX_BYTES = 192 * 2**20
MAX_ONE = 48 * 2**20  # AlexNet's state after its training steps (exercise 7), 34 MB, is the largest answer
_KEPT: OrderedDict = OrderedDict()  # key -> (value, bytes)
_SCOPES: list = []
_used = [0]
MISSING = object()


@contextmanager
def scope(name):
    """While inside, answers are remembered under `name` (an exercise and a device)."""
    _SCOPES.append(name)
    try:
        yield
    finally:
        _SCOPES.pop()


def current():
    """The active scope, or None: outside one, nothing is remembered."""
    return _SCOPES[-1] if _SCOPES else None


def get(key):
    """A copy of the answer kept under `key` (the answer itself where it was put `shared`), or MISSING."""
    if key not in _KEPT:
        return MISSING
    _KEPT.move_to_end(key)
    kept = _KEPT[key][0]
    return kept.thaw() if isinstance(kept, Frozen) else kept


def put(key, value, *, shared: bool = False) -> None:
    """Keep a copy of `value` under `key`, if it is small enough; `shared`: keep `value` itself, which
    nothing changes (read-only arrays), and give it out as it is (no 34 MB copy either way)."""
    taken = size(value)
    if taken > MAX_ONE or key in _KEPT:
        return
    _KEPT[key] = (value if shared else Frozen(value), taken)
    _used[0] += taken
    while _used[0] > MAX_BYTES:
        _, (_, dropped) = _KEPT.popitem(last=False)
        _used[0] -= dropped


class Frozen:
    """A value kept so that each `thaw()` gives a fresh copy of it that nothing else holds: pickled
    (the same values and types, ten times quicker to copy than copy.deepcopy on nested lists and
    small arrays), or deep-copied if pickle refuses it (a lambda, say)."""

    __slots__ = ("_data", "_pickled")

    def __init__(self, value):
        try:
            self._data, self._pickled = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), True
        except Exception:  # noqa: BLE001 - whatever pickle cannot take, copy.deepcopy may
            self._data, self._pickled = copy.deepcopy(value), False

    def thaw(self):
        return pickle.loads(self._data) if self._pickled else copy.deepcopy(self._data)


def clear() -> None:
    _KEPT.clear()
    _used[0] = 0


def size(value) -> int:
    """Bytes of the arrays and tensors in `value` (and a little for everything else)."""
    if isinstance(value, (list, tuple)):
        return 64 + sum(size(item) for item in value)
    if isinstance(value, dict):
        return 64 + sum(size(key) + size(item) for key, item in value.items())
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    if hasattr(value, "element_size") and hasattr(value, "nelement"):  # a torch tensor
        return value.element_size() * value.nelement()
    return 64
