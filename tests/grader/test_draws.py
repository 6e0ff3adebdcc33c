"""Does a check replay exactly the inputs hypothesis would give it (grader.draws), and judge as before?"""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from grader import catalog, draws, layout
from grader.checks import Falsified, PropertyCheck


def property_checks(module: str) -> list[PropertyCheck]:
    return [check for check in catalog.load(module).checks if isinstance(check, PropertyCheck)]


def same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    return type(a) is type(b) and a == b


def given_by_hypothesis(check: PropertyCheck, seed: int) -> list[dict]:
    """What hypothesis itself feeds the check's property when every input passes."""
    seen: list[dict] = []
    recording = dataclasses.replace(check, prop=lambda session, inputs: seen.append(inputs))
    session = SimpleNamespace(seed=seed, worker=SimpleNamespace(stdout=[]))
    assert recording._falsify_by_hypothesis(session) is None
    return seen


@pytest.mark.parametrize("module", ["exercise1_convolution", "exercise11_augmentation", "exercise17_backprop"])
def test_the_replayed_inputs_are_those_hypothesis_gives_a_passing_property(module):
    for check in property_checks(module):
        for seed in (0, 12345):
            assert same(draws.drawn(check, seed), given_by_hypothesis(check, seed)), (check.name, seed)


def test_a_replay_is_a_copy_a_property_cannot_change_for_the_next_student():
    check = property_checks("exercise1_convolution")[0]
    first = draws.drawn(check, 7)
    for inputs in first:
        for value in inputs.values():
            if isinstance(value, np.ndarray):
                value[...] = 99
    assert same(draws.drawn(check, 7), given_by_hypothesis(check, 7))


def test_a_kept_value_thaws_as_a_fresh_copy_of_the_same_types_and_values():
    from grader.memo import Frozen

    value = {"x": np.arange(6.0).reshape(2, 3).T, "n": (1, -0.0, float("nan")), "f": np.float32(2.5), "list": [[1, 2]]}
    for kept in (Frozen(value), Frozen({**value, "g": lambda: 1})):  # pickled; deep-copied (pickle refuses a lambda)
        first, second = kept.thaw(), kept.thaw()
        assert same(first["x"], value["x"]) and first["x"].dtype == value["x"].dtype
        assert first["n"][0] == 1 and str(first["n"][1:]) == "(-0.0, nan)" and type(first["f"]) is np.float32
        first["x"][...] = 99
        first["list"][0].append(3)
        assert same(second["x"], value["x"]) and second["list"] == [[1, 2]] and kept.thaw()["list"] == [[1, 2]]


def test_a_failing_input_is_shrunk_by_hypothesis_as_before():
    """Once a replayed input fails, is the counterexample hypothesis's own smallest one?"""
    check = property_checks("exercise1_convolution")[0]

    def fails_on_big_images(session, inputs):
        image = next(value for value in inputs.values() if isinstance(value, np.ndarray))
        if image.size > 3:
            raise Falsified("too big", function=check.functions[0], inputs=inputs)

    failing = dataclasses.replace(check, prop=fails_on_big_images)
    session = SimpleNamespace(seed=3, worker=SimpleNamespace(stdout=[]), deadline=None)
    replayed, alone = failing._falsify_drawn(session), failing._falsify_by_hypothesis(session)
    assert same(replayed.inputs, alone.inputs) and same(replayed.first.inputs, alone.first.inputs)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(layout.CACHE_VARIABLE, str(tmp_path))
    draws._cache_folder.cache_clear()
    monkeypatch.setattr(draws, "_KEPT", draws.OrderedDict())
    yield tmp_path
    draws._cache_folder.cache_clear()


def test_a_practice_runs_draws_are_read_back_from_disk_as_drawn(cache, monkeypatch):
    checks = property_checks("exercise11_augmentation")
    with draws.kept_on_disk("exercise11_augmentation", 5):
        first = [draws.drawn(check, 5) for check in checks]
    assert len(list(cache.glob("draws-*/exercise11_augmentation-5.bank"))) == 1
    monkeypatch.setattr(draws, "_KEPT", draws.OrderedDict())
    monkeypatch.setattr(draws, "_draw", lambda check, seed: pytest.fail("drawn again"))
    with draws.kept_on_disk("exercise11_augmentation", 5):
        again = [draws.drawn(check, 5) for check in checks]
    assert same(first, again)


def test_a_graded_runs_draws_are_never_written(cache):
    from grader import seeds
    from grader.grading import grade
    from tests.conftest import ROOT

    secret = seeds.SecretSeed(b"a secret of the course staff")
    grade(["exercise5"], submission=ROOT / "solutions" / "exercise5_flatten.py", seed=secret)
    assert not list(cache.rglob("*.bank"))
    grade(["exercise5"], submission=ROOT / "solutions" / "exercise5_flatten.py", seed=3)
    assert [path.name for path in cache.rglob("*.bank")] == ["exercise5_flatten-3.bank"]


def test_a_practice_run_keeps_the_answers_slow_to_compute_and_hands_out_copies(cache, monkeypatch):
    """Is a slow answer computed once per engine and seed (each run gets its own copy), and one the bank
    cannot give back exactly (a tensor that needs a gradient), or past what a file may hold, computed
    every time?"""
    import torch

    from grader import bank, memo

    computed = []

    def slow(name, make):
        def compute():
            computed.append(name)
            return make()
        return compute

    steps = slow("steps", lambda: {"state": np.arange(4.0), "steps": (1, 2)})
    grad = slow("grad", lambda: torch.ones(2, requires_grad=True))
    monkeypatch.setattr(bank, "KEEP_SECONDS", 0.0)
    for run in range(2):
        with draws.kept_on_disk("exercise7_alexnet", 5), memo.scope(("exercise7", f"run {run}")):
            answer = bank.record("model.steps", (), {"x": np.ones(3)}, steps)
            assert answer["steps"] == (1, 2) and answer["state"][0] == 0
            answer["state"][0] = 99  # a property's own business: never the next run's
            bank.record("model.grad", (), {"x": np.ones(3)}, grad)
    assert computed == ["steps", "grad", "grad"]
    monkeypatch.setattr(bank, "KEEP_BYTES", 100)  # a file holds at most this much: a 4 KB answer is computed each time
    for run in range(2):
        with draws.kept_on_disk("exercise7_alexnet", 5), memo.scope(("exercise7", f"large {run}")):
            bank.record("model.large", (), {}, slow("large", lambda: np.zeros(512)))
    assert computed[3:] == ["large", "large"]
