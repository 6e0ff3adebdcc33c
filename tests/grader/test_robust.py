"""Can one submission stop the grader, fool its encoding, exhaust its memory or its time?

Each case is a real file in tests/submissions/hostile, graded through `grade` (`grade batch`
runs the same files as students in tests/staff/test_batch.py).
"""

import dataclasses
import json
import subprocess
import sys

import pytest

from grader.cli import main
from grader.grading import grade
from tests.conftest import ROOT, SUBMISSIONS, by_name, graded

HOSTILE = SUBMISSIONS / "hostile"


def run(capsys, *args):
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_forged_reply_frames_fail_their_checks_never_the_grader(capsys):
    """Do frames a submission writes to the reply descriptor fail its checks, with no grader error (exit 0)?"""
    result = graded("exercise1", HOSTILE / "forged_replies.py")
    assert not result.has_errors and result.score == 0 and result.status == "crashed"
    assert all("the worker's reply was malformed" in test.output for test in result.tests)
    code, _, _ = run(capsys, "exercise1", "-s", str(HOSTILE / "forged_replies.py"))
    assert code == 0


def test_a_reply_forged_while_importing_fails_the_checks_not_the_grader():
    result = graded("exercise1", HOSTILE / "forged_import.py")
    assert not result.has_errors and result.score == 0
    assert all("the worker's reply was malformed" in test.output for test in result.tests)


def test_a_dict_shaped_like_the_reports_encoding_is_graded_as_a_dict():
    result = graded("exercise1", HOSTILE / "returns_array_encoding.py")
    assert result.score == 4 and not result.has_errors
    assert "conv2d returned a dict" in by_name(result)["conv2d: matches the reference (no bias)"].output


def test_huge_outputs_are_refused_in_little_memory_time_and_json(tmp_path):
    """4M-element wrong-shaped float64 arrays: under 500 MB for the grader, under 1 MB of results.json?"""
    out = tmp_path / "results.json"
    # A fresh process waits for the grader: RUSAGE_CHILDREN here would also count every earlier
    # child of this test process (a browser, a kernel), not only this grader and its worker.
    measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    peak = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "grader", "exercise1", "-s",
                           str(HOSTILE / "huge_output.py"), "--format", "json", "-o", str(out)],
                          cwd=ROOT, check=True, capture_output=True, text=True).stdout
    assert int(peak) < 500 * 1024  # kilobytes
    assert out.stat().st_size < 1_000_000
    tests = json.loads(out.read_text())["tests"]
    assert all("output too large (shape (2000, 2000), float64, 30.5 MB)" in test["output"] for test in tests)


def test_a_correct_but_sleepy_submission_stops_at_the_exercises_time_budget(monkeypatch):
    """Does a right answer that sleeps 1.9 s a call end near the budget, the checks left failing as 'time budget used up'?"""
    from grader import catalog
    from grader.render import render
    from grader.results import Report

    load = catalog.load
    # 14 s: time for the first check's five examples (9.5 s of sleep), not for the 30 calls of the next
    monkeypatch.setattr(catalog, "load", lambda module: dataclasses.replace(load(module), time_budget=14.0))
    result = grade(["exercise1"], submission=HOSTILE / "sleepy.py").exercises[0]
    assert result.execution_time < 14.0 + 4.0 and result.time_budget == 14.0
    assert by_name(result)["correlate2d: the lecture's examples"].status == "passed"
    budget = [test for test in result.tests if "time budget used up" in test.output]
    assert len(budget) >= 6 and all(test.status == "failed" for test in budget) and not result.has_errors
    assert "of a 14 s budget" in render(Report([result]), "text")


def test_the_budget_is_declared_with_the_exercise_and_shown_by_grade_list(capsys):
    from grader import catalog

    assert catalog.load("exercise1_convolution").budget == 20
    code, out, _ = run(capsys, "list")
    assert code == 0 and "20 s budget" in out and "50 s budget" in out


def test_a_notebook_nbformat_refuses_is_unreadable_in_one_line(capsys):
    """Cell metadata "tags": 5 used to be an internal TypeError; is it one line and exit 2?"""
    code, out, err = run(capsys, "exercise1", "-s", str(HOSTILE / "bad_notebook_tags.ipynb"))
    assert code == 2 and out == ""
    assert err.strip() == ("grade: bad_notebook_tags.ipynb is not a readable notebook: "
                           "cells/1/metadata/tags: 5 is not of type 'array'")


def test_grade_all_with_nothing_to_grade_says_so_in_one_line_and_exits_2(capsys, tmp_path, monkeypatch):
    """`grade all` in a folder with no exercises/: one line that says what to do, exit 2?"""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "all")
    assert code == 2 and out == "" and err.count("\n") == 1 and "no submission here" in err


def test_a_syntax_error_is_one_report_line_and_exit_2(capsys):
    code, out, _ = run(capsys, "exercise1", "-s", str(HOSTILE / "syntax_error.py"))
    assert code == 2 and out.count("SyntaxError: invalid syntax") == 1 and "NOT GRADED (unreadable)" in out
