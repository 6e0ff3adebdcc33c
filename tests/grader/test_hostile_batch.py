"""Can one student's code reach the grader or the other students in `grade batch` (issue 9 §6)?

Each attack is a real file under tests/submissions/escape/<student>/. The class runs through
`grade batch` of a real install (tests/layouts.py), once inside bubblewrap and once in the
unprivileged fallback (root without bubblewrap, forced with CNN_GRADER_SANDBOX=none).
SUBMISSIONS is kept private (0700) as the README says; the batch makes RESULTS so itself.
"""

import csv
import functools
import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import SUBMISSIONS, run_scratch
from tests.layouts import dependencies, layout, scratch

ESCAPE = SUBMISSIONS / "escape"
MARKERS = (Path("/tmp/cnn-grader-daemon-alive"), Path("/tmp/cnn-grader-planted-ran"))
MODES = [
    pytest.param("auto", marks=pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")),
    pytest.param("none", marks=pytest.mark.skipif(not detect().drops_to_user, reason="the fallback needs root")),
]


@functools.cache
def escaped_batch(sandbox: str):
    """The escape class graded once per mode: (the finished run, RESULTS, the gradebook rows
    as the batch left them, the rows a few seconds later, the markers written meanwhile)."""
    venv = layout("venv")  # first: it skips (before anything is written) where installs cannot be tested
    private = scratch() / f"submissions-{sandbox}"
    private.mkdir(mode=0o700)
    shutil.copytree(ESCAPE, private / "class")
    out = scratch() / f"results-{sandbox}"
    unsafe = ["--unsafe-no-sandbox"] if sandbox == "none" else []
    ran = venv.run("batch", str(private / "class"), "--out", str(out), "--exercises", "exercise1",
                             "--jobs", "2", *unsafe, sandbox=sandbox)
    rows = _rows(out)
    for marker in MARKERS:  # written while its worker lived, perhaps; from now on only by a survivor
        marker.unlink(missing_ok=True)
    time.sleep(3)  # the daemon acts every half second
    return ran, out, rows, _rows(out), [marker for marker in MARKERS if marker.exists()]


def _rows(out: Path) -> dict:
    with sqlite3.connect(out / "gradebook.sqlite") as book:
        return {student: (status, score) for student, status, score in
                book.execute("SELECT student, status, score FROM grades")}


def outputs(out: Path, student: str) -> str:
    report = json.loads((out / "students" / student / "results.json").read_text())
    return "\n".join(test["output"] for test in report["tests"])


@pytest.mark.parametrize("sandbox", MODES)
def test_the_batch_ends_with_every_row_even_when_a_student_kills_its_parent(sandbox):
    """Does the batch finish (exit 0) with one graded row per student, the honest one at full marks?"""
    ran, out, rows, _, _ = escaped_batch(sandbox)
    assert ran.returncode == 0, ran.stderr
    with open(out / "gradebook.csv") as table:
        students = {row["student"]: row for row in csv.DictReader(table)}
    assert set(students) == {entry.name for entry in ESCAPE.iterdir()}
    assert all(status == "graded" for status, _ in rows.values()), rows
    assert rows["honest"][1] == 11
    assert "tried to kill the grader" in outputs(out, "kills_grader")


@pytest.mark.parametrize("sandbox", MODES)
def test_no_student_reads_another_students_file(sandbox):
    """Found from /proc or /tmp, can another student's exercise file (in SUBMISSIONS or unpacked in RESULTS) be read?"""
    _, out, _, _, _ = escaped_batch(sandbox)
    assert "found no other student's file" in outputs(out, "reads_others")


@pytest.mark.parametrize("sandbox", MODES)
def test_no_student_writes_into_the_results(sandbox):
    """Can a student append to the gradebook, the CSV or a results.json, or add a file to RESULTS?"""
    _, out, _, _, _ = escaped_batch(sandbox)
    assert "could not write into the results" in outputs(out, "writes_results")
    assert not (out / "TAMPERED").exists()
    assert "tampered" not in (out / "gradebook.csv").read_text()


@pytest.mark.parametrize("sandbox", MODES)
def test_no_student_plants_a_pth_file(sandbox):
    """Is a .pth file, which every later Python process would run, planted nowhere?"""
    _, out, _, _, markers = escaped_batch(sandbox)
    assert "planted nothing" in outputs(out, "plants_pth")
    planted = list(run_scratch().rglob("zz_cnn_grader_planted.pth")) + list(dependencies().resolve().glob("*planted*"))
    assert not planted and MARKERS[1] not in markers


@pytest.mark.parametrize("sandbox", MODES)
def test_no_daemon_outlives_its_worker(sandbox):
    """After the batch, is the daemon's gradebook row unchanged and no trace of it alive?"""
    _, out, rows, later, markers = escaped_batch(sandbox)
    assert later == rows and rows["daemon"][1] < 11
    assert MARKERS[0] not in markers
