"""Does the sandbox hide the solutions and the network, and say which protection ran?"""

import shutil
import sys
from pathlib import Path

import pytest

from grader.grading import grade
from grader.worker.sandbox import BUBBLEWRAP, LIMITS_ONLY, Sandbox, detect
from tests.conftest import ROOT, SUBMISSIONS

SNOOP = SUBMISSIONS / "hostile" / "reads_solutions.py"


def conv2d_output(sandbox):
    result = grade(["exercise1"], submission=SNOOP, sandbox=sandbox).exercises[0]
    return result, next(t for t in result.tests if t.name == "conv2d: matches the reference (no bias)").output


@pytest.mark.skipif(shutil.which("bwrap") is None or detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")
def test_bubblewrap_hides_the_solutions_and_the_network():
    """Inside bubblewrap, does the snooping submission find neither solutions/ nor the network?"""
    result, output = conv2d_output(detect())
    assert "no network" in output, output
    assert "bubblewrap" in result.sandbox


def test_without_bubblewrap_the_report_says_so():
    """With resource limits only, does the report name the weaker sandbox and the reason?"""
    result, output = conv2d_output(Sandbox(LIMITS_ONLY, "CNN_GRADER_SANDBOX=none"))
    assert result.sandbox.startswith("resource limits only (CNN_GRADER_SANDBOX=none")
    # The same file, unsandboxed, reads the solutions next to the virtual environment: the
    # reason bubblewrap matters.
    if not (Path(sys.prefix).parent / "solutions" / "exercise1_convolution.py").is_file():
        pytest.skip("the virtual environment is not beside solutions/, so there is nothing to read")
    assert "read the solution" in output, output


class _BrokenSandbox(Sandbox):
    def wrap(self, argv, **_):
        return [argv[0], "-c", "import sys; print('sandbox refused', file=sys.stderr); sys.exit(1)"]


def test_a_worker_that_cannot_start_is_a_grader_error_not_a_zero():
    """If the sandbox cannot start the worker, is every check `error` (exit 3), with the reason?"""
    result = grade(["exercise1"], submission=SNOOP.parents[1] / "exercise1" / "flipped_kernel.py",
                   sandbox=_BrokenSandbox("broken")).exercises[0]
    assert result.has_errors
    assert all(t.status == "error" and "sandbox refused" in t.output for t in result.tests)


IDENTITY = SNOOP.parent / "reports_identity.py"


def identity(output: str) -> dict:
    import ast

    return ast.literal_eval(output.split("identity ", 1)[1].split(" (line")[0])


def test_the_worker_can_import_its_own_package_numpy_and_torch_and_nothing_that_judges():
    """In this checkout (editable), can the worker import grader.worker and NumPy, but not
    reference/, solutions/, the catalog or hypothesis, with no site-packages on its path?"""
    facts = identity(conv2d_output_of(IDENTITY, detect()))
    assert facts["imports"] == ["grader.worker.protocol"]  # torch too, but exercise 1 forbids it
    assert facts["path"] == []


def conv2d_output_of(path, sandbox):
    result = grade(["exercise1"], submission=path, sandbox=sandbox).exercises[0]
    return next(t for t in result.tests if t.name == "conv2d: matches the reference (no bias)").output


@pytest.mark.parametrize("mode", ["auto", "none"])
def test_as_root_the_worker_is_an_unprivileged_user_in_its_own_session_and_folder(mode):
    """Started as root, with bubblewrap or without, is the worker a uid of its own with no groups,
    in its own session, in a folder only it may write?"""
    import json
    import os

    from tests.layouts import layout

    if os.geteuid() != 0:
        pytest.skip("the grader does not run as root here")
    if mode == "auto" and detect().kind != BUBBLEWRAP:
        pytest.skip("bubblewrap not usable here")
    ran = layout("venv").run("exercise1", "--submission", str(IDENTITY), "--format", "json", sandbox=mode)
    report = json.loads(ran.stdout)
    output = next(t["output"] for t in report["tests"] if t["name"] == "conv2d: matches the reference (no bias)")
    facts = identity(output)
    assert facts["uid"] == facts["euid"] == facts["gid"] == facts["folder_owner"] >= 20000
    assert facts["groups"] == []
    # Its own session: it leads it, or inside bubblewrap's process namespace bubblewrap's init (1) does.
    assert facts["session"] == facts["pid"] or (mode == "auto" and facts["session"] in (0, 1))
    assert facts["folder_mode"] in ("0o700", "0o711")
    assert facts["imports"] == ["grader.worker.protocol"]  # torch too, but exercise 1 forbids it
    assert ("bubblewrap" if mode == "auto" else "an unprivileged user") in report["sandbox"]


def test_a_python_the_unprivileged_worker_cannot_read_is_one_line_before_anyone_is_graded(tmp_path):
    """As root without bubblewrap, with Python where other users cannot read it (pyenv in /root),
    do `grade batch`, `grade` and `grade all` exit 2 with one line naming the folder and the fix,
    having graded no one?"""
    import os
    import subprocess

    from grader.worker.sandbox import UNPRIVILEGED, worker_cannot_start

    if os.geteuid() != 0:
        pytest.skip("the fallback that drops to an unprivileged user needs root")
    if not worker_cannot_start(Sandbox(UNPRIVILEGED, "CNN_GRADER_SANDBOX=none")):
        pytest.skip(f"{sys.executable} is readable by every user here: nothing to refuse")
    (tmp_path / "class" / "alice").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "exercise1_convolution.py", tmp_path / "class" / "alice")
    environment = {**os.environ, "CNN_GRADER_SANDBOX": "none"}
    for command in (["batch", tmp_path / "class", "--out", tmp_path / "out", "--unsafe-no-sandbox"],
                    ["exercise1", "-s", tmp_path / "class" / "alice"], ["all", "-s", tmp_path / "class" / "alice"]):
        ran = subprocess.run([sys.executable, "-m", "grader", *map(str, command)], env=environment, capture_output=True,
                             text=True, timeout=300, check=False)
        line = ran.stderr.strip().splitlines()[-1]
        assert ran.returncode == 2 and ran.stdout == "", (command, ran.stdout[-500:], ran.stderr[-500:])
        assert line.startswith("grade: the worker runs as an unprivileged user here (CNN_GRADER_SANDBOX=none) and "
                               "cannot read Python: ") and "is closed to other users; install Python" in line, line
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_the_folder_that_closes_python_to_others_is_named():
    """Is the outermost folder others cannot pass named, rather than the file deep inside it?"""
    import tempfile

    from grader.worker.sandbox import _hidden_from_others

    with tempfile.TemporaryDirectory(dir="/tmp") as scratch:  # /tmp: every user may pass it
        Path(scratch).chmod(0o755)
        python = Path(scratch) / "home" / "versions" / "bin" / "python3"
        python.parent.mkdir(parents=True, mode=0o755)
        python.write_text("")
        python.chmod(0o755)
        assert _hidden_from_others(python) is None
        (Path(scratch) / "home").chmod(0o700)
        assert _hidden_from_others(python) == Path(scratch) / "home"
        (Path(scratch) / "home").chmod(0o755)
        python.chmod(0o700)
        assert _hidden_from_others(python) == python


def test_a_python_every_user_can_read_passes_the_check():
    """Does a real install from a Python every user can read (tests/layouts.py) start its unprivileged workers?"""
    import os
    import subprocess

    from tests.layouts import layout

    if os.geteuid() != 0:
        pytest.skip("the fallback that drops to an unprivileged user needs root")
    check = "from grader.worker.sandbox import detect, worker_cannot_start; print(repr(worker_cannot_start(detect())))"
    ran = subprocess.run([str(layout("venv").python), "-c", check], env={**os.environ, "CNN_GRADER_SANDBOX": "none"},
                         capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "''"


def test_the_view_reads_records_and_requirements_as_the_library_does():
    """view.py finds the distributions and reads their RECORD and METADATA itself (importlib.metadata's
    import and parsers take longer): does it find the same distributions, in the same folders, with the
    same top-level names and requirements, and a name whose lines come back after another's?"""
    import importlib.metadata
    import re

    from grader.worker import view

    expected, todo = {}, list(view.WORKER_DISTRIBUTIONS)
    while todo:
        distribution = importlib.metadata.distribution(todo.pop())
        expected[distribution._path] = distribution
        todo += [re.match(r"[A-Za-z0-9._-]+", requirement).group() for requirement in distribution.requires or []
                 if "extra" not in requirement.partition(";")[2] and re.match(r"[A-Za-z0-9._-]+", requirement).group()
                 not in {d.metadata["Name"] for d in expected.values()}]
    found = view._closure(view.WORKER_DISTRIBUTIONS)
    assert set(found) == set(expected)
    for folder in found:
        record = expected[folder].read_text("RECORD") or ""
        assert view._top_level(view._read(folder / "RECORD")) - {""} == {
            line.partition(",")[0].partition("/")[0] for line in record.splitlines() if line}
        assert view._requirements(folder) == (expected[folder].requires or [])
    assert view._top_level(b"a/x.py,,\nb/y.py,,\na/z.py,,\nc.py,,\n") == {"a", "b", "c.py"}


def test_an_egg_info_gives_its_requirements_before_its_first_section(tmp_path):
    """A develop install's .egg-info: are its unconditional requirements read, and its extras left out,
    even where the file starts with a section?"""
    from grader.worker import view

    egg = tmp_path / "thing.egg-info"
    egg.mkdir()
    (egg / "requires.txt").write_text("numpy>=1.24\nfilelock\n\n[dev]\npytest\n")
    assert view._requirements(egg) == ["numpy>=1.24", "filelock"]
    (egg / "requires.txt").write_text("[dev]\npytest\n")
    assert view._requirements(egg) == []
