"""Does `grade EXERCISE` start its sandbox first (grader/launch.py), grade in that one, and end it
on every way out?"""

import os
import subprocess
import sys

import pytest

from grader import launch
from grader.cli import main
from grader.worker import hosts
from tests.conftest import ROOT

SOLUTION = str(ROOT / "solutions" / "exercise1_convolution.py")


@pytest.fixture
def counted(monkeypatch):
    """The sandboxes started while the test runs (their keys), every early one ended afterwards."""
    started = []

    class Counted(hosts.Host):
        def __init__(self, key, *args, **kwargs):
            started.append(key)
            super().__init__(key, *args, **kwargs)

    monkeypatch.setattr(hosts, "Host", Counted)
    yield started
    hosts.close_early()


def test_grading_takes_the_sandbox_started_before_the_command_line_is_read(counted, capsys):
    launch.start_sandbox(["exercise1", "-s", SOLUTION])
    assert len(counted) == 1 and len(hosts._EARLY) == 1
    with pytest.raises(SystemExit) as done:
        main(["exercise1", "-s", SOLUTION])
    assert done.value.code == 0 and "score: 11/11" in capsys.readouterr().out
    assert len(counted) == 1 and not hosts._EARLY  # graded in it, and ended with the grading


@pytest.mark.parametrize("args", [[], ["list"], ["--help"], ["exercise1", "--help"], ["all"], ["exercise99"],
                                  ["--format", "json", "exercise1"]])
def test_only_a_command_that_grades_one_exercise_starts_a_sandbox_first(counted, args):
    launch.start_sandbox(args)
    assert counted == [] and not hosts._EARLY


def test_verbose_before_the_exercise_still_starts_its_sandbox(counted):
    launch.start_sandbox(["-v", "exercise3"])
    assert len(counted) == 1


def test_a_sandbox_made_otherwise_than_grading_asks_is_ended_not_taken(counted, tmp_path):
    launch.start_sandbox(["exercise1"])
    early = hosts._EARLY[0]
    assert hosts.take_early(early.sandbox, (tmp_path,)) is None
    assert not hosts._EARLY and not early._idle  # closed


def test_a_command_that_fails_before_grading_leaves_no_process_and_no_folder(tmp_path):
    """A missing file after `grade exercise7` (whose sandbox imports torch): one line, exit 2, and
    the sandbox it started ended, its processes gone and its folder removed?"""
    missing = tmp_path / "nothere"
    command = subprocess.Popen([sys.executable, "-m", "grader", "exercise7", "--submission", str(missing)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    _, err = command.communicate()
    assert command.returncode == 2 and err.strip().splitlines() == [f"grade: no such file: {missing}"]
    assert list(tmp_path.iterdir()) == [] and _in_session(command.pid) == []


def _in_session(session: int) -> list[int]:
    """The processes of session `session` still in /proc."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rpartition(")")[2].split()[3]) == session:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found
