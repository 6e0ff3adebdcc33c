"""Do the deferred strategies (grader.deferred) draw and shrink as hypothesis's own `st` does, without
importing hypothesis until something is drawn?"""

import pickle
import subprocess
import sys

import pytest

from grader import deferred
from tests.conftest import ROOT

NUMPY_EXERCISES = ["exercise1_convolution", "exercise2_padding", "exercise3_stride", "exercise4_pooling",
                   "exercise5_flatten", "exercise10_image_data", "exercise11_augmentation", "exercise14_evaluation",
                   "exercise17_backprop"]

# Run in a fresh process, with hypothesis's own `st` in place of the deferred one (`eager`) or as it
# ships: each property check's draws at a seed, and the smallest input hypothesis shrinks to where
# more than one value of the input is nonzero (a shrink that walks every strategy's spans).
SCRIPT = """
import dataclasses, pickle, sys
import numpy as np
if sys.argv[1] == "eager":
    import hypothesis.strategies, grader.deferred
    grader.deferred.st = hypothesis.strategies
from types import SimpleNamespace
from grader import catalog, draws
from grader.checks import Falsified, PropertyCheck

def weight(value):
    if isinstance(value, np.ndarray):
        return int(np.count_nonzero(value)) if value.dtype.kind in "biuf" else 0
    if isinstance(value, dict):
        return sum(map(weight, value.values()))
    if isinstance(value, (list, tuple)):
        return sum(map(weight, value))
    return int(value != 0) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

def heavy(session, inputs):
    if weight(inputs) > 1:
        raise Falsified("heavy", function="f", inputs=inputs)

found = {}
for module in sys.argv[2:]:
    for check in catalog.load(module).checks:
        if isinstance(check, PropertyCheck):
            shrinking = dataclasses.replace(check, prop=heavy, max_examples=10)
            shrunk = shrinking._falsify_by_hypothesis(SimpleNamespace(seed=3, worker=SimpleNamespace(stdout=[])))
            found[check.name] = (draws._draw(check, 3), shrunk and shrunk.inputs)
sys.stdout.buffer.write(pickle.dumps(found))
"""


def drawn_and_shrunk(kind: str, modules: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, kind, *modules], cwd=ROOT, capture_output=True, check=True)
    return pickle.loads(done.stdout)


def same(a, b) -> bool:
    import numpy as np

    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


@pytest.mark.slow
def test_every_numpy_check_draws_and_shrinks_as_with_hypothesis_own_strategies():
    eager, lazy = drawn_and_shrunk("eager", NUMPY_EXERCISES), drawn_and_shrunk("deferred", NUMPY_EXERCISES)
    assert list(eager) == list(lazy)
    for name in eager:
        assert same(eager[name], lazy[name]), name


def test_a_declaration_draws_as_with_hypothesis_own_strategies():
    """The fast one of the above: one exercise's draws and shrinks, and nothing but drawing imported hypothesis."""
    eager, lazy = drawn_and_shrunk("eager", ["exercise4_pooling"]), drawn_and_shrunk("deferred", ["exercise4_pooling"])
    assert list(eager) == list(lazy)
    for name in eager:
        assert same(eager[name], lazy[name]), name


def test_loading_the_declarations_does_not_import_hypothesis():
    code = ("import sys\nfrom grader import catalog\nfor name in catalog.module_names(): catalog.load(name)\n"
            "print('hypothesis' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_deferred_strategy_is_built_once_and_takes_deferred_arguments():
    pair = deferred.st.tuples(deferred.st.just(1), deferred.st.sampled_from((2, 3)))
    assert pair.built() is pair.built()
    assert deferred.built({"a": [pair]})["a"][0] is pair.built()
    assert repr(pair.map(str)) == "<deferred st.tuples(...).map(str)>"


def test_a_name_st_does_not_defer_is_refused_when_the_declaration_is_imported():
    with pytest.raises(AttributeError, match="'intgers'.*import hypothesis's strategies"):
        _ = deferred.st.intgers


def test_hypothesis_own_draw_given_a_deferred_strategy_says_what_to_do():
    """A composite of hypothesis's own `st` that draws a building block: one clear error, at its first draw."""
    from hypothesis import find
    from hypothesis import strategies as hypothesis_st

    from grader.strategies import upto

    @hypothesis_st.composite
    def sides(draw):
        return draw(upto(3))

    with pytest.raises(TypeError, match=r"st.integers\(...\) is a deferred strategy.*`st` from grader.authoring"):
        find(sides(), lambda side: True)
