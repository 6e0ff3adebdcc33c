"""Does the `grade` command keep its promises: formats, exit codes, one-line errors, a fast --help?"""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

from grader import catalog
from grader.cli import main
from tests.conftest import ROOT, SUBMISSIONS

SOLUTION = str(ROOT / "solutions" / "exercise1_convolution.py")
FLIPPED = str(SUBMISSIONS / "exercise1" / "flipped_kernel.py")


def run(capsys, *args):
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


@pytest.mark.parametrize("command", ["--help", "list"])
def test_help_and_list_do_not_import_numpy_hypothesis_or_torch(command):
    """Are `grade --help` and `grade list` instant because nothing heavy is imported?"""
    code = (f"import sys; from grader.cli import main\ntry: main([{command!r}])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in ('numpy', 'hypothesis', 'torch', 'nbformat', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_json_has_the_documented_fields(capsys):
    code, out, _ = run(capsys, "exercise1", "--submission", FLIPPED, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert {"exercise", "score", "max_score", "execution_time", "tests"} <= set(data)
    test = next(t for t in data["tests"] if t["status"] == "failed")
    assert {"name", "score", "max_score", "status", "output", "hint", "counterexample"} <= set(test)


def test_topic_alias_and_junit(capsys):
    code, out, _ = run(capsys, "convolution", "-s", SOLUTION, "--format", "junit")
    suite = ElementTree.fromstring(out).find("testsuite")
    checks = catalog.load("exercise1_convolution").checks  # hidden ones too: this is the instructor's repository
    assert code == 0 and suite.get("failures") == "0" and suite.get("tests") == str(len(checks))


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "gradescope"])
def test_every_format_renders_a_failure(capsys, fmt):
    code, out, _ = run(capsys, "exercise1", "-s", FLIPPED, "--format", fmt)
    assert code == 0 and "flipped the kernel" in out


def test_html_escapes_what_the_submission_printed(capsys):
    code, out, _ = run(capsys, "exercise1", "-s", str(SUBMISSIONS / "hostile" / "fake_json.py"), "--format", "html")
    assert code == 0 and '&#34;score&#34;: 10' in out and '"score": 10' not in out.split("<style>")[0]


def test_one_exercise_is_graded_with_the_cores_of_the_machine(capsys, monkeypatch):
    """`grade EXERCISE` has the machine to itself: a large model's worker may use two threads."""
    from grader import grading

    asked = {}
    real = grading.grade
    monkeypatch.setattr(grading, "free_cores", lambda: 3)
    monkeypatch.setattr(grading, "grade", lambda *args, **options: asked.update(options) or real(*args, **options))
    assert run(capsys, "exercise1", "-s", SOLUTION)[0] == 0
    assert asked["cores"] == 3


@pytest.mark.parametrize("threshold, expected", [("11", 0), ("100%", 0), ("80%", 0)])
def test_fail_under_passes_full_marks(capsys, threshold, expected):
    assert run(capsys, "exercise1", "-s", SOLUTION, "--fail-under", threshold)[0] == expected


def test_fail_under_exits_1_below_the_threshold(capsys):
    assert run(capsys, "exercise1", "-s", FLIPPED, "--fail-under", "80%")[0] == 1


@pytest.mark.parametrize("args, message", [
    (["exercize1"], "did you mean exercise1?"),
    (["exercise1", "-s", "no/such/file.py"], "no such file"),
    (["exercise1", "--fail-under", "lots"], "is not a number of points"),
    (["exercise1", "--format", "pdf"], "Invalid value"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_output_writes_the_report_to_a_file(capsys, tmp_path):
    target = tmp_path / "deep" / "results.json"
    code, out, err = run(capsys, "exercise1", "-s", SOLUTION, "--format", "json", "--output", str(target))
    assert code == 0 and out == "" and json.loads(target.read_text())["score"] == 11


def test_list_shows_exercises_with_points(capsys):
    """Does `grade list` show what the declarations say, hidden points apart, as loading them would?"""
    code, out, _ = run(capsys, "list")
    assert code == 0
    for module in catalog.module_names():
        exercise = catalog.load(module)
        hidden = sum(check.points for check in exercise.checks if check.hidden)
        points = f"{exercise.max_score - hidden:g} points" + (f" (+{hidden:g} hidden)" if hidden else "")
        assert f"{exercise.id:<11} {exercise.topic:<12} {points}" in out and exercise.summary in out


def test_verbose_shows_worker_restarts_on_stderr_never_in_the_report(tmp_path):
    """A call that hangs: does `grade -v` log the kill and the restart, and the report stay clean?"""
    submission = tmp_path / "exercise3_stride.py"
    submission.write_text("def output_size(size, kernel, stride=1, padding=0):\n    while True:\n        pass\n\n\n"
                          "def conv2d_strided(x, w, b=None, stride=1, padding=0):\n    raise NotImplementedError\n")
    done = subprocess.run([sys.executable, "-m", "grader", "exercise3", "-s", str(submission), "--verbose"],
                          capture_output=True, text=True, cwd=ROOT)
    assert "grade: grader.worker.client: killing the worker" in done.stderr
    assert "restarting the worker for exercise3_stride" in done.stderr
    assert "grader.worker" not in done.stdout and "timed out after 2 s" in done.stdout


def test_python_dash_m_grader_works():
    done = subprocess.run([sys.executable, "-m", "grader", "exercise1", "-s", SOLUTION, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and json.loads(done.stdout)["score"] == 11


def test_the_program_keeps_every_line_and_the_exit_code_without_its_teardown(capsys):
    """`python -m grader` leaves by os._exit once main is done (grader.cli.run): does a pipe still
    get the whole report, and the shell main's exit code (1: below --fail-under)?"""
    _, expected, _ = run(capsys, "exercise1", "-s", FLIPPED, "--fail-under", "100%")
    done = subprocess.run([sys.executable, "-m", "grader", "exercise1", "-s", FLIPPED, "--fail-under", "100%"],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = re.compile(r"\d+(\.\d+)? s\b")  # how long it took differs from run to run
    assert done.returncode == 1 and "flipped the kernel" in expected
    assert seconds.sub("N s", done.stdout) == seconds.sub("N s", expected)


def test_grade_all_in_a_folder_without_a_kit_is_one_line(capsys, tmp_path, monkeypatch):
    """`grade all` in an empty folder: one line that says what to do, exit 2 (not 234 lines)?"""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "all")
    assert code == 2 and out == ""
    assert err.strip() == "grade: no submission here: run it in the kit's folder or pass --submission"


def test_grade_all_on_a_folder_holding_no_exercise_is_one_line_in_text(capsys, tmp_path):
    code, out, err = run(capsys, "all", "--submission", str(tmp_path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "no exercise file in" in err


def test_the_device_help_names_every_pytorch_exercise_from_the_catalog(capsys):
    """Does `grade all --help` name the exercises --device moves as the declarations say (6-9 and more)?"""
    code, out, _ = run(capsys, "all", "--help")
    numbers = [int(about.id.removeprefix("exercise")) for about in map(catalog.about, catalog.module_names())
               if about.cuda]
    assert code == 0 and {6, 7, 8, 9, 12, 13, 15, 16} <= set(numbers)
    assert "(6-9, 12, 13, 15, 16)" in " ".join(out.split())


def test_a_secret_file_makes_a_graded_run_that_shows_only_its_fingerprint(capsys, tmp_path):
    """`grade exercise1 --secret-file FILE`: hidden checks run, and the report shows the fingerprint,
    never the secret; with --seed too, one line saying the two exclude each other?"""
    from grader import seeds

    secret_file = tmp_path / "seed.secret"
    secret_file.write_text("a secret that is long enough to use\n")
    code, out, _ = run(capsys, "exercise1", "-s", SOLUTION, "--secret-file", str(secret_file), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["score"] == 11 and data["seed"] == str(seeds.read(secret_file))
    assert "long enough" not in out and data["seed"].startswith("secret ")
    code, _, err = run(capsys, "exercise1", "-s", SOLUTION, "--secret-file", str(secret_file), "--seed", "3")
    assert code == 2 and "practice seed" in err and len(err.strip().splitlines()) == 1


def test_grading_leaves_nothing_in_the_folder_it_runs_in(tmp_path):
    """hypothesis writes ./.hypothesis of its own accord: does `grade` keep it in the grader's cache instead?"""
    import os

    folder = tmp_path / "work"
    folder.mkdir()
    environment = {key: value for key, value in os.environ.items() if key != "HYPOTHESIS_STORAGE_DIRECTORY"}
    done = subprocess.run([sys.executable, "-m", "grader", "exercise1", "--submission", SOLUTION], cwd=folder,
                          env={**environment, "CNN_GRADER_CACHE": str(tmp_path / "cache")}, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert list(folder.iterdir()) == []
