"""Does `grade selftest` prove that every check tells right from wrong, and catch it when one cannot?"""

import shutil
from dataclasses import replace

import pytest

from grader import catalog
from grader.checks import satisfies_property
from grader.cli import main
from grader.instructor.selftest import run_selftest
from tests.conftest import ROOT


def copy_repository(tmp_path, keep_mistakes=()):
    """solutions/, exercises/ and the exercise-1 mistake files named in `keep_mistakes`."""
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    mistakes = tmp_path / "tests" / "submissions" / "exercise1"
    mistakes.mkdir(parents=True)
    for name in keep_mistakes:
        shutil.copy(ROOT / "tests" / "submissions" / "exercise1" / f"{name}.py", mistakes)
    return tmp_path


def test_selftest_takes_exercises_as_arguments_and_passes(capsys, monkeypatch):
    """`grade selftest exercise3`, like `grade exercise3`: one exercise, the instructor's proof that it passes.
    (Every exercise's cases run in tests/grader/test_catalog.py; this is the command.)"""
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as done:
        main(["selftest", "exercise3", "--jobs", "1"])
    out = capsys.readouterr().out
    assert done.value.code == 0, out
    assert "selftest passed" in out and "exercise3  solution" in out and "exercise1" not in out


def test_a_missing_mistake_file_fails_the_selftest(tmp_path):
    """Is a declared mistake without its file in tests/submissions/ a failure, not a silent skip?"""
    root = copy_repository(tmp_path, keep_mistakes=["flipped_kernel"])
    (root / "tests" / "submissions" / "exercise1" / "not_a_mistake.py").write_text("x = 1\n")
    report = run_selftest(root=root, exercises=["exercise1"], jobs=1)
    rows = {row.case: row for row in report.rows}
    assert not report.ok
    assert rows["mistake flipped_kernel"].ok and rows["solution"].ok and rows["stub"].ok
    assert not rows["mistake off_by_one"].ok and "is missing" in rows["mistake off_by_one"].verdict
    assert not rows["file not_a_mistake.py"].ok
    assert "selftest FAILED" in report.table()


def test_a_check_that_cannot_fail_fails_the_selftest(tmp_path, monkeypatch):
    """A check whose property never compares anything: is it caught, although the stub fails it?"""
    exercise = catalog.load("exercise1_convolution")
    first = exercise.checks[1]
    vacuous = satisfies_property("correlate2d", lambda session, inputs: session.call("correlate2d", inputs),
                                 first.inputs, points=1, name="correlate2d: always happy",
                                 description="compares nothing")
    patched = replace(exercise, checks=(*exercise.checks, vacuous), points=exercise.points + 1)
    load = catalog.load
    monkeypatch.setattr(catalog, "load", lambda module: patched if module == exercise.module else load(module))
    report = run_selftest(root=copy_repository(tmp_path), exercises=["exercise1"], jobs=1)
    rows = {row.case: row for row in report.rows}
    assert not rows["check: correlate2d: always happy"].ok
    assert "cannot fail" in rows["check: correlate2d: always happy"].verdict
    assert rows["check: correlate2d: matches the reference"].ok  # failed by the generated wrong submission


def test_outside_the_repository_selftest_says_where_to_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["selftest"])
    assert done.value.code == 2 and "run `grade selftest` in the repository" in capsys.readouterr().err
