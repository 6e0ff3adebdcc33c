"""However the grader is installed, can a submission reach the judge (issue 9 §1)? And does the
Gradescope zip work exactly as Gradescope lays it out?

Each layout is a real install (tests/layouts.py), built once per test run. The hostile file
tries every route: import, paths from grader.__file__, sys.path and site-packages, /proc.
"""

import json
import zipfile

import pytest

from grader import seeds
from grader.worker.sandbox import BUBBLEWRAP, detect
from tests.conftest import ROOT, SUBMISSIONS
from tests.graded import LECTURE_POINTS, PRINTS_SEED, lookup_table_file, never_shown
from tests.layouts import layout, run_autograder

EVERY_ROUTE = SUBMISSIONS / "hostile" / "every_route.py"
NEEDS_BUBBLEWRAP = pytest.mark.skipif(detect().kind != BUBBLEWRAP, reason="bubblewrap not usable here")
FOUND_NOTHING = "found nothing of the judge by any route"
# The layouts are built once per run (tests/layouts.py); these tests change the gradescope layout's
# submission/, results/ and secret, so they run one at a time, on one worker.
pytestmark = pytest.mark.xdist_group("layouts")


def graded_json(name, *, sandbox="auto", kit=None):
    ran = layout(name, kit).run("exercise1", "--submission", str(EVERY_ROUTE), "--format", "json", sandbox=sandbox)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout), ran.stderr


@NEEDS_BUBBLEWRAP
@pytest.mark.parametrize("name", ["editable", "venv", "kit"])
def test_in_bubblewrap_no_route_reaches_the_judge(name, request):
    """Installed editable, into site-packages or as the student kit, does the hunt find nothing?"""
    report, _ = graded_json(name, kit=request.getfixturevalue("student_kit") if name == "kit" else None)
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


def exercise_tests(results, exercise="exercise1"):
    return [test for test in json.loads(results.read_text())["tests"] if test["name"].startswith(f"{exercise}:")]


def gradescope_secret() -> seeds.SecretSeed:
    """The secret the exported zip holds (setup.sh made it root's alone)."""
    return seeds.read(layout("gradescope").folder / "source" / seeds.SECRET_FILE)


def test_run_autograder_finds_files_in_subfolders_and_says_once_what_is_missing():
    """A zip holding hw2/code/exercise1_convolution.py: is it found (11/11, as `grade batch` finds it),
    and is each missing exercise one test, worth its points, that says where the grader looked?"""
    solution = ROOT / "solutions" / "exercise1_convolution.py"
    ran, results = run_autograder(layout("gradescope"), {"hw2/code/exercise1_convolution.py": solution})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sum(test["score"] for test in exercise_tests(results)) == 11
    [missing] = exercise_tests(results, "exercise2")
    assert missing["max_score"] == 10 and missing["score"] == 0
    assert "no exercise2_padding.py or exercise2_padding.ipynb in submission or any folder below it" \
        in missing["output"]
    data = json.loads(results.read_text())
    assert len(data["tests"]) == len(exercise_tests(results)) + 16  # one test per missing exercise
    assert f"seed: {gradescope_secret()}" in data["output"]  # the fingerprint, never the secret


def test_run_autograder_says_a_syntax_error_once():
    ran, results = run_autograder(layout("gradescope"), {"exercise1_convolution.py": SUBMISSIONS / "hostile" /
                                                         "syntax_error.py"})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [test] = exercise_tests(results)
    assert test["max_score"] == 11 and "syntax error" in test["output"]


def test_a_lookup_table_recorded_in_practice_keeps_only_the_lecture_points_on_gradescope(tmp_path):
    """The answers recorded at the practice seed, submitted to the autograder: at most the lecture's points?"""
    table = lookup_table_file(tmp_path / "table")
    ran, results = run_autograder(layout("gradescope"), {table.name: table})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    tests = exercise_tests(results)
    assert sum(test["score"] for test in tests) <= LECTURE_POINTS, [(test["name"], test["score"]) for test in tests]


@pytest.mark.parametrize("sandbox", ["auto", "none"])
def test_the_seed_hunter_finds_nothing_on_gradescope(sandbox):
    """Searching its config, argv, environment, readable files and every process's command line and
    environment, does the hunter print nothing of the autograder's secret or of what it draws with?"""
    if sandbox == "auto" and detect().kind != BUBBLEWRAP:
        pytest.skip("bubblewrap not usable here")
    if sandbox == "none" and not detect().drops_to_user:
        pytest.skip("the unprivileged fallback needs root")
    ran, results = run_autograder(layout("gradescope"), {"exercise1_convolution.py": PRINTS_SEED}, sandbox=sandbox)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    printed = "\n".join(test["output"] for test in exercise_tests(results))
    assert "found" in printed
    assert not [value for value in never_shown(gradescope_secret()) if value in printed], printed
    assert not [value for value in never_shown(gradescope_secret()) if value in ran.stdout + ran.stderr]


def test_the_exported_zip_holds_a_secret_for_staff_only(tmp_path):
    """Does the zip carry the secret as a file only its owner reads, run_autograder pass its path (not
    its value), and a second export make a different secret unless staff give theirs?"""
    from grader.staff.export import gradescope_zip

    names, secret = gradescope_zip(tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.read(seeds.SECRET_FILE).decode().strip() == secret.key.decode()
        assert archive.getinfo(seeds.SECRET_FILE).external_attr >> 16 & 0o777 == 0o600
        run = archive.read("run_autograder").decode()
    assert f'--secret-file "$ROOT/source/{seeds.SECRET_FILE}"' in run and secret.key.decode() not in run
    assert (tmp_path / "a.zip").stat().st_mode & 0o777 == 0o600
    assert gradescope_zip(tmp_path / "b.zip")[1] != secret
    assert gradescope_zip(tmp_path / "c.zip", secret=secret)[1] == secret


def test_run_autograder_still_writes_results_when_the_grader_refuses_to_start():
    """Without its secret (a zip built by hand), the grader stops with one line: does Gradescope
    still get a results.json that tells the student to ask the staff?"""
    secret = layout("gradescope").folder / "source" / seeds.SECRET_FILE
    aside = secret.with_name("seed.secret.aside")
    secret.rename(aside)
    try:
        ran, results = run_autograder(layout("gradescope"), {"exercise1_convolution.py": PRINTS_SEED})
    finally:
        aside.rename(secret)
    assert ran.returncode == 0 and "cannot read the secret seed" in ran.stderr
    assert "tell the course staff" in json.loads(results.read_text())["output"]
