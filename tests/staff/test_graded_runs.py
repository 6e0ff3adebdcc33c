"""Can `grade batch` be rehearsed (issue 18)? A lookup table recorded from the practice draws, and a
file that hunts for the seed, each graded as a student of a class, in bubblewrap and in the
unprivileged fallback. (tests/grader/test_layouts.py does the same on Gradescope.)"""

import json
import shutil

import pytest

from grader import seeds
from grader.grading import grade
from grader.staff.batch import batch
from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import SUBMISSIONS
from tests.graded import LECTURE_POINTS, MODULE, PRINTS_SEED, lookup_table_file, never_shown
from tests.layouts import layout, scratch

pytestmark = pytest.mark.xdist_group("graded-runs")

NEEDS_BUBBLEWRAP = pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")
NEEDS_ROOT = pytest.mark.skipif(not detect().drops_to_user, reason="the unprivileged fallback needs root")


def class_with(folder, **files):
    """SUBMISSIONS with alice (a correct file) and a student per keyword: {student: exercise file}."""
    shutil.copytree(SUBMISSIONS / "class" / "alice", folder / "alice")
    for student, path in files.items():
        (folder / student).mkdir()
        shutil.copy(path, folder / student / f"{MODULE}.py")
    return folder


def results_of(out, student):
    return json.loads((out / "students" / student / "results.json").read_text())


def printed(report) -> str:
    return "\n".join([*report["notes"], *(test["output"] + "\n" + test.get("stdout", "") for test in report["tests"])])


@NEEDS_BUBBLEWRAP
def test_a_lookup_table_recorded_in_practice_keeps_only_the_lecture_points_in_batch(tmp_path):
    """A file that returns the answers recorded at the practice seed: full marks in practice, and in
    `grade batch` (a secret seed) no more than the fixed lecture examples give?"""
    table = lookup_table_file(tmp_path / "table")
    practice = grade(["exercise1"], submission=table, seed=seeds.PRACTICE_SEED).exercises[0]
    assert practice.score == practice.max_score == 11  # the table is complete for the practice draws
    submissions = class_with(tmp_path / "class", table=table)
    batch(submissions, tmp_path / "results", jobs=2, exercises=["exercise1"])
    graded = results_of(tmp_path / "results", "table")
    assert graded["score"] <= LECTURE_POINTS, [(test["name"], test["score"]) for test in graded["tests"]]
    assert results_of(tmp_path / "results", "alice")["score"] == 11
    assert graded["seed"] == str(seeds.read(tmp_path / "results" / seeds.SECRET_FILE))  # its fingerprint


@NEEDS_BUBBLEWRAP
def test_the_seed_hunter_finds_nothing_in_batch_in_bubblewrap(tmp_path):
    """Searching its config, argv, environment, readable files and /proc, does the hunter print
    nothing of the secret, nor of any seed the grader drew with?"""
    submissions = class_with(tmp_path / "class", hunter=PRINTS_SEED)
    out = tmp_path / "results"
    batch(submissions, out, jobs=2, exercises=["exercise1"])
    assert_found_nothing(results_of(out, "hunter"), seeds.read(out / seeds.SECRET_FILE))


@NEEDS_ROOT
def test_the_seed_hunter_finds_nothing_in_batch_without_bubblewrap():
    """The same hunt in the unprivileged fallback, which shares /proc with the grader: nothing either?"""
    venv = layout("venv")  # a Python every user can run (skips where installs cannot be tested)
    submissions = scratch() / "hunt-submissions"
    submissions.mkdir(mode=0o700)
    class_with(submissions / "class", hunter=PRINTS_SEED)
    out = scratch() / "hunt-results"
    ran = venv.run("batch", str(submissions / "class"), "--out", str(out), "--exercises", "exercise1",
                   "--jobs", "2", "--unsafe-no-sandbox", sandbox="none")
    assert ran.returncode == 0, ran.stderr
    assert (out / seeds.SECRET_FILE).stat().st_mode & 0o777 == 0o600
    report = results_of(out, "hunter")
    assert report["sandbox"].startswith("an unprivileged user")
    assert_found_nothing(report, seeds.read(out / seeds.SECRET_FILE))


def assert_found_nothing(report, secret):
    text = printed(report)
    assert "found" in text, text[:500]  # the hunt ran and said what it found
    leaked = [value for value in never_shown(secret) if value in text]
    assert not leaked, text
    worker = [line for line in text.splitlines() if line.startswith("found: worker config seed: ")]
    assert {line.rpartition(": ")[2] for line in worker} <= {str(seeds.worker_seed(secret, MODULE))}


def test_a_seed_on_the_batch_command_line_is_refused(tmp_path, capsys):
    """`grade batch --seed 31337` would put the seed where every process reads it: one line, exit 2?"""
    from grader.cli import main

    with pytest.raises(SystemExit) as done:
        main(["batch", str(tmp_path), "--out", str(tmp_path / "results"), "--seed", "31337"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "secret" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists()


def test_the_results_folder_keeps_one_private_secret_and_staff_can_give_their_own(tmp_path, monkeypatch):
    """Is the secret made once, readable by its owner only, kept for reruns, and replaced by
    CNN_GRADER_SECRET when staff set it?"""
    monkeypatch.delenv(seeds.ENVIRONMENT, raising=False)
    first = seeds.for_results(tmp_path)
    assert (tmp_path / seeds.SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert seeds.for_results(tmp_path) == first
    monkeypatch.setenv(seeds.ENVIRONMENT, "the staff's own secret, long enough")
    assert seeds.for_results(tmp_path) == seeds.SecretSeed(b"the staff's own secret, long enough") != first
