"""Is the student kit complete, free of any answer (solutions, reference, keys), installable, and does it grade?"""

import shutil
import subprocess
import sys
import sysconfig
import tomllib

import pytest

from grader.cli import main
from grader.errors import GraderError
from grader import catalog
from grader.instructor.leaks import find_leaks, find_survivors, secret_sources
from grader.instructor.release import student_pyproject, write_release
from tests.conftest import ROOT


SOLUTION = ROOT / "solutions" / "exercise1_convolution.py"


@pytest.fixture
def kit(student_kit):
    return student_kit


def test_the_kit_has_what_a_student_needs_and_no_answer_key(kit):
    """The stubs, notebooks, grader, templates and one answer bank per exercise; no solutions/,
    reference/, answer keys or tests, and a kit well under 50 MB?"""
    names = {path.relative_to(kit).as_posix() for path in kit.rglob("*")}
    for needed in ("pyproject.toml", "README.md", "constraints.txt", "grader/cli.py", "templates/report.txt.j2",
                   "exercises/exercise1_convolution.py", "notebooks/exercise1_convolution.ipynb", "grader/STUDENT_KIT"):
        assert needed in names
    assert {f"grader/catalog/banks/{module}.bank" for module in catalog.module_names()} <= names
    assert not [name for name in names if name.startswith(("solutions", "tests", "reference", "grader/catalog/keys"))
                or "solution" in name.split("/")[-1]]
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    packages = tomllib.loads((kit / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert packages and not [name for name in packages if "solution" in name or "reference" in name or "keys" in name]
    readme = (kit / "README.md").read_text()
    assert "pip install -c constraints.txt -e ." in readme and "grade exercise1" in readme
    assert sum(path.stat().st_size for path in kit.rglob("*") if path.is_file()) < 50e6


def test_the_kit_passes_its_own_leak_checks(kit):
    """No solution line in any file, and no function of reference/, the solutions' answers or the keys in its code?"""
    leaks, exempt, checked = find_leaks(kit, ROOT)
    assert leaks == [] and checked > 1000
    assert find_survivors(kit, secret_sources(ROOT)) == []


def test_a_renamed_reference_function_in_the_kit_fails_the_release(tmp_path):
    """A reference function pasted into the grader under new names and new layout: is it found?"""
    (tmp_path / "grader").mkdir()
    (tmp_path / "grader" / "helpers.py").write_text(
        "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view as views\n\n\n"
        "def slide(picture, filt):\n    # cross-correlation\n    picture = np.asarray(picture, dtype=np.float64)\n"
        "    filt = np.asarray(filt, dtype=np.float64)\n    patches = views(picture, filt.shape)\n"
        "    return np.einsum('abcd,cd->ab', patches, filt)\n")
    secret = [("reference/convolution.py", (ROOT / "reference" / "convolution.py").read_text())]
    assert [found.function for found in find_survivors(tmp_path, secret)] == ["reference/convolution.py:correlate2d"]


def test_a_leaked_solution_line_fails_the_release_and_writes_nothing(tmp_path):
    """A solution line in a file the kit copies (a template): does the release refuse, leaving --out
    absent? And a stub that drifted in exercises/ is not one: the kit's stubs come from solutions/."""
    root = tmp_path / "repo"
    for name in ("grader", "reference", "templates", "exercises", "solutions"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, root / name)
    leak = "\n{#\n    out[i, j] = np.sum(image[i:i + KH, j:j + KW] * kernel)\n#}\n"
    template = root / "templates" / "report.txt.j2"
    template.write_text(template.read_text() + leak)
    stub = root / "exercises" / "exercise1_convolution.py"
    stub.write_text(stub.read_text() + leak.replace("{#", "if False:  # drifted").replace("#}", ""))
    with pytest.raises(GraderError, match=r"leak solution code, so nothing was written: "
                                          r"templates/report.txt.j2:\d+: 'out\[i, j\]") as refused:
        write_release(out=tmp_path / "kit", root=root)
    assert "exercises/" not in str(refused.value)
    assert not (tmp_path / "kit").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["repo"]  # no staging folder left behind


def test_a_non_empty_out_is_refused_without_force(tmp_path, capsys, monkeypatch):
    """Is a folder with files in it left alone without --force, and replaced with it?"""
    monkeypatch.setattr("grader.instructor.release.write_banks", lambda *args, **kwargs: [])  # not what is tested
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "mine.txt").write_text("keep me")
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as done:
        main(["release", "--out", str(tmp_path / "kit")])
    assert done.value.code == 2 and "not empty" in capsys.readouterr().err
    assert (tmp_path / "kit" / "mine.txt").read_text() == "keep me"
    with pytest.raises(SystemExit) as done:
        main(["release", "--out", str(tmp_path / "kit"), "--force"])
    assert done.value.code == 0 and not (tmp_path / "kit" / "mine.txt").exists()
    assert "leak check: no solution line in the kit" in capsys.readouterr().out


def test_the_pyproject_loses_the_keys_and_reference_and_the_course_settings_and_keeps_the_marker_and_banks():
    """Does the kit's pyproject install neither the answer keys nor reference, hold none of the course
    repository's extras or test settings, and ship the marker and banks?"""
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())
    adapted = tomllib.loads(student_pyproject((ROOT / "pyproject.toml").read_text()))
    setuptools = adapted["tool"]["setuptools"]
    assert "grader.reference" not in setuptools["packages"] and "grader.catalog.keys" not in setuptools["packages"]
    assert setuptools["package-dir"] == {"grader.templates": "templates"}
    assert setuptools["package-data"]["grader"] == ["STUDENT_KIT", "catalog/banks/*.bank"]
    assert set(adapted["tool"]) == {"setuptools"} and "optional-dependencies" not in adapted["project"]
    assert adapted["project"]["dependencies"] == course["project"]["dependencies"]
    assert adapted["project"]["scripts"] == course["project"]["scripts"]


@pytest.mark.slow
def test_the_kit_installs_in_a_fresh_venv_and_grades(student_kit, tmp_path):
    """`pip install -e .` in a new virtual environment, then `grade exercise1`: full marks for a solution, 0 for the stub."""
    import setuptools

    kit = tmp_path / "kit"
    shutil.copytree(student_kit, kit)
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # This venv's packages (numpy, torch, pip) are visible, so nothing is downloaded; its own
    # .pth files (the project's editable install) are not processed, so `grader` is the kit's.
    (tmp_path / "venv" / site.split(str(env) + "/", 1)[1]).joinpath("project.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    fast = [] if tuple(map(int, setuptools.__version__.split(".")[:2])) < (70, 1) else ["--no-build-isolation"]
    subprocess.run([python, "-m", "pip", "install", "-q", *fast, "-c", "constraints.txt", "-e", "."], cwd=kit,
                   check=True, capture_output=True)
    where = subprocess.run([python, "-c", "import grader; print(grader.__file__)"], capture_output=True, text=True,
                           cwd=tmp_path, check=True).stdout
    assert where.startswith(str(kit))
    grade = env / "bin" / "grade"
    copy = tmp_path / "exercise1_convolution.py"
    shutil.copy(SOLUTION, copy)
    done = subprocess.run([grade, "exercise1", "--submission", str(copy)], cwd=kit, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    score = done.stdout.strip().splitlines()[-1]
    assert score.startswith("score: 10/10"), done.stdout
    stub = subprocess.run([grade, "exercise1"], cwd=kit, capture_output=True, text=True)
    assert stub.returncode == 0 and "score: 0/" in stub.stdout
