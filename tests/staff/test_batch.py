"""Does a class batch grade everyone, survive every kind of submission, and lose nothing?"""

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from grader.staff.batch import batch
from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import ROOT, SUBMISSIONS

# One process builds this module's shared fixture (pytest -n 2 keeps the group together).
pytestmark = pytest.mark.xdist_group("batch")

CLASS = SUBMISSIONS / "class"
SANDBOXED = detect().kind == BUBBLEWRAP
# Without bubblewrap the writer and the snoop would really write into /etc and read other
# students' files; without a process limit (root, no bubblewrap) the fork loop would be unbounded.
NEEDS_SANDBOX = {"writer", "snoop"} | (set() if detect().limits_processes else {"forker"})

EXPECTED = {  # student: (status, score) for exercise 1, worth 11 with its hidden check
    "alice": ("graded", 11), "carol": ("graded", 11), "notebook": ("graded", 11), "printer": ("graded", 11),
    "writer": ("graded", 11), "snoop": ("graded", 11),
    "bob": ("graded", 2), "syntax": ("graded", 0), "wrong_names": ("graded", 4), "looper": ("graded", 4),
    "hog": ("graded", 4), "exiter": ("graded", 4), "crasher": ("graded", 4), "forker": ("graded", 0),
    "missing": ("missing: exercise1", 0), "corrupt": ("unreadable: exercise1", 0),
    "empty": ("unreadable: exercise1", 0), "escape": ("unreadable: exercise1", 0),
    "huge": ("unreadable: exercise1", 0), "latin1": ("unreadable: exercise1", 0),
}


def copy_class(target, names=None):
    target.mkdir()
    for entry in CLASS.iterdir():
        student = entry.stem
        if (names is None or student in names) and (SANDBOXED or student not in NEEDS_SANDBOX):
            (shutil.copytree if entry.is_dir() else shutil.copy)(entry, target / entry.name)
    return target


def rows(out):
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def grades(out):
    try:
        with sqlite3.connect(out / "gradebook.sqlite") as db:
            return sorted(db.execute("SELECT student, exercise, fingerprint, status, score FROM grades"))
    except sqlite3.OperationalError:  # created a moment ago, no table yet
        return []


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    submissions = copy_class(tmp_path_factory.mktemp("class") / "submissions")
    out = tmp_path_factory.mktemp("results")
    summary = batch(submissions, out, jobs=2, exercises=["exercise1"])
    return submissions, out, summary


def test_every_student_gets_a_row_with_a_clear_verdict(graded_class):
    """Hostile, broken and missing submissions: does each get its own row, none stopping the batch?"""
    submissions, out, summary = graded_class
    table = rows(out)
    expected = {student: verdict for student, verdict in EXPECTED.items() if SANDBOXED or student not in NEEDS_SANDBOX}
    assert set(table) == set(expected)
    for student, (status, score) in expected.items():
        assert (table[student]["status"], float(table[student]["exercise1"])) == (status, score), student
    assert table["alice"]["max_total"] == "11" and summary.errors == 0


def test_each_student_has_results_json_and_an_html_report(graded_class):
    _, out, _ = graded_class
    for student in rows(out):
        data = json.loads((out / student / "results.json").read_text())
        assert data["exercise"] == "exercise1" and "tests" in data
        assert (out / student / "report.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("student, words", [
    ("escape", "would land outside the student's folder"), ("empty", "the zip is empty"),
    ("corrupt", "not a readable zip file"), ("huge", "a submission may be at most"),
    ("latin1", "not UTF-8"), ("missing", "no exercise1_convolution.py"), ("looper", "timed out"),
    ("exiter", "exited with code 0"), ("crasher", "SIGSEGV"), ("hog", "ran out of memory"),
    ("forker", "hit the process limit|timed out"),  # bounded either way; which comes first depends on load
])
def test_the_verdicts_say_what_happened(graded_class, student, words):
    _, out, _ = graded_class
    if not (out / student).exists():
        pytest.skip(f"{student} needs the sandbox or a process limit, not available here")
    outputs = [test["output"] for test in json.loads((out / student / "results.json").read_text())["tests"]]
    assert any(word in output for output in outputs for word in words.split("|")), outputs[:2]


def test_reports_show_the_students_own_path_not_the_graders(graded_class):
    _, out, _ = graded_class
    assert json.loads((out / "carol" / "results.json").read_text())["submission"] == "carol/exercise1_convolution.py"


def test_nothing_escaped_the_sandbox(graded_class):
    """Did the writer fail to write outside its folder, and the snoop find nothing (both score 11)?"""
    if not SANDBOXED:
        pytest.skip("needs bubblewrap: without it the hostile writer and snoop are not run")
    _, out, _ = graded_class
    assert not os.path.exists("/tmp/cnn-grader-escaped.txt") and not os.path.exists("/etc/cnn-grader-escaped.txt")
    assert rows(out)["writer"]["total"] == rows(out)["snoop"]["total"] == "11"


def test_a_rerun_grades_only_what_changed(graded_class):
    """Does an unchanged rerun grade nothing, and a changed file get regraded alone?"""
    submissions, out, _ = graded_class
    before = grades(out)
    assert batch(submissions, out, jobs=2, exercises=["exercise1"]).graded == 0
    assert grades(out) == before
    shutil.copy(ROOT / "solutions" / "exercise1_convolution.py", submissions / "bob" / "exercise1_convolution.py")
    again = batch(submissions, out, jobs=2, exercises=["exercise1"])
    assert again.graded == 1 and rows(out)["bob"]["total"] == "11"


def test_a_batch_killed_with_sigkill_and_rerun_ends_like_an_uninterrupted_one(tmp_path):
    """Crash and rerun: the same gradebook, nothing lost, nothing duplicated."""
    names = {"alice", "bob", "looper", "missing", "corrupt", "exiter", "printer"}
    submissions = copy_class(tmp_path / "submissions", names)
    command = [sys.executable, "-m", "grader", "batch", str(submissions), "--exercises", "exercise1", "--jobs", "2"]
    killed = subprocess.Popen([*command, "--out", str(tmp_path / "killed")], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = tmp_path / "killed" / "gradebook.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and killed.poll() is None:
        if database.exists() and grades(tmp_path / "killed"):
            break
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    partial = grades(tmp_path / "killed")
    assert 0 < len(partial) < len(names), "the kill should land mid-run"
    subprocess.run([*command, "--out", str(tmp_path / "killed")], cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*command, "--out", str(tmp_path / "whole")], cwd=ROOT, check=True, capture_output=True)
    assert grades(tmp_path / "killed") == grades(tmp_path / "whole")
    assert rows(tmp_path / "killed") == rows(tmp_path / "whole")


def test_a_missing_submissions_folder_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "nope"), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "is not a folder" in done.stderr and len(done.stderr.strip().splitlines()) == 1
