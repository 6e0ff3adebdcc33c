"""Hypothesis strategies described when a declaration is imported, built when first drawn from.

Importing hypothesis takes about 0.1 s, half of what `import numpy, hypothesis` costs, and most
grades never draw: the student kit grades from the cases its release recorded (grader.bank), and
a practice run in the course replays the draws it kept on disk (grader.draws), needing
hypothesis only to shrink a failure. So a declaration writes its strategies with this module's
`st` (`from grader.authoring import st`), which reads as hypothesis's own does:

    @st.composite
    def image_and_kernel(draw, dtype=F64): ...

    SIZES = st.sampled_from((8, 6, 5, 4)).map(lambda size: {"image_size": size})

Each call gives a `Deferred`: the same call, made on `hypothesis.strategies` the first time the
strategy is needed (`built`), once. Inside a composite, `draw` takes a Deferred as well as a
hypothesis strategy. The strategies built are the ones hypothesis's `st` gives, and a composite
keeps its own label (hypothesis tells spans apart by it when shrinking), so neither the draws
nor the shrinking change. Hypothesis's own functions (`given`, `find`, a composite of its `st`)
take `built(strategy)`, not a Deferred: the building blocks (grader.strategies) are deferred
too, so a declaration writes its composites with this `st`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import GenericAlias
from typing import TYPE_CHECKING, Any

# The functions of hypothesis.strategies that `st` defers; another name is a typo or needs hypothesis's own.
FUNCTIONS = frozenset({
    "binary", "booleans", "builds", "characters", "complex_numbers", "data", "dictionaries", "fixed_dictionaries",
    "floats", "fractions", "from_regex", "frozensets", "integers", "just", "lists", "none", "nothing", "one_of",
    "permutations", "recursive", "sampled_from", "sets", "shared", "text", "tuples",
})


@functools.cache
def _hypothesis_strategies():
    from hypothesis import strategies

    return strategies


class Deferred:
    """A hypothesis strategy not built yet: `make()` builds it, on first use, once."""

    __slots__ = ("_make", "_strategy", "_description")

    def __init__(self, make: Callable[[], Any], description: str):
        self._make = make
        self._strategy: Any = None
        self._description = description

    def built(self):
        """The hypothesis strategy (importing hypothesis the first time one is built)."""
        if self._strategy is None:
            self._strategy = self._make()
        return self._strategy

    def map(self, pack: Callable) -> Deferred:
        return Deferred(lambda: self.built().map(pack), f"{self._description}.map({_name(pack)})")

    def filter(self, condition: Callable) -> Deferred:
        return Deferred(lambda: self.built().filter(condition), f"{self._description}.filter({_name(condition)})")

    def validate(self):
        """What hypothesis's own draw asks of a strategy first: here, to say what to do instead."""
        raise TypeError(f"{self._description} is a deferred strategy (grader.deferred), which hypothesis's own draw "
                        "does not take: write the composite with `st` from grader.authoring (its draw takes both), "
                        "or draw built(strategy)")

    def __repr__(self) -> str:
        return f"<deferred {self._description}>"

    def __class_getitem__(cls, item) -> GenericAlias:  # `st.SearchStrategy[dict]` in an annotation
        return GenericAlias(cls, item)


def built(value):
    """`value` with every Deferred in it (itself, or in a tuple, list or dict) built; anything
    else as it is."""
    if isinstance(value, Deferred):
        return value.built()
    if isinstance(value, (tuple, list)):
        items = [built(item) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    if isinstance(value, dict):
        entries = {key: built(item) for key, item in value.items()}
        return value if all(entries[key] is item for key, item in value.items()) else entries
    return value


class _Strategies:
    """`hypothesis.strategies`, deferred: each of its FUNCTIONS gives a Deferred of that call."""

    SearchStrategy = Deferred

    def __getattr__(self, name: str):
        if name not in FUNCTIONS:
            raise AttributeError(f"grader.authoring's st has no {name!r}: it defers {', '.join(sorted(FUNCTIONS))} and "
                                 "composite; for anything else import hypothesis's strategies (at once)")
        return _deferred_function(name)

    @staticmethod
    def composite(function: Callable) -> Callable[..., Deferred]:
        """@st.composite, deferred: calling the decorated function gives a Deferred of hypothesis's
        composite strategy, whose `draw` also takes a Deferred."""

        @functools.wraps(function)
        def strategy(*args, **kwargs) -> Deferred:
            return Deferred(lambda: _composite(function)(*args, **kwargs), f"{function.__name__}(...)")

        return strategy


if TYPE_CHECKING:  # type checkers see hypothesis's strategies, which a Deferred stands for
    from hypothesis import strategies as st
else:
    st = _Strategies()

__all__ = ["FUNCTIONS", "Deferred", "built", "st"]


@functools.cache
def _deferred_function(name: str) -> Callable[..., Deferred]:
    def call(*args, **kwargs) -> Deferred:
        return Deferred(lambda: getattr(_hypothesis_strategies(), name)(*built(args), **built(kwargs)), f"st.{name}(...)")

    call.__name__ = call.__qualname__ = name
    return call


class _Drawing:
    """A composite's function, called with a `draw` that builds a Deferred first. Hypothesis labels a
    composite by hashing its function: this one hashes as the function's code and defaults do, so
    two composites share a label only where they would have without it."""

    def __init__(self, function: Callable):
        self.function = function
        self.__name__, self.__qualname__ = function.__name__, function.__qualname__
        self.__module__, self.__doc__ = function.__module__, function.__doc__

    def __call__(self, draw, *args, **kwargs):
        return self.function(lambda strategy, label=None: draw(built(strategy), label=label), *args, **kwargs)

    def __hash__(self) -> int:
        code = self.function.__code__
        return hash((code, repr((self.function.__defaults__, self.function.__kwdefaults__))))

    def __eq__(self, other) -> bool:
        return isinstance(other, _Drawing) and hash(self) == hash(other)


@functools.cache
def _composite(function: Callable) -> Callable:
    return _hypothesis_strategies().composite(_Drawing(function))


def _name(function: Callable) -> str:
    return getattr(function, "__qualname__", type(function).__name__)
