"""Does a class batch grade everyone, survive every kind of submission, and lose nothing?"""

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
ESCAPED = (Path("/tmp/cnn-grader-escaped.txt"), Path("/etc/cnn-grader-escaped.txt"))  # where the writer aims

EXPECTED = {  # student: (status, score) for exercise 1, worth 11 with its hidden check
    "alice": ("graded", 11), "carol": ("graded", 11), "notebook": ("graded", 11), "printer": ("graded", 11),
    "writer": ("graded", 11), "snoop": ("graded", 11),
    "bob": ("graded", 1), "wrong_names": ("graded", 4), "looper": ("graded", 4),
    "hog": ("graded", 4), "exiter": ("graded", 4), "crasher": ("graded", 4),
    "forker": ("graded|timeout: exercise1", 0),  # the process limit or the timeout: which comes first depends on load
    "encoder": ("graded", 4), "giant": ("graded", 0),
    "killer": ("graded", 4) if SANDBOXED else ("crashed: exercise1", 0),
    "forger": ("crashed: exercise1", 0), "stuck": ("timeout: exercise1", 0),
    "missing": ("missing: exercise1", 0), "corrupt": ("unreadable: exercise1", 0),
    "empty": ("unreadable: exercise1", 0), "escape": ("unreadable: exercise1", 0),
    "huge": ("unreadable: exercise1", 0), "latin1": ("unreadable: exercise1", 0),
    "syntax": ("unreadable: exercise1", 0), "badtags": ("unreadable: exercise1", 0),
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
    for path in ESCAPED:  # left by an earlier run, perhaps: the test asks about this one
        path.unlink(missing_ok=True)
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
    stored = {student: status for student, _, _, status, _ in grades(out)}
    for student, (statuses, score) in expected.items():
        status = table[student]["status"]
        assert status in statuses.split("|") and float(table[student]["exercise1"]) == score, (student, status)
        assert table[student]["exercise1 status"] == stored[student] == status.partition(":")[0], student
    assert table["alice"]["max_total"] == "11" and summary.errors == 0


def test_each_student_has_results_json_and_an_html_report(graded_class):
    _, out, _ = graded_class
    for student in rows(out):
        data = json.loads((out / "students" / student / "results.json").read_text())
        assert data["exercise"] == "exercise1" and "tests" in data
        assert (out / "students" / student / "report.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("student, words", [
    ("escape", "would land outside the student's folder"), ("empty", "the zip is empty"),
    ("corrupt", "not a readable zip file"), ("huge", "a submission may be at most"),
    ("latin1", "not UTF-8"), ("missing", "no exercise1_convolution.py"), ("looper", "timed out"),
    ("exiter", "exited with code 0"), ("crasher", "SIGSEGV"), ("hog", "ran out of memory"),
    ("forker", "hit the process limit|timed out"),  # bounded either way; which comes first depends on load
    ("syntax", "SyntaxError"), ("badtags", "not a readable notebook: cells/1/metadata/tags"),
    ("forger", "the worker's reply was malformed"), ("giant", "output too large (shape (2000, 2000), float64"),
    ("stuck", "importing the file timed out"), ("encoder", "conv2d returned a dict"),
])
def test_the_verdicts_say_what_happened(graded_class, student, words):
    _, out, _ = graded_class
    if not (out / "students" / student).exists():
        pytest.skip(f"{student} needs the sandbox or a process limit, not available here")
    outputs = [test["output"] for test in json.loads((out / "students" / student / "results.json").read_text())["tests"]]
    assert any(word in output for output in outputs for word in words.split("|")), outputs[:2]


def test_reports_show_the_students_own_path_not_the_graders(graded_class):
    _, out, _ = graded_class
    assert json.loads((out / "students" / "carol" / "results.json").read_text())["submission"] == "carol/exercise1_convolution.py"


def test_nothing_escaped_the_sandbox(graded_class):
    """Did the writer fail to write outside its folder, and the snoop find nothing (both score 11)?"""
    if not SANDBOXED:
        pytest.skip("needs bubblewrap: without it the hostile writer and snoop are not run")
    _, out, _ = graded_class
    assert not [path for path in ESCAPED if path.exists()]
    assert rows(out)["writer"]["total"] == rows(out)["snoop"]["total"] == "11"


def test_each_pool_process_ends_the_sandboxes_it_kept_from_one_student_to_the_next(tmp_path, monkeypatch):
    """A pool process keeps its sandboxes for its next student (grader/worker/hosts.py): are they
    all ended, their folders gone, once the batch is over?"""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the pool's processes make the sandboxes' folders
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the same for pool processes that do not fork from this one
    submissions = copy_class(tmp_path / "submissions", {"alice", "carol", "bob", "printer"})
    summary = batch(submissions, tmp_path / "out", jobs=2, exercises=["exercise1"])
    assert summary.graded == 4
    assert not list(tmp_path.glob("cnn-grader-*"))


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
    environment = {**os.environ, "CNN_GRADER_SECRET": "the same secret for both folders, 0123456789"}
    killed = subprocess.Popen([*command, "--out", str(tmp_path / "killed")], cwd=ROOT, env=environment,
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
    for out in ("killed", "whole"):
        subprocess.run([*command, "--out", str(tmp_path / out)], cwd=ROOT, env=environment, check=True,
                       capture_output=True)
    assert grades(tmp_path / "killed") == grades(tmp_path / "whole")
    assert rows(tmp_path / "killed") == rows(tmp_path / "whole")


def test_ctrl_c_stops_within_seconds_keeps_the_grades_and_exits_130(tmp_path):
    """A TA presses Ctrl-C mid-batch (a real SIGINT): does it stop within a few seconds, exit 130, and
    keep every grade made so far, for the rerun to skip (resuming is the SIGKILL test's)?"""
    names = {"alice", "bob", "looper", "stuck"}  # the looper and the stuck take 10-20 s each
    submissions = copy_class(tmp_path / "submissions", names)
    out = tmp_path / "results"
    # As from a terminal: Ctrl-C reaches Python's handler even where the process running the tests was
    # left ignoring SIGINT (a child inherits that, and Python then leaves SIGINT ignored).
    command = [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
               "sys.argv[0] = 'grade'; from grader.cli import run; run()", "batch", str(submissions), "--out", str(out),
               "--exercises", "exercise1", "--jobs", "2"]
    running = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and running.poll() is None and not grades(out):
        time.sleep(0.05)
    assert running.poll() is None, "the batch should still be running"
    interrupted = time.monotonic()
    running.send_signal(signal.SIGINT)
    _, stderr = running.communicate(timeout=60)
    stopped = time.monotonic() - interrupted
    assert running.returncode == 130, stderr
    assert stopped < 5, f"took {stopped:.1f} s to stop"  # loose: the machine is shared; it takes about 1 s
    kept = grades(out)
    assert 1 <= len(kept) < len(names) and "interrupted" in stderr.splitlines()[-1]
    assert set(rows(out)) == names  # the CSV holds what was graded, and says what was not yet
    assert all(status != "error" for _, _, _, status, _ in kept)  # final grades: the rerun keeps them


def test_results_inside_the_submissions_folder_are_refused(tmp_path):
    """--out inside SUBMISSIONS would be a student on the next run: one line, exit 2, nothing written?"""
    submissions = copy_class(tmp_path / "submissions", {"missing"})
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(submissions), "--out",
                           str(submissions / "results"), "--unsafe-no-sandbox"], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "inside SUBMISSIONS" in done.stderr and not (submissions / "results").exists()


def test_students_named_like_the_class_files_are_graded_and_overwrite_nothing(tmp_path):
    """Students named gradebook.csv, dashboard.html, similarity.html, gradebook.sqlite or students:
    does the batch grade them all into students/<id>/, the class files intact?"""
    names = ["gradebook.csv", "dashboard.html", "similarity.html", "gradebook.sqlite", "students", "seed.secret"]
    submissions = copy_class(tmp_path / "submissions", {"alice"})
    for name in names:
        shutil.copytree(CLASS / "missing", submissions / name)
    out = tmp_path / "results"
    for _ in range(2):  # and again, over the first run's files
        batch(submissions, out, jobs=2, exercises=["exercise1"])
    assert set(rows(out)) == {"alice", *names}
    for name in ["alice", *names]:
        assert json.loads((out / "students" / name / "results.json").read_text())["exercise"] == "exercise1"
    assert (out / "dashboard.html").is_file() and (out / "seed.secret").is_file()


def test_ids_that_a_spreadsheet_would_run_are_text_in_the_csv(tmp_path):
    """A student id `=HYPERLINK(...)`, `+1+cmd|calc!A0` or `@SUM(1,1)`: is each cell text, the scores numbers?"""
    names = ['=HYPERLINK("evil.example","click")', "+1+cmd|calc!A0", "@SUM(1,1)", "-2+3"]
    submissions = copy_class(tmp_path / "submissions", set())
    for name in names:
        shutil.copytree(CLASS / "missing", submissions / name)
    out = tmp_path / "results"
    batch(submissions, out, jobs=1, exercises=["exercise1"])
    table = rows(out)
    assert set(table) == {"'" + name for name in names}
    assert all(row["exercise1"] == "0" and row["max_total"] == "11" for row in table.values())


def test_refused_submissions_each_get_a_row_that_says_why(tmp_path):
    """A zip with two entries of one name, one of 1,000 folders, a student folder that links to another
    student and one that links to /etc: is each refused in its own row, with the reason, and alice graded?"""
    import zipfile

    submissions = copy_class(tmp_path / "submissions", {"alice"})
    module = "exercise1_convolution.py"
    with zipfile.ZipFile(submissions / "twice.zip", "w") as archive:
        archive.writestr(module, "x = 1\n")
        with pytest.warns(UserWarning):
            archive.writestr(module, "x = 2\n")
    with zipfile.ZipFile(submissions / "folders.zip", "w") as archive:
        for index in range(1000):
            archive.writestr(f"d{index}/", "")
        archive.writestr(module, "x = 1\n")
    (submissions / "copycat").symlink_to(submissions / "alice")
    (submissions / "etc").symlink_to("/etc")
    out = tmp_path / "results"
    batch(submissions, out, jobs=1, exercises=["exercise1"])
    table = rows(out)
    assert table["alice"]["total"] == "11"
    reasons = {"twice": "two entries named", "folders": "1001 entries", "copycat": "is a link", "etc": "is a link"}
    for student, words in reasons.items():
        assert table[student]["status"] == "unreadable: exercise1", student
        problem = json.loads((out / "students" / student / "results.json").read_text())["problem"]
        assert words in problem, (student, problem)


def test_a_missing_submissions_folder_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "nope"), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "is not a folder" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_value_shaped_like_the_reports_encoding_stays_a_value_after_a_rerun(graded_class):
    """Is a dict that looks like the report's array encoding kept as that dict when reports are rebuilt?"""
    submissions, out, _ = graded_class
    batch(submissions, out, jobs=2, exercises=["exercise1"])  # rebuilds every report from the gradebook
    tests = json.loads((out / "students" / "encoder" / "results.json").read_text())["tests"]
    actuals = [test["counterexample"]["actual"] for test in tests if test.get("counterexample")]
    assert {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]} in actuals
    assert {"$dict": {"$array": {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]}}} in actuals


def test_huge_outputs_leave_the_gradebook_and_the_reports_small(graded_class):
    """Does a submission returning 32 MB arrays leave a few kilobytes in results.json and the gradebook?"""
    _, out, _ = graded_class
    assert (out / "students" / "giant" / "results.json").stat().st_size < 100_000
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        (size,) = db.execute("SELECT length(result) FROM grades WHERE student = 'giant'").fetchone()
    assert size < 100_000


def test_a_dead_pool_process_is_replaced_and_only_its_culprit_recorded_as_crashed(tmp_path, monkeypatch):
    """When a task kills its pool process, do the others still get their grades, and the culprit a row?"""
    from grader.staff import batch as batch_module
    from grader.staff.batch import Task, execute

    real_run_tasks = batch_module.run_tasks

    def run_tasks(tasks, seed=0, **options):  # the pool forks, so its processes run this too
        if any(task.student == "culprit" for task in tasks):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_run_tasks(tasks, seed, **options)

    monkeypatch.setattr(batch_module, "run_tasks", run_tasks)
    tasks = [Task(name, "exercise1_convolution", fingerprint="f", status="missing", problem="no file")
             for name in ("a", "b", "culprit", "c", "d", "e")]
    grades = {grade.student: grade for grade in execute(tasks, jobs=2, seed=0, scheduler=None)}
    assert set(grades) == {"a", "b", "culprit", "c", "d", "e"}
    assert grades["culprit"].status == "crashed" and "died" in grades["culprit"].result["problem"]
    assert all(grades[name].status == "missing" for name in "abcde")


def test_one_report_that_cannot_be_rendered_does_not_stop_the_others(tmp_path):
    from grader.grading import unreadable
    from grader.staff.batch import write_outputs
    from grader.staff.collect import StudentFiles
    from grader.staff.gradebook import Grade, Gradebook

    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    good = unreadable("exercise1_convolution", "no file", status="missing")
    gradebook.record(Grade("good", "exercise1", "f", "missing", 0, 11, good.to_dict()))
    gradebook.record(Grade("broken", "exercise1", "f", "graded", 0, 11, {"exercise": "exercise1"}))
    write_outputs(gradebook.read(), [StudentFiles("broken", None), StudentFiles("good", None)], ["exercise1"], tmp_path)
    gradebook.close()
    assert "could not render" in json.loads((tmp_path / "students" / "broken" / "results.json").read_text())["error"]
    assert json.loads((tmp_path / "students" / "good" / "results.json").read_text())["status"] == "missing"


def test_a_rerun_over_an_older_gradebook_regrades_and_does_not_crash(tmp_path):
    """Does a gradebook written by an older grader (old statuses, old array encoding) survive a rerun?"""
    from grader.staff.schema import MIGRATIONS

    submissions = copy_class(tmp_path / "submissions", {"syntax", "missing"})
    out = tmp_path / "results"
    out.mkdir()
    old = {"exercise": "exercise1", "title": "Convolution", "section": "4", "submission": "", "execution_time": 0,
           "sandbox": "", "seed": 0, "notes": [], "tests": [{"name": "conv2d", "score": 0, "max_score": 1,
           "status": "failed", "counterexample": {"call": "conv2d(x)", "inputs": {}, "differences": "",
           "expected": None, "actual": {"dtype": "float64", "shape": [7, 7, 7], "values": [1.0, 2.0]}}}]}
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        db.executescript(MIGRATIONS[0])  # the grades table as the grader wrote it before versions existed
        db.execute("INSERT INTO grades (student, exercise, fingerprint, status, score, max_score, result) "
                   "VALUES ('syntax', 'exercise1', 'old', 'graded', 0, 10, ?)", (json.dumps(old),))
    assert batch(submissions, out, jobs=1, exercises=["exercise1"]).graded == 2
    assert rows(out)["syntax"]["status"] == "unreadable: exercise1"


# --- Reading the gradebook once, rendering what changed --------------------------------------------

@pytest.fixture
def rendered(monkeypatch):
    """The students whose report.html is rendered, in order."""
    import grader.render

    students, real = [], grader.render.render
    monkeypatch.setattr(grader.render, "render", lambda *args, **options: (
        students.append(options.get("student")), real(*args, **options))[1])
    return students


def test_only_the_students_whose_rows_or_marks_changed_are_rendered_again(tmp_path, rendered):
    """After a regrade of one student and an override for another, are those two rendered again, and no one else?"""
    from grader.grading import unreadable
    from grader.staff.batch import write_outputs
    from grader.staff.collect import StudentFiles
    from grader.staff.gradebook import Grade, Gradebook
    from grader.staff.overrides import override

    class_ = ["ann", "ben", "cat", "dan"]
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    for student in class_:
        result = unreadable("exercise1_convolution", f"{student} has no file", status="missing").to_dict()
        gradebook.record(Grade(student, "exercise1", "f", "missing", 0, 11, result))
    write_outputs(gradebook.read(), [StudentFiles(student, None) for student in class_], ["exercise1"], tmp_path)
    assert rendered == class_
    write_outputs(gradebook.read(), [StudentFiles(student, None) for student in class_], ["exercise1"], tmp_path)
    assert rendered == class_  # nothing changed, nothing rendered
    book = gradebook.read()
    book.record(Grade("ben", "exercise1", "g", "unreadable", 0, 11,
                      unreadable("exercise1_convolution", "not Python", status="unreadable").to_dict()))
    gradebook.close()
    override(tmp_path, "dan", "exercise1", points=5, reason="excused", author="ta")  # refreshes the outputs itself
    assert rendered == [*class_, "ben", "dan"]
    report = json.loads((tmp_path / "students" / "ben" / "results.json").read_text())
    assert report["status"] == "unreadable" and report["schema_version"] == 1
    assert json.loads((tmp_path / "students" / "dan" / "results.json").read_text())["final_score"] == 5


def test_a_batch_reads_the_gradebook_once_and_renders_only_the_students_it_regraded(tmp_path, monkeypatch, rendered):
    """One connection, one reading of the grades per run, however many students; a rerun after one file
    changed renders that student's report alone?"""
    import re

    submissions = copy_class(tmp_path / "submissions", {"missing", "syntax", "latin1", "corrupt"})
    out = tmp_path / "results"
    assert batch(submissions, out, jobs=1, exercises=["exercise1"]).graded == 4
    assert sorted(rendered) == ["corrupt", "latin1", "missing", "syntax"]
    (submissions / "syntax" / "exercise1_convolution.py").write_text("def correlate2d(:\n")
    connections, real = [], sqlite3.connect

    def connect(*args, **options):
        db = real(*args, **options)
        connections.append([])
        db.set_trace_callback(connections[-1].append)
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)
    rendered.clear()
    summary = batch(submissions, out, jobs=1, exercises=["exercise1"])
    (statements,) = connections
    assert [statement for statement in statements if re.search(r"\bFROM grades\b", statement)] == [
        "SELECT student, exercise, fingerprint, status, score, max_score, result FROM grades"]
    assert (summary.graded, summary.unchanged, rendered) == (1, 3, ["syntax"])
    assert rows(out)["syntax"]["status"] == "unreadable: exercise1" and (out / "dashboard.html").is_file()


def test_only_the_pytorch_exercises_take_turns():
    """One pool process at a time holds a model exercise's grader side (AlexNet's reference models);
    a NumPy exercise's arrays are small, and it never waits for the other process."""
    from grader import catalog
    from grader.staff.batch import _holds_models

    taking = {module.partition("_")[0] for module in catalog.module_names() if _holds_models(module)}
    assert taking == {f"exercise{number}" for number in (6, 7, 8, 9, 12, 13, 15, 16)}


def test_a_turn_taken_by_the_other_process_is_passed_over_not_waited_for(monkeypatch):
    """A pool process grades the first of the student's PyTorch exercises that the other process
    does not hold, else the first NumPy exercise; it waits only when the other holds every one that
    is left, and then for the first."""
    import threading

    from grader.staff import batch as batch_module

    lenet, alexnet = threading.Lock(), threading.Lock()
    monkeypatch.setattr(batch_module, "_TURNS", {"exercise6_lenet": lenet, "exercise7_alexnet": alexnet})
    with batch_module._turn(["exercise1_convolution", "exercise7_alexnet", "exercise6_lenet"]) as module:
        assert module == "exercise7_alexnet" and alexnet.locked() and not lenet.locked()
    lenet.acquire()  # the other process grades exercise 6
    alexnet.acquire()  # and, for now, exercise 7
    with batch_module._turn(["exercise6_lenet", "exercise1_convolution", "exercise7_alexnet"]) as module:
        assert module == "exercise1_convolution"
    alexnet.release()
    with batch_module._turn(["exercise6_lenet", "exercise7_alexnet"]) as module:
        assert module == "exercise7_alexnet" and alexnet.locked()
    assert not alexnet.locked()
    threading.Timer(0.2, lenet.release).start()
    started = time.monotonic()
    with batch_module._turn(["exercise6_lenet"]) as module:
        assert module == "exercise6_lenet" and time.monotonic() - started >= 0.15
    assert not lenet.locked()
