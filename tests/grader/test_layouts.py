"""However the grader is installed, can a submission reach the judge (issue 9 §1)? And does the
Gradescope zip work exactly as Gradescope lays it out?

Each layout is a real install (tests/layouts.py), built once per session. The hostile file
tries every route: import, paths from grader.__file__, sys.path and site-packages, /proc.
"""

import json

import pytest

from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import SUBMISSIONS
from tests.layouts import layout, run_autograder

EVERY_ROUTE = SUBMISSIONS / "hostile" / "every_route.py"
NEEDS_BUBBLEWRAP = pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")
FOUND_NOTHING = "found nothing of the judge by any route"


def graded_json(name, *, sandbox="auto"):
    ran = layout(name).run("exercise1", "--submission", str(EVERY_ROUTE), "--format", "json", sandbox=sandbox)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout), ran.stderr


@NEEDS_BUBBLEWRAP
@pytest.mark.parametrize("name", ["editable", "venv", "kit"])
def test_in_bubblewrap_no_route_reaches_the_judge(name):
    """Installed editable, into site-packages or as the student kit, does the hunt find nothing?"""
    report, _ = graded_json(name)
    assert report["score"] == 0
    assert all(FOUND_NOTHING in test["output"] for test in report["tests"]), [t["output"] for t in report["tests"]]


def test_without_bubblewrap_the_warning_names_what_the_worker_can_read():
    """As root without bubblewrap, does `grade` say in one line that the installed reference/ is readable?"""
    if not detect().drops_to_user:
        pytest.skip("the unprivileged fallback needs root")
    report, stderr = graded_json("venv", sandbox="none")
    warning = [line for line in stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "an unprivileged user" in warning[0] and "chmod -R o-rwx" in warning[0], stderr
    assert "site-packages" in warning[0]
    assert report["sandbox"].startswith("an unprivileged user of its own")


def test_the_gradescope_zip_has_gradescopes_layout():
    """Are setup.sh and run_autograder at the zip's root, beside the grader (no source/ folder)?"""
    root = layout("gradescope").folder
    for name in ("setup.sh", "run_autograder", "constraints.txt", "pyproject.toml", "grader/cli.py"):
        assert (root / "source" / name).is_file(), name
    assert not (root / "source" / "source").exists() and not (root / "source" / "solutions").exists()


@pytest.mark.parametrize("sandbox", ["auto", "none"])
def test_run_autograder_writes_results_json_to_the_spec_and_finds_nothing(sandbox):
    """Set up by its own setup.sh, does run_autograder grade the hunt to 0 in a results.json that
    meets Gradescope's spec, and say which sandbox ran (bubblewrap, or the unprivileged fallback)?"""
    if sandbox == "auto" and detect().kind != BUBBLEWRAP:
        pytest.skip("bubblewrap not usable here")
    if sandbox == "none" and not detect().drops_to_user:
        pytest.skip("the unprivileged fallback needs root")
    ran, results = run_autograder(layout("gradescope"), {"exercise1_convolution.py": EVERY_ROUTE}, sandbox=sandbox)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    mode = "bubblewrap" if sandbox == "auto" else "an unprivileged user"
    assert f"sandbox: {mode}" in ran.stdout
    data = json.loads(results.read_text())
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], (int, float))
    assert isinstance(data["output"], str) and data["tests"]
    for test in data["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    exercise1 = [test for test in data["tests"] if test["name"].startswith("exercise1:")]
    assert any(test["visibility"] == "after_published" for test in exercise1)  # the hidden check ran
    found = [line for line in data["output"].splitlines() if line.startswith("found: ")]
    if sandbox == "auto":
        assert data["score"] == 0 and not found, found
        assert all(FOUND_NOTHING in test["output"] for test in exercise1), [t["output"] for t in exercise1]
    else:  # the unprivileged user reads what every user may: setup.sh left nothing of the autograder so
        root = str(layout("gradescope").folder)
        assert not any(root in line for line in found), found


def test_run_autograder_gives_the_solution_full_marks():
    """The same autograder on exercise 1's solution: every point, so a 0 above is not a broken install."""
    from tests.conftest import ROOT

    solution = ROOT / "solutions" / "exercise1_convolution.py"
    ran, results = run_autograder(layout("gradescope"), {solution.name: solution})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    exercise1 = [test for test in json.loads(results.read_text())["tests"] if test["name"].startswith("exercise1:")]
    assert sum(test["score"] for test in exercise1) == sum(test["max_score"] for test in exercise1) == 11
