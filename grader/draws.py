"""What hypothesis draws for a property check at a seed, drawn once per process and replayed.

Hypothesis is deterministic here (a seed, no database, no deadline): while every input passes,
it feeds the property the very same inputs, whoever's submission it judges. A graded run has
one seed per exercise for the whole class, so a batch's pool process draws each check's inputs
once (`drawn`) and replays them for every student; hypothesis runs again, drawing the same
inputs and then shrinking, only for a submission that fails one (grader.checks). The drawing
costs about as much as judging, so this halves a passing check's time in a batch, and a single
`grade` draws each check's inputs once, as before.

The inputs kept are bounded (`MAX_KEPT` checks' worth, the least recently used dropped) and
never handed out themselves: each replay gets a copy, so nothing a property does to its inputs
reaches the next student.

A practice run (a public seed: `grade EXERCISE`, `grade all`) also keeps its draws on disk
(`kept_on_disk`), in a folder of the user's cache named by a digest of the engine (every source
file of grader/ and reference/ and the catalog folders, hypothesis's, NumPy's, torch's and
Python's versions), so the next run at that seed reads them instead of drawing: the same inputs,
since nothing that draws them changed. The answer key's answers that are slow to compute (a
reference model's training steps: grader.bank.keeping) are kept beside them. The files are
answer-bank files (grader.bank: JSON and .npy, never pickles); one that cannot be read is drawn
again. A graded run's draws and answers (its seed comes from the secret) are never written
anywhere. CNN_GRADER_CACHE names the folder ("off": none).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import importlib
import importlib.util
import os
import shutil
import sys
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from grader.deferred import built
from grader.layout import SOURCE_ROOT, cache_base
from grader.memo import Frozen

MAX_KEPT = 512  # (check, seed) pairs; a check's inputs are small arrays, 30 of them at most
_KEPT: OrderedDict = OrderedDict()


def hypothesis_settings(max_examples: int):
    """How every property check runs hypothesis: deterministic from the seed, quiet, no database,
    no deadline (a slow submission is the time budget's business), no "explain" phase (hundreds
    of calls)."""
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    return settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, report_multiple_bugs=False,
                    print_blob=False, phases=(Phase.explicit, Phase.generate, Phase.shrink))


def drawn(check, seed: int) -> list[dict]:
    """The inputs hypothesis gives `check`'s property at `seed` while every one passes, in order:
    a fresh copy of each."""
    key = (id(check), seed)
    if key in _KEPT:
        _KEPT.move_to_end(key)
    else:
        _KEPT[key] = (check, Frozen(_from_disk(check, seed) or _draw(check, seed)))  # the check: its id stays its own
        while len(_KEPT) > MAX_KEPT:
            _KEPT.popitem(last=False)
    return _KEPT[key][1].thaw()


def _draw(check, seed: int) -> list[dict]:
    from hypothesis import given
    from hypothesis import seed as hypothesis_seed

    inputs: list[dict] = []

    @hypothesis_seed(seed)
    @hypothesis_settings(check.max_examples)
    @given(built(check.inputs))
    def collect(drawn_inputs):
        inputs.append(copy.deepcopy(drawn_inputs))

    collect()
    return inputs


# --- Practice draws, kept on disk between runs ----------------------------------------------------------

_STORES: list = []  # the active kept_on_disk scopes: [path, bank, changed]


@contextmanager
def kept_on_disk(module: str, seed: int):
    """While inside (a practice run of `module` at `seed`), drawn() reads what this engine drew
    at that seed from the cache folder (read on entering: grading enters while the worker's
    sandbox boots), and what it has to draw is written there afterwards; so are the answer key's
    slow answers (a question whose answer depends on the device names it: grader.models.oracle)."""
    from grader.bank import keeping

    path = _cache_file(module, seed)
    if path is None:
        yield
        return
    store = [path, _load(path), False]
    if not store[1].cases:  # nothing drawn at this seed yet: hypothesis is imported while the sandbox boots
        import hypothesis  # noqa: F401
    answered = len(store[1].answers)
    _STORES.append(store)
    try:
        with keeping(store[1]):
            yield
    finally:
        _STORES.remove(store)
        if store[2] or len(store[1].answers) != answered:
            _save(path, store[1])


def _from_disk(check, seed: int) -> list[dict] | None:
    """The check's draws from the active store (None: not there, or no store), and, once drawn,
    the note to write them."""
    from grader.bank import stays_the_same

    if not _STORES:
        return None
    store = _STORES[-1]
    kept = store[1].cases.get(check.name)
    if kept is not None:
        return kept
    inputs = _draw(check, seed)
    if stays_the_same(inputs):
        store[1].cases[check.name] = inputs
        store[2] = True
    return inputs


def _load(path: Path):
    from grader.bank import Bank

    try:
        return Bank.load(path)
    except Exception:  # noqa: BLE001 - missing, half-written by a run killed meanwhile, or not ours: draw again
        return Bank(exercise=path.stem)


def _save(path: Path, bank) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        bank.save(temporary, compressed=False)  # a model's answers are tens of MB of random floats
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - a cache that cannot be written only means drawing next time
        temporary.unlink(missing_ok=True)


def _cache_file(module: str, seed: int) -> Path | None:
    folder = _cache_folder()
    return None if folder is None else folder / f"{module}-{seed}.bank"


@functools.cache
def _cache_folder() -> Path | None:
    """<cache>/cnn-grader/draws-<engine digest>, made (private) if need be; None when off or unwritable."""
    base = cache_base()
    if base is None:
        return None
    folder = base / f"draws-{_engine()}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for old in base.glob("draws-*"):  # another engine's draws: never read again
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _engine() -> str:
    """A digest of everything that decides what is drawn and answered: the source of grader/, reference/
    and the catalog folders, and the versions of Python, hypothesis, NumPy and torch."""
    from grader import catalog

    root = SOURCE_ROOT
    files = sorted({*root.glob("grader/**/*.py"), *root.glob("reference/**/*.py"),
                    *(path for folder in catalog.folders() for path in folder.glob("**/*.py"))})
    digest = hashlib.sha256(f"{sys.version}|{_version('hypothesis')}|{np.__version__}|{_version('torch')}".encode())
    for path in files:
        digest.update(b"|" + str(path.relative_to(root) if path.is_relative_to(root) else path).encode() + b"|")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _version(distribution: str) -> str:
    """The installed version of hypothesis or torch, from the name of its dist-info folder: a grade
    that replays its draws imports neither (hypothesis: grader.deferred)."""
    spec = importlib.util.find_spec(distribution)
    if spec is None or spec.origin is None:
        return "none"
    found = list(Path(spec.origin).parent.parent.glob(f"{distribution}-*.dist-info"))
    if len(found) == 1:
        return found[0].name.removesuffix(".dist-info")
    return importlib.import_module(distribution).__version__
