"""Does `grade override` set a grade with who, when and why, show it everywhere, and keep its history?"""

import csv
import json
import re
import sqlite3
from datetime import datetime, timezone

import pytest

from grader.cli import main
from grader.staff.gradebook import Grade, Gradebook
from grader.staff.overrides import history, override, refresh

WHEN = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def result(score):
    return {"exercise": "exercise1", "title": "Convolution", "section": "4", "submission": "exercise1_convolution.py",
            "tests": [{"name": "conv2d", "score": score, "max_score": 11, "output": "",
                       "status": "failed" if score < 11 else "passed"}]}


@pytest.fixture
def results(tmp_path):
    """A batch's folder with two students graded on exercise 1 (written directly: no grading needed)."""
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    for student, score in (("alice", 11), ("bob", 4)):
        gradebook.record(Grade(student, "exercise1", "f" + student, "graded", score, 11, result(score)))
    gradebook.close()
    refresh(tmp_path)
    return tmp_path


def csv_rows(results):
    with open(results / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def state(results):
    """Everything an override could change: its table, the CSV, a report."""
    with sqlite3.connect(results / "gradebook.sqlite") as db:
        overrides = db.execute("SELECT * FROM overrides").fetchall()
    return overrides, (results / "gradebook.csv").read_text(), (results / "students" / "bob" / "report.html").read_text()


def test_an_override_is_recorded_with_who_when_why_and_the_graders_score(results):
    """bob's 4 becomes 9: is the row complete, and do the CSV, the report, results.json and the dashboard say so?"""
    mark = override(results, "bob", "exercise1", points=9, reason="regrade: the hidden check misjudged", author="ta1",
                    now=WHEN)
    assert (mark.final, mark.raw) == (9, 4)
    with sqlite3.connect(results / "gradebook.sqlite") as db:
        row = db.execute("SELECT points, reason, author, made_at, grader_score, max_score FROM overrides").fetchone()
    assert row == (9.0, "regrade: the hidden check misjudged", "ta1", "2025-03-10T12:00:00Z", 4.0, 11.0)
    bob = csv_rows(results)["bob"]
    assert bob["exercise1"] == "9" and bob["total"] == "9" and "overridden by ta1" in bob["adjustments"]
    assert "Score set by course staff: 9/11" in (results / "students" / "bob" / "report.html").read_text()
    report = json.loads((results / "students" / "bob" / "results.json").read_text())
    assert report["final_score"] == 9 and report["marks"]["exercise1"]["override"]["author"] == "ta1"
    assert 'adjusted" data-label="1:" title="overridden by ta1' in (results / "dashboard.html").read_text()


def test_clearing_keeps_the_history_and_gives_back_the_graders_score(results):
    """Set, set again, clear: is the grader's score back, with all three entries kept in order?"""
    override(results, "bob", "exercise1", points=9, reason="regrade", author="ta1", now=WHEN)
    override(results, "bob", "exercise1", points=7, reason="second look", author="prof", now=WHEN)
    mark = override(results, "bob", "exercise1", clear=True, reason="the regrade was wrong", author="prof", now=WHEN)
    assert mark.override is None and mark.final == 4 and csv_rows(results)["bob"]["exercise1"] == "4"
    assert [(entry["points"], entry["author"]) for entry in history(results, "bob", "exercise1")] == \
        [(9.0, "ta1"), (7.0, "prof"), (None, "prof")]


@pytest.mark.parametrize("argv, words", [
    (["bobb", "exercise1", "--points", "5", "--reason", "x"], "no student 'bobb' in .*; did you mean 'bob'?"),
    (["bob", "exercise42", "--points", "5", "--reason", "x"], "exercise42"),
    (["bob", "exercise2", "--points", "5", "--reason", "x"], "bob has no grade for exercise2"),
    (["bob", "exercise1", "--points", "12", "--reason", "x"], "--points 12 is out of range: exercise1 is worth 0 to"),
    (["bob", "exercise1", "--points", "-1", "--reason", "x"], "out of range"),
    (["bob", "exercise1", "--points", "nan", "--reason", "x"], "out of range"),
    (["bob", "exercise1", "--points", "5"], "say why with --reason"),
    (["bob", "exercise1", "--clear"], "bob exercise1 has no override to clear"),
    (["bob", "exercise1"], "give either --points P .* or --clear"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(results, capsys, argv, words):
    """Unknown student or exercise, points out of range, no reason: one line, exit 2, nothing written?"""
    before = state(results)
    with pytest.raises(SystemExit) as done:
        main(["override", str(results), *argv])
    error = capsys.readouterr().err
    assert done.value.code == 2 and error.count("\n") == 1 and error.startswith("grade: ")
    assert re.search(words, error), error
    assert state(results) == before


def test_a_missing_gradebook_is_one_line(tmp_path, capsys):
    """No batch was run there: does it say to run one?"""
    with pytest.raises(SystemExit) as done:
        main(["override", str(tmp_path), "bob", "exercise1", "--points", "1", "--reason", "x"])
    assert done.value.code == 2 and "run `grade batch SUBMISSIONS --out" in capsys.readouterr().err


def test_the_command_prints_the_grade_and_the_history(results, capsys):
    """The CLI: one line after an override, one line per entry with --history."""
    with pytest.raises(SystemExit) as done:
        main(["override", str(results), "bob", "exercise1", "--points", "6.5", "--reason", "late excuse",
              "--by", "ta2"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("bob exercise1: 6.5/11 (overridden; grader: 4)")
    with pytest.raises(SystemExit):
        main(["override", str(results), "bob", "exercise1", "--history"])
    assert "ta2: set to 6.5/11 (grader: 4) late excuse" in capsys.readouterr().out
