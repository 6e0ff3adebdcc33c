"""Does sending a case's call ahead (the worker computes it while the grader judges the one before)
leave every verdict as it was when each call waited for the last one's judgement?

A check of known cases (its fixed examples, what it draws, the kit's recorded cases) whose property
makes one call (grader.checks.OneCall) writes the next case's call behind the current one. A call
no property asks for, because the cases stopped before its turn, is answered and dropped.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from grader.checks import Session, matches_reference
from grader.worker.client import WorkerProcess
from grader.worker.sandbox import detect

SOURCE = '''
import os, time

def f(x):
    print(f"case {int(x[0])}")
    if x[0] == 1:
        return x * 0          # wrong
    if x[0] == 2:
        time.sleep(60)        # hangs
    if x[0] == 3:
        os._exit(7)           # crashes
    return x.astype(float)
'''


def case(value: int, size: int = 3) -> dict:
    return {"x": np.full(size, float(value))}


def check(name: str, cases: list):
    return matches_reference("f", lambda x: x.astype(float), None, points=1, name=name, description="",
                             examples=tuple(cases))


class Cases:
    """Stands where the kit's bank would: each check's cases are its fixed examples, nothing drawn."""

    def __init__(self, checks):
        self.cases = {c.name: list(c.examples) for c in checks}


@pytest.fixture
def session():
    with WorkerProcess(SOURCE, "submission", detect(), call_timeout=1.0) as worker:
        assert worker.load().ok  # started before the checks time themselves
        exercise = SimpleNamespace(id="exercise0", budget=20, mistakes=())  # what a Session asks of its exercise
        yield Session(worker, exercise, defined=frozenset({"f"}), bank=None)


def run(session, *checks):
    session.bank = Cases(checks)
    return [c.run(session) for c in checks]


def test_a_failure_stands_on_its_case_and_the_hang_ahead_of_it_is_never_judged(session):
    """Wrong at case 1, a hang at case 2 (sent ahead): the check fails at once, on case 1, and shows
    only what cases 0 and 1 printed; the next check drops the hang's answer, after its timeout."""
    failing, passing = check("wrong", [case(0), case(1), case(2)]), check("right", [case(0), case(4)])
    first, second = run(session, failing, passing)
    assert first.status == "failed" and "wrong values" in first.output
    assert first.counterexample.inputs["x"][0] == 1 and first.execution_time < 0.9  # not the hang's 1 s
    assert first.stdout.split() == ["case", "0", "case", "1"]
    assert second.status == "passed" and second.stdout.split() == ["case", "0", "case", "4"]
    assert session.worker.restarts == 1  # the hang was killed, after its second, as a call would have been


def test_a_hang_sent_ahead_is_a_timeout_of_its_own_case(session):
    (result,) = run(session, check("hangs", [case(0), case(2), case(0)]))
    assert result.status == "failed" and result.failure == "timeout"
    assert result.counterexample is None or result.counterexample.inputs["x"][0] == 2
    assert "timed out after 1 s" in result.output
    assert 0.9 < result.execution_time < 1.9  # its second from when the worker started on it


def test_a_crash_sent_ahead_is_told_as_the_crash_it_is(session):
    (result,) = run(session, check("crashes", [case(0), case(3), case(0)]))
    assert result.status == "failed" and result.failure == "crash"
    assert "exited with code 7" in result.output


def test_only_calls_that_fit_the_pipe_beside_the_one_before_go_ahead():
    with WorkerProcess(SOURCE, "submission", detect()) as worker:
        assert worker.send("call", {"function": "f", "args": [case(0)["x"]], "kwargs": {}}, ahead=True) is None
        first = worker.send("call", {"function": "f", "args": [case(0)["x"]], "kwargs": {}})
        big = case(0, size=worker._pipe_bytes // 8)["x"]
        assert worker.send("call", {"function": "f", "args": [big], "kwargs": {}}, ahead=True) is None
        second = worker.send("call", {"function": "f", "args": [case(4)["x"]], "kwargs": {}}, ahead=True)
        assert second is not None
        assert worker.receive(first).value.tolist() == [0.0] * 3
        assert worker.receive(second).value.tolist() == [4.0] * 3


def test_work_done_meanwhile_runs_while_the_worker_answers_and_is_told_where_it_is_asked_for(session, monkeypatch):
    """Session.meanwhile: the grader's own work runs once the next call is sent, before its answer is read,
    and its value is given without computing it again; work that raised, or never began, is computed
    when its value is asked for, where its error is raised."""
    order = []
    receive = session.worker.receive
    monkeypatch.setattr(session.worker, "receive", lambda *a, **k: order.append("answer read") or receive(*a, **k))
    replay = session.meanwhile(lambda: order.append("replayed") or 7)
    assert order == [] and session.call("f", case(0))[0] == 0.0
    assert order == ["replayed", "answer read"] and replay() == 7 and order == ["replayed", "answer read"]

    tries = []

    def broken():
        tries.append(1)
        raise ValueError("no replay")

    failed = session.meanwhile(broken)
    session.call("f", case(0))
    with pytest.raises(ValueError, match="no replay"):
        failed()
    assert len(tries) == 2
    assert session.meanwhile(lambda: 8)() == 8 and session.upcoming is not None  # never sent: computed when asked
