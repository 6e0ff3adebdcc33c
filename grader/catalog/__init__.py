"""The exercises, found by listing this package: adding an exercise is adding a module here.

Each module is named like the student's file (`exercise3_stride`) and defines `EXERCISE`.
Names resolve without importing any declaration, so the CLI can start a worker before the
heavy imports (hypothesis, the references) are done.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re

from grader.errors import UnknownExercise

_MODULE = re.compile(r"^exercise(?P<number>\d+)_(?P<topic>\w+)$")


def module_names() -> list[str]:
    """`['exercise1_convolution', 'exercise2_padding', ...]` in exercise order."""
    names = [info.name for info in pkgutil.iter_modules(__path__) if _MODULE.match(info.name)]
    return sorted(names, key=lambda name: int(_MODULE.match(name)["number"]))


def aliases() -> dict[str, str]:
    """Every accepted spelling: 'exercise3', '3', 'stride', 'exercise3_stride' -> module name."""
    table = {}
    for name in module_names():
        match = _MODULE.match(name)
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
    known = ", ".join(f"exercise{_MODULE.match(n)['number']}" for n in module_names())
    raise UnknownExercise(f"unknown exercise {name!r}{suggestion} (known: {known}; `grade list` describes them)")


def load(module_name: str):
    """The `Exercise` declared in grader/catalog/<module_name>.py."""
    return importlib.import_module(f"{__name__}.{module_name}").EXERCISE


def all_exercises() -> list:
    return [load(name) for name in module_names()]
