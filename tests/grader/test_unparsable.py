"""Does a file that Python's own parser cannot hold become that file's `unreadable` verdict (issue 19 §3)?

200,000 nested unary minus signs, 100,000 `not`s or 50,000 `lambda:`s make `ast.parse` raise
MemoryError or RecursionError instead of SyntaxError. The issue's files are made here by a
small generator; tests/submissions/hostile/nested_minus.py is a small one of the same kind.
"""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from grader.cli import main
from grader.grading import grade
from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import ROOT, SUBMISSIONS

NESTED = SUBMISSIONS / "hostile" / "nested_minus.py"
DEPTHS = {"minus": ("-", 200_000), "not": ("not ", 100_000), "lambda": ("lambda:", 50_000)}
SOLUTION = ROOT / "solutions" / "exercise1_convolution.py"


def nested(folder, kind, name="exercise2_padding.py"):
    """A file defining pad2d as `kind` nested as deep as the issue's example."""
    unit, depth = DEPTHS[kind]
    path = folder / name
    path.write_text(f"def pad2d(x, pad):\n    return {unit * depth}1\n")
    return path


def run(capsys, *args):
    with pytest.raises(SystemExit) as done:
        main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return done.value.code, out, err


@pytest.mark.parametrize("kind", DEPTHS)
def test_a_file_nested_past_the_parser_is_unreadable_with_one_line(tmp_path, kind):
    """Is each of the issue's files `unreadable`, its reason one line, with no grader error?"""
    result = grade(["exercise2"], submission=nested(tmp_path, kind)).exercises[0]
    assert result.status == "unreadable" and result.score == 0 and not result.has_errors
    assert result.problem.startswith("Python cannot parse your file: its expressions nest far too deeply")
    assert "\n" not in result.problem


def test_the_committed_file_is_exit_2_not_an_internal_error(capsys):
    """Does `grade` say it in the report and exit 2 (nothing gradable), never 3?"""
    code, out, err = run(capsys, "exercise1", "-s", NESTED)
    assert code == 2 and "internal error" not in err
    assert out.count("Python cannot parse your file") == 1 and "NOT GRADED (unreadable)" in out


def test_a_notebook_cell_nested_past_the_parser_is_unreadable(tmp_path):
    """The same in a notebook's code cell: unreadable, not a grader error?"""
    code = nested(tmp_path, "not").read_text()
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "source": code, "outputs": [], "execution_count": 1}]}
    path = tmp_path / "exercise2_padding.ipynb"
    path.write_text(json.dumps(notebook))
    result = grade(["exercise2"], submission=path).exercises[0]
    assert result.status == "unreadable" and "nest far too deeply" in result.problem and not result.has_errors


def test_grade_all_still_writes_results_json_and_grades_the_rest(capsys, tmp_path):
    """Does `grade all --format gradescope` write results.json, the nested file unreadable, exercise 1 full marks?"""
    nested(tmp_path, "minus")
    shutil.copy(SOLUTION, tmp_path / SOLUTION.name)
    out = tmp_path / "results.json"
    code, _, err = run(capsys, "all", "--submission", tmp_path, "--format", "gradescope", "--output", out)
    assert code == 0, err
    tests = json.loads(out.read_text())["tests"]
    pad = [test for test in tests if test["name"].startswith("exercise2:")]
    conv = [test for test in tests if test["name"].startswith("exercise1:")]
    assert pad and all("Python cannot parse your file" in test["output"] for test in pad)
    assert conv and all(test["score"] == test["max_score"] for test in conv)


@pytest.mark.parametrize("sandbox", [
    pytest.param("auto", marks=pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")),
    pytest.param("none", marks=pytest.mark.skipif(not detect().drops_to_user, reason="the fallback needs root")),
])
def test_grade_batch_records_it_once_and_a_rerun_grades_nothing(sandbox):
    """In `grade batch`, with bubblewrap and without, is the nested file an `unreadable` row beside
    a graded one, never retried?"""
    from tests.layouts import layout, scratch

    venv = layout("venv")  # without bubblewrap, a Python every user can read
    submissions = scratch() / f"nested-class-{sandbox}"
    for student in ("nested", "honest"):
        (submissions / student).mkdir(parents=True)
    nested(submissions / "nested", "lambda", "exercise1_convolution.py")
    shutil.copy(SOLUTION, submissions / "honest")
    submissions.chmod(0o700)
    out = scratch() / f"nested-results-{sandbox}"
    unsafe = ["--unsafe-no-sandbox"] if sandbox == "none" else []
    for made in ("2 grades made", "0 grades made"):
        ran = venv.run("batch", str(submissions), "--out", str(out), "--exercises", "exercise1", *unsafe, sandbox=sandbox)
        assert ran.returncode == 0 and made in ran.stdout, (ran.stdout, ran.stderr[-2000:])
    with sqlite3.connect(out / "gradebook.sqlite") as book:
        rows = dict(book.execute("SELECT student, status FROM grades"))
    assert rows == {"nested": "unreadable", "honest": "graded"}
    assert "Python cannot parse your file" in results_of(out, "nested").read_text()


def results_of(out: Path, student: str) -> Path:
    """A student's results.json in RESULTS, in RESULTS/<student>/ or (since issue 19 §4) RESULTS/students/<student>/."""
    return next(folder / "results.json" for folder in (out / "students" / student, out / student)
                if (folder / "results.json").exists())
