"""The answer bank: what an exercise's answer key said, recorded by `grade release`, read in the kit.

The course repository grades with its answer key: `reference/` and, per exercise, a key module
(`grader/catalog/keys/<module>.py`) holding the reference bindings, the mistake reproductions
and the hidden checks. The student kit holds none of it. A declaration reaches its key only
through `answer_key(__name__)` (grader.catalog's, imported from grader.authoring), which is

- in the course repository, a `RecordingKey`: the key module itself, each of whose calls is
  also written into the active `Recorder` while one is (`grade release` builds the banks so);
- in the kit, a `BankedKey`: a call whose arguments were recorded gets the recorded answer
  (an array, a number, a dict, ..., or an exception of the same kind); any other call raises
  `NotInBank`, which a check reports as a case the kit cannot judge and a mistake takes as
  "does not match".

A call is known by its name and a digest of its arguments (the dtype, shape and bytes of each
array; the type and value of everything else), so the kit answers exactly the inputs the
release drew, and nothing else. A bank also holds each check's cases (what the kit runs
instead of hypothesis, simplest first) and a few facts about the exercise (`meta`).

Nothing in a bank file is code: it is a zip of two members, a JSON index and every array in one
frame of the worker's wire format (`.npy` bytes, read as np.load(allow_pickle=False) reads them:
grader.worker.protocol). One member per array cost zipfile 20 ms for exercise 1's 400 arrays (a kit's
bank: 46 ms), on the way to the first check of every practice run.
"""

from __future__ import annotations

import builtins
import copy
import functools
import hashlib
import json
import math
import time
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader import memo
from grader.worker import protocol

FORMAT = 2
_ARRAYS = "arrays.frame"  # protocol.pack's frame: its header says how many arrays follow


class BankError(Exception):
    """A value the bank cannot digest or store (an nn.Module, an open file): a declaration's bug."""


class NotInBank(LookupError):
    """The kit's bank has no answer for this call: the release never made it."""

    def __init__(self, name: str):
        super().__init__(f"the kit's answer bank has no answer for {name}(...) on this input")
        self.name = name


# --- Digests: the identity of a call ----------------------------------------------------------------


def digest(value) -> str:
    """A hex digest that two values share exactly when they have the same types, shapes and contents."""
    hasher = hashlib.sha256()
    _feed(hasher, value)
    return hasher.hexdigest()


def call_digest(name: str, args: tuple, kwargs: dict) -> str:
    return digest(("call", name, tuple(args), dict(kwargs)))


def _feed(hasher, value) -> None:
    update = hasher.update
    if value is None or isinstance(value, bool):
        update(b"N" if value is None else b"B1" if value else b"B0")
    elif isinstance(value, int):
        update(b"I%d;" % value)
    elif isinstance(value, float):
        update(b"F" + value.hex().encode() + b";")
    elif isinstance(value, complex):
        update(b"C" + value.real.hex().encode() + b"," + value.imag.hex().encode() + b";")
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        update(b"S%d;" % len(data) + data)
    elif isinstance(value, bytes):
        update(b"Y%d;" % len(value) + value)
    elif isinstance(value, (np.ndarray, np.generic)):
        _feed_array(hasher, b"G" if isinstance(value, np.generic) else b"A", np.asarray(value))
    elif isinstance(value, (tuple, list)):
        update(b"(%d;" % len(value) if isinstance(value, tuple) else b"[%d;" % len(value))
        for item in value:
            _feed(hasher, item)
    elif isinstance(value, dict):
        update(b"{%d;" % len(value))
        for key, item in value.items():
            _feed(hasher, key)
            _feed(hasher, item)
    elif _is_tensor(value):
        _feed_array(hasher, b"T", value.detach().cpu().numpy())
    elif isinstance(value, type) or callable(value) and hasattr(value, "__qualname__"):
        name = f"{value.__module__}.{value.__qualname__}"  # a class or function named in a call (nn.Identity)
        if "<lambda>" in name or "<locals>" in name:
            raise BankError(f"the answer bank cannot digest {name}: name a module-level function or a class")
        update(b"Q%d;" % len(name) + name.encode())
    else:
        raise BankError(f"the answer bank cannot digest a {type(value).__name__}: pass arrays, numbers, "
                        "strings, tuples, lists and dicts to the answer key")


def _feed_array(hasher, tag: bytes, array: np.ndarray) -> None:
    if array.dtype.hasobject:
        raise BankError("the answer bank cannot digest an array of Python objects")
    hasher.update(tag + array.dtype.str.encode() + repr(array.shape).encode())
    hasher.update(np.ascontiguousarray(array).tobytes())


def _is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


# --- Values: what a bank file stores ----------------------------------------------------------------


@dataclass(frozen=True)
class Raised:
    """A recorded exception: raised again, as the same built-in type where there is one, when read."""

    type_name: str
    message: str

    def exception(self) -> BaseException:
        kind = getattr(builtins, self.type_name, None)
        if isinstance(kind, type) and issubclass(kind, Exception):
            return kind(self.message)
        return RuntimeError(f"{self.type_name}: {self.message}")


def pack(value, arrays: list[np.ndarray]):
    """`value` as JSON-able data, its arrays appended to `arrays` (restored by `unpack`)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"$int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, (np.ndarray, np.generic)) or _is_tensor(value):
        array = value.detach().cpu().numpy() if _is_tensor(value) else np.asarray(value)
        if array.dtype.hasobject:
            raise BankError("the answer bank cannot store an array of Python objects")
        arrays.append(array)
        kind = "tensor" if _is_tensor(value) else "scalar" if isinstance(value, np.generic) else "array"
        return {"$" + kind: len(arrays) - 1}
    if isinstance(value, tuple):
        return {"$tuple": [pack(item, arrays) for item in value]}
    if isinstance(value, list):
        return [pack(item, arrays) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: pack(item, arrays) for key, item in value.items()}
        return {"$dict": [[pack(key, arrays), pack(item, arrays)] for key, item in value.items()]}
    if isinstance(value, Raised):
        return {"$raises": value.type_name, "message": value.message}
    raise BankError(f"the answer bank cannot store a {type(value).__name__}: return arrays, numbers, strings, "
                    "tuples, lists and dicts from the answer key")


def unpack(data, arrays: list[np.ndarray]):
    if isinstance(data, list):
        return [unpack(item, arrays) for item in data]
    if not isinstance(data, dict):
        return data
    if "$raises" in data:
        return Raised(str(data["$raises"]), str(data.get("message", "")))
    if len(data) == 1:
        (tag, content), = data.items()
        if tag == "$array":
            return arrays[content]
        if tag == "$scalar":
            return arrays[content][()]
        if tag == "$tensor":
            import torch

            return torch.from_numpy(np.array(arrays[content]))
        if tag == "$tuple":
            return tuple(unpack(item, arrays) for item in content)
        if tag == "$dict":
            return {_hashable(unpack(key, arrays)): unpack(item, arrays) for key, item in content}
        if tag == "$int":
            return int(content)
        if tag == "$float":
            return float(content)
    return {key: unpack(item, arrays) for key, item in data.items()}


def _hashable(value):
    return tuple(_hashable(item) for item in value) if isinstance(value, list) else value


def stays_the_same(value) -> bool:
    """Does a bank file give `value` back exactly (types, dtypes, shapes, values; a tensor on the
    CPU, without a gradient)?"""
    arrays: list = []
    try:
        return _same(unpack(pack(value, arrays), arrays), value)
    except (BankError, TypeError, ValueError):
        return False


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if type(a) is not type(b):
        return False
    if _is_tensor(a):
        return (a.dtype == b.dtype and a.shape == b.shape and a.device == b.device and not a.requires_grad
                and not b.requires_grad and bool((a == b).all()))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b or a != a and b != b  # NaN is itself


# --- A bank ------------------------------------------------------------------------------------------


@dataclass
class Bank:
    """One exercise's recorded answers (call digest -> value) and its checks' cases (name -> inputs)."""

    exercise: str
    answers: dict[str, object] = field(default_factory=dict)
    cases: dict[str, list[dict]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def answer(self, name: str, args: tuple, kwargs: dict):
        try:
            value = self.answers[call_digest(name, args, kwargs)]
        except KeyError:
            raise NotInBank(name) from None
        except BankError:  # an argument no release could have recorded (an object of the student's)
            raise NotInBank(name) from None
        if isinstance(value, Raised):
            raise value.exception()
        return value

    def record(self, name: str, args: tuple, kwargs: dict, value) -> None:
        self.answers[call_digest(name, args, kwargs)] = value

    def save(self, path: Path, *, compressed: bool = True) -> None:
        arrays: list[np.ndarray] = []
        index = {"format": FORMAT, "exercise": self.exercise, "meta": pack(self.meta, arrays),
                 "answers": {key: pack(value, arrays) for key, value in self.answers.items()},
                 "cases": {name: [pack(case, arrays) for case in cases] for name, cases in self.cases.items()}}
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED) as archive:
            archive.writestr("index.json", json.dumps(index, separators=(",", ":"), allow_nan=False))
            archive.writestr(_ARRAYS, protocol.pack({}, [np.asarray(array, order="C") for array in arrays]))

    @classmethod
    def load(cls, path: Path) -> Bank:
        with zipfile.ZipFile(path) as archive:
            index = json.loads(archive.read("index.json"))
            if index.get("format") != FORMAT:
                raise BankError(f"{path} is a bank of format {index.get('format')!r}; this grader reads format "
                                f"{FORMAT}: write the kit again with this grader's `grade release`")
            _, arrays = protocol.unpack(archive.read(_ARRAYS)[8:])  # after the frame's length
        return cls(exercise=index["exercise"], meta=unpack(index["meta"], arrays),
                   answers={key: unpack(value, arrays) for key, value in index["answers"].items()},
                   cases={name: [unpack(case, arrays) for case in cases] for name, cases in index["cases"].items()})


# --- The two faces of an answer key ------------------------------------------------------------------

_RECORDERS: list[Bank] = []


@contextmanager
def recording(bank: Bank):
    """While inside, every call through a RecordingKey (and every model oracle answer) lands in `bank`."""
    _RECORDERS.append(bank)
    try:
        yield bank
    finally:
        _RECORDERS.remove(bank)


# A practice run's answers kept on disk between runs (grader.draws.kept_on_disk): those that took
# KEEP_SECONDS or more to compute (a reference model's training steps, not a NumPy kernel's output,
# which is quicker to compute than to read) are read there by the next run at the same seed, up to
# KEEP_BYTES a file (a question can name what the student's model lacks, so a hostile model graded
# again and again could ask new ones: exercise 7's solution keeps 34 MB).
_KEPT: list[Bank] = []
KEEP_SECONDS = 0.02
KEEP_BYTES = 256 * 2**20


@contextmanager
def keeping(bank: Bank):
    """While inside, record() takes the answers `bank` holds instead of computing them, and adds
    the slow ones it computes to it."""
    _KEPT.append(bank)
    try:
        yield bank
    finally:
        _KEPT.remove(bank)


def record(name: str, args: tuple, kwargs: dict, compute: Callable):
    """`compute()`, written into the active recorder (if any) under the call `name(*args, **kwargs)`;
    an exception it raises is recorded too, and raised. Within a memo scope (grader.memo) the
    same call's answer is computed once per process, and where answers are kept (`keeping`),
    once per engine and seed."""
    key = _memo_key(name, args, kwargs)
    value = memo.get(key) if key is not None else memo.MISSING
    kept = _KEPT[-1].answers.get(key[1]) if value is memo.MISSING and key is not None and _KEPT else None
    if kept is not None and not isinstance(kept, Raised):  # an exception is never kept: computed again
        value = copy.deepcopy(kept)  # asked again, it is copied again: not memoized
    if value is memo.MISSING:
        started = time.perf_counter()
        try:
            value = compute()
        except Exception as error:
            if _RECORDERS:
                _RECORDERS[-1].record(name, args, kwargs, Raised(type(error).__name__, str(error)[:500]))
            raise
        if key is not None:
            memo.put(key, value)
            if _KEPT and time.perf_counter() - started >= KEEP_SECONDS and _room_for(value) and stays_the_same(value):
                _KEPT[-1].answers[key[1]] = copy.deepcopy(value)
    if _RECORDERS:
        _RECORDERS[-1].record(name, args, kwargs, value)
    return value


def _room_for(value) -> bool:
    return memo.size(_KEPT[-1].answers) + memo.size(value) <= KEEP_BYTES


def _memo_key(name: str, args: tuple, kwargs: dict):
    """(scope, digest of the call) inside a memo scope; None outside one, or for arguments that
    cannot be digested (then the answer is computed every time)."""
    scope = memo.current()
    if scope is None:
        return None
    try:
        return scope, call_digest(name, args, kwargs)
    except BankError:
        return None


def answer(bank: Bank | None, name: str, args: tuple, kwargs: dict, compute: Callable):
    """What the answer key says to `name(*args, **kwargs)`: in the kit (`bank` given) the recorded
    answer or NotInBank; in the course `compute()`, recorded while a recorder is active. For the
    engine's own questions to a reference (the model oracle), named like "model.run"."""
    if bank is not None:
        return bank.answer(name, args, kwargs)
    return record(name, args, kwargs, compute)


def is_recording() -> bool:
    return bool(_RECORDERS)


def is_recorded(name: str, args: tuple, kwargs: dict) -> bool:
    """Does the active recorder already hold an answer to `name(*args, **kwargs)`?"""
    return bool(_RECORDERS) and call_digest(name, args, kwargs) in _RECORDERS[-1].answers


class RecordingKey:
    """The course's answer key: the key module, whose calls are recorded while a recorder is active."""

    def __init__(self, module):
        self.module = module

    def __getattr__(self, name: str):
        value = getattr(self.module, name)
        if name.startswith("_") or not callable(value) or isinstance(value, type) or name == "hidden_checks":
            return value
        return _recorded(self.module, name)

    def __repr__(self) -> str:
        return f"<answer key {self.module.__name__}>"


@functools.cache
def _recorded(module, name: str) -> Callable:
    function = getattr(module, name)

    @functools.wraps(function)
    def call(*args, **kwargs):
        return record(name, args, kwargs, lambda: function(*args, **kwargs))

    return call


class BankedKey:
    """The kit's answer key: the recorded answers of one exercise, nothing else."""

    def __init__(self, bank: Bank):
        self.bank = bank

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "hidden_checks":
            return None
        return _banked(self, name)

    def __repr__(self) -> str:
        return f"<answer bank {self.bank.exercise}>"


@functools.cache
def _banked(key: BankedKey, name: str) -> Callable:
    def call(*args, **kwargs):
        return key.bank.answer(name, args, kwargs)

    call.__name__ = call.__qualname__ = name
    return call


# --- Simplest first -------------------------------------------------------------------------------------


def complexity(value) -> tuple[int, float]:
    """How large an input is, to order a bank's cases simplest first: (elements, sum of magnitudes)."""
    if value is None or isinstance(value, (bool, str)):
        return 1, 0.0
    if isinstance(value, (int, float)):
        return 1, abs(float(value)) if math.isfinite(value) else 1e300
    if isinstance(value, (np.ndarray, np.generic)) or _is_tensor(value):
        array = value.detach().cpu().numpy() if _is_tensor(value) else np.asarray(value)
        if array.dtype.kind not in "biuf" or array.size == 0:
            return max(array.size, 1), 0.0
        magnitude = float(np.sum(np.abs(array.astype(np.float64))))
        return array.size, magnitude if math.isfinite(magnitude) else 1e300
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        parts = [complexity(item) for item in value]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)
    return 1, 0.0


def simplest_first(cases: list[dict]) -> list[dict]:
    """`cases` without repeats, smallest first (ties keep their order)."""
    unique: dict[str, dict] = {}
    for case in cases:
        unique.setdefault(digest(case), case)
    return sorted(unique.values(), key=complexity)

