"""The exercises, found by listing folders: adding an exercise is adding a module here.

Each module is named like the student's file (`exercise3_stride`) and defines `EXERCISE`; from the
grader it imports only grader.authoring (tests/grader/test_seams.py checks).
Declarations live in this package; `CNN_GRADER_CATALOG` (folders separated by `os.pathsep`)
adds more, e.g. a course's own exercises or the toy exercise of the tests. Such a folder
is put on `sys.path` when one of its declarations is loaded, so a declaration there can
import its reference from beside it.

Names, titles, points and summaries are read from each declaration's text (`about`),
without importing it: `grade list` and name resolution never wait for hypothesis or torch.

Each declaration reaches what would answer the exercise (reference bindings, mistake
reproductions, hidden checks) only through `answer_key(__name__)`: the key module
`keys/<module>.py` beside it in the course repository, or, in the student kit, which holds no
key, the answers `grade release` recorded in `banks/<module>.bank` (grader.bank).
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UnknownExercise
from grader.time_budget import budget_seconds

# Modules a NumPy exercise may not import (the point is to write the kernel yourself): an
# exercise's forbidden_imports unless it says otherwise. Kept here, away from NumPy, so that a
# worker's sandbox starts before the grader imports NumPy (grader.grading).
NUMPY_ONLY = ("torch", "scipy", "tensorflow", "keras", "jax", "cv2", "skimage", "sklearn", "PIL")

CATALOG_VARIABLE = "CNN_GRADER_CATALOG"
_MODULE = re.compile(r"^exercise(?P<number>\d+)_(?P<topic>\w+)$")
_HERE = Path(__file__).resolve().parent


def folders() -> list[Path]:
    """Where declarations are looked for: this package first, then `CNN_GRADER_CATALOG`."""
    extra = [Path(entry).resolve() for entry in os.environ.get(CATALOG_VARIABLE, "").split(os.pathsep) if entry]
    return [_HERE, *extra]


def declaration_files() -> dict[str, Path]:
    """Module name -> its declaration file, in exercise order; the first folder wins a name."""
    found: dict[str, Path] = {}
    for folder in folders():
        for path in sorted(folder.glob("exercise*_*.py")):
            if _MODULE.match(path.stem):
                found.setdefault(path.stem, path)
    return dict(sorted(found.items(), key=lambda item: int(_parts(item[0])["number"])))


def _parts(module_name: str) -> re.Match[str]:
    """The number and topic of a declaration's module name (declaration_files keeps no other)."""
    match = _MODULE.match(module_name)
    assert match is not None, module_name
    return match


def module_names() -> list[str]:
    """`['exercise1_convolution', 'exercise2_padding', ...]` in exercise order."""
    return list(declaration_files())


def aliases() -> dict[str, str]:
    """Every accepted spelling: 'exercise3', '3', 'stride', 'exercise3_stride' -> module name."""
    table = {}
    for name in module_names():
        match = _parts(name)
        for alias in (name, f"exercise{match['number']}", match["number"], match["topic"]):
            table[alias.lower()] = name
    return table


def resolve(name: str) -> str:
    """The module name for what a user typed, or UnknownExercise with a suggestion."""
    table = aliases()
    key = name.strip().lower().removesuffix(".py").removesuffix(".ipynb")
    if key in table:
        return table[key]
    close = difflib.get_close_matches(key, table, n=1)
    suggestion = f"; did you mean {close[0]}?" if close else ""
    known = ", ".join(f"exercise{_parts(n)['number']}" for n in module_names())
    raise UnknownExercise(f"unknown exercise {name!r}{suggestion} (known: {known}; `grade list` describes them)")


def import_name(module_name: str) -> str:
    """The name the declaration is imported under: `grader.catalog.<module>` here, `<module>` elsewhere."""
    path = declaration_files()[module_name]
    return f"{__name__}.{module_name}" if path.parent == _HERE else module_name


def load(module_name: str):
    """The `Exercise` declared in `<module_name>.py`, with its key's hidden checks where there is a key."""
    if module_name in _LOADED:
        return _LOADED[module_name]
    path = declaration_files()[module_name]
    if path.parent != _HERE and str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    declaration = importlib.import_module(import_name(module_name))
    exercise = declaration.EXERCISE
    key = _find_key(module_name)
    hidden = getattr(key, "hidden_checks", None)
    if hidden is not None:
        exercise = exercise.with_hidden(tuple(hidden(declaration)))
    _LOADED[module_name] = exercise
    return exercise


_LOADED: dict = {}
_KEYS: dict = {}
KEYS_FOLDER, BANKS_FOLDER, BANK_SUFFIX = "keys", "banks", ".bank"  # a bank file: grader.bank


def key_file(module_name: str) -> Path:
    """Where the course keeps `module_name`'s answer key (absent in the student kit)."""
    return declaration_files()[module_name].parent / KEYS_FOLDER / f"{module_name}.py"


def bank_file(module_name: str) -> Path:
    """Where the student kit keeps the answers `grade release` recorded from the key."""
    return declaration_files()[module_name].parent / BANKS_FOLDER / f"{module_name}{BANK_SUFFIX}"


def answer_key(name: str):
    """The answer key of the declaration `name` (its `__name__`, or its module name): a
    RecordingKey over keys/<module>.py where the course has one, else a BankedKey over
    banks/<module>.bank (the kit). Loaded once per process."""
    module_name = name.rpartition(".")[2]
    key = _find_key(module_name)
    if key is None:
        from grader.errors import DeclarationError

        raise DeclarationError(f"{module_name}: no answer key: neither {key_file(module_name)} (the course's) nor "
                               f"{bank_file(module_name)} (a student kit's, written by `grade release`) exists")
    return key


def _find_key(module_name: str):
    """The key answer_key gives, or None for a declaration that has none."""
    if module_name in _KEYS:
        return _KEYS[module_name]
    from grader.bank import Bank, BankedKey, RecordingKey

    source, bank = key_file(module_name), bank_file(module_name)
    key: RecordingKey | BankedKey | None
    if source.is_file():
        folder = source.parent.parent
        if folder == _HERE:
            module = importlib.import_module(f"{__name__}.{KEYS_FOLDER}.{module_name}")
        else:
            spec = importlib.util.spec_from_file_location(f"_cnn_grader_keys.{module_name}", source)
            assert spec is not None and spec.loader is not None  # the key is a .py file
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        key = RecordingKey(module)
    elif bank.is_file():
        key = BankedKey(Bank.load(bank))
    else:
        key = None
    _KEYS[module_name] = key
    return key


def banked(module_name: str):
    """The Bank the kit grades `module_name` from, or None where the course's key runs."""
    from grader.bank import BankedKey

    key = _find_key(module_name)
    return key.bank if isinstance(key, BankedKey) else None


def all_exercises() -> list:
    return [load(name) for name in module_names()]


@dataclass(frozen=True)
class About:
    """What `grade list` shows, read from the declaration's text. `points` and `hidden_points`
    are None when the declaration does not state them as numbers (then only loading it tells)."""

    module: str
    id: str
    title: str
    section: str
    summary: str
    points: float | None
    hidden_points: float | None
    call_timeout: float
    time_budget: float | None = None
    cuda: bool = False  # its models may run on a GPU (`limits={"cuda": True}`): what --device moves
    limits: dict = field(default_factory=dict, hash=False)  # the worker's limits, as far as they are literals
    forbidden_imports: tuple[str, ...] | None = None  # None: not a literal (the default: NumPy only)

    @property
    def budget(self) -> float:
        return budget_seconds(self.time_budget, self.call_timeout)

    @property
    def topic(self) -> str:
        return self.module.partition("_")[2]

    @property
    def worker_forbidden(self) -> tuple[str, ...]:
        """The modules its worker refuses: what it declares, else what a NumPy exercise may not import."""
        return NUMPY_ONLY if self.forbidden_imports is None else self.forbidden_imports


def about(module_name: str) -> About:
    """The literal keywords of `EXERCISE = Exercise(...)` in the declaration, without importing it."""
    path = declaration_files()[module_name]
    return _about(module_name, path, path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=64)
def _about(module_name: str, path: Path, source: str) -> About:
    """about(), parsed once per text of the declaration: a batch asks it for every grade."""
    words = _literal_keywords(_exercise_statement(source, path))
    return About(module=module_name, id=words.get("id", module_name.partition("_")[0]),
                 title=words.get("title", ""), section=words.get("section", ""), summary=words.get("summary", ""),
                 points=words.get("points"), hidden_points=words.get("hidden_points", 0 if "points" in words else None),
                 call_timeout=words.get("call_timeout", 2.0), time_budget=words.get("time_budget"),
                 cuda=bool(isinstance(words.get("limits"), dict) and words["limits"].get("cuda")),
                 limits=words["limits"] if isinstance(words.get("limits"), dict) else {},
                 forbidden_imports=tuple(words["forbidden_imports"]) if isinstance(
                     words.get("forbidden_imports"), (tuple, list)) else None)


def _exercise_statement(source: str, path: Path) -> ast.Module:
    """The declaration from its last line that starts `EXERCISE =` on, parsed (exercise 17's whole
    file took 19 ms, on the way to its sandbox's start; that statement, 1 ms), if it is an
    `EXERCISE = Exercise(...)`; else the whole file."""
    starts = [found.start() for found in re.finditer(r"^EXERCISE\s*=", source, re.M)]
    try:
        tail = ast.parse(source[starts[-1]:], filename=str(path)) if starts else None
    except SyntaxError:  # the line was in a string, say
        tail = None
    if tail is not None and tail.body and _exercise_call(tail.body[0]) is not None:
        return tail
    return ast.parse(source, filename=str(path))


def _exercise_call(node: ast.stmt) -> ast.Call | None:
    """The call of `EXERCISE = Exercise(...)`, None for any other statement."""
    if (isinstance(node, ast.Assign) and any(getattr(target, "id", "") == "EXERCISE" for target in node.targets)
            and isinstance(node.value, ast.Call)):
        return node.value
    return None


def _literal_keywords(tree: ast.Module) -> dict:
    for node in tree.body:
        call = _exercise_call(node)
        if call is not None:
            words = {}
            for keyword in call.keywords:
                try:
                    words[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:  # a computed value: not readable without importing
                    pass
            return words
    return {}
