"""Real installs of the grader, one per layout, built once per test run and shared by its xdist workers.

Each layout is a fresh virtual environment of a Python every user can run (so that the
unprivileged fallback can run too), in the run's scratch folder, which every user can pass
through (tests/conftest.py's run_scratch; whichever worker asks first builds, the others wait). The heavy
dependencies (NumPy, torch, hypothesis, ...) are not installed again: a `.pth` file points
at links to this test run's own site-packages, minus anything of the project's. What each
layout installs of the project is installed for real, with pip:

- editable:   `pip install -e` a copy of the course repository;
- venv:       `pip install` of that copy (one package, grader/, lands in site-packages);
- kit:        the kit `grade release` wrote (tests/conftest.py's student_kit, built once per run),
              copied and `pip install -e`'d (also what the GitHub workflow does);
- gradescope: `grade export gradescope`, unzipped as Gradescope does and set up by its own
              setup.sh against a scratch root standing in for /autograder.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, built_once, run_scratch

COURSE_FILES = ("grader", "reference", "solutions", "exercises", "templates", "pyproject.toml", "constraints.txt",
                "README.md")
PROJECT_ENTRIES = ("grader", "cnn_grader")  # what installing the project puts into site-packages


@dataclass(frozen=True)
class Layout:
    name: str
    python: Path
    folder: Path  # where to run `grade` (the checkout, the kit, the autograder root)

    @property
    def grade(self) -> Path:
        return self.python.parent / "grade"

    def run(self, *args: str, sandbox: str = "auto", cwd: Path | None = None, timeout: float = 300):
        environment = {**os.environ, "CNN_GRADER_SANDBOX": sandbox}
        environment.pop("VIRTUAL_ENV", None)
        return subprocess.run([str(self.grade), *args], cwd=cwd or self.folder, env=environment,
                              capture_output=True, text=True, timeout=timeout, check=False)


def system_python() -> Path:
    """A Python of this version that any user can run, or skip."""
    for candidate in (Path(sys.base_prefix) / "bin" / "python3", Path("/usr/bin/python3"), Path("/usr/local/bin/python3")):
        real = Path(os.path.realpath(candidate))
        if real.exists() and _everyone_can_read(real):
            version = subprocess.run([real, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                                     text=True, check=False).stdout.strip()
            if version == str(sys.version_info[:2]):
                return real
    pytest.skip(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that every user can run")


def _everyone_can_read(path: Path) -> bool:
    return all(folder.stat().st_mode & 0o001 for folder in path.parents) and bool(path.stat().st_mode & 0o005)


@functools.cache
def scratch() -> Path:
    """A folder of this process's own in the run's scratch folder, which every user can pass through."""
    folder = Path(tempfile.mkdtemp(prefix="process-", dir=run_scratch()))
    folder.chmod(0o755)
    return folder


def require_installable() -> None:
    """Skip unless real installs can be tested here, before anything is written: a test that is
    skipped halfway would leave folders that the next test's (cached) setup trips over."""
    system_python()
    site = Path(sysconfig.get_paths()["purelib"])
    if not _everyone_can_read(site):
        pytest.skip(f"{site} is not readable by every user (a checkout under a private folder?)")


@functools.cache
def dependencies() -> Path:
    """Links to this environment's site-packages entries, minus the project's own."""
    require_installable()
    return built_once(run_scratch(), "dependencies", _link_dependencies)


def _link_dependencies(links: Path) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    links.mkdir()
    for entry in site.iterdir():
        if entry.name.endswith(".pth") or entry.name.startswith(("__editable__", *PROJECT_ENTRIES)):
            continue
        (links / entry.name).symlink_to(entry)


def make_venv(folder: Path) -> Path:
    subprocess.run([system_python(), "-m", "venv", "--without-pip", folder], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "dependencies.pth").write_text(f"{dependencies()}\n")
    return python


def pip_install(python: Path, *args, cwd: Path | None = None) -> None:
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", *map(str, args)],
                   check=True, cwd=cwd, capture_output=True)


@functools.cache
def course() -> Path:
    """A copy of the course repository, readable by every user like a fresh clone."""
    return built_once(run_scratch(), "course", copy_course)


def copy_course(copy: Path) -> None:
    """Copy the course repository's files (not its caches or build leftovers) into the new folder `copy`."""
    copy.mkdir()
    for name in COURSE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, copy / name)


@functools.cache
def layout(name: str, kit: Path | None = None) -> Layout:
    """The layout `name`, installed once per run; "kit" installs a copy of `kit` (the student_kit fixture's).
    Tests that change a layout's files (the gradescope layout's submission/, results/ and secret) keep
    to one xdist group."""
    require_installable()
    if name not in INSTALLS:
        raise ValueError(name)
    if name == "kit" and kit is None:
        raise ValueError("the kit layout installs a kit that `grade release` wrote: pass the student_kit fixture's")
    folder = built_once(run_scratch(), f"layout-{name}", functools.partial(INSTALLS[name], kit=kit))
    python = folder / "venv" / "bin" / "python"
    return Layout(name, python, {"editable": course(), "kit": folder / "kit"}.get(name, folder))


def _editable(folder: Path, kit: Path | None) -> None:
    pip_install(make_venv(folder / "venv"), "-e", course())


def _venv(folder: Path, kit: Path | None) -> None:
    """Installed from a copy of its own: pip builds in the folder it installs from, and the editable
    layout may be installing from course() at the same time."""
    with tempfile.TemporaryDirectory(dir=run_scratch()) as source:
        copy_course(Path(source) / "course")
        pip_install(make_venv(folder / "venv"), Path(source) / "course")


def _kit(folder: Path, kit: Path) -> None:
    shutil.copytree(kit, folder / "kit")
    pip_install(make_venv(folder / "venv"), "-e", folder / "kit")


def _gradescope(root: Path, kit: Path | None) -> None:
    """Gradescope's steps: unzip into ROOT/source, run setup.sh, copy run_autograder to ROOT."""
    archive = root / "autograder.zip"
    root.mkdir()
    exported = layout("editable").run("export", "gradescope", "--out", str(archive))
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(root / "source")
        for entry in unpacked.infolist():  # zipfile drops the mode bits; Gradescope keeps them
            mode = entry.external_attr >> 16
            if mode:
                (root / "source" / entry.filename).chmod(mode & 0o777)
    make_venv(root / "venv")  # setup.sh keeps an existing venv: the dependencies are there already
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "TORCH_INDEX": ""}
    environment.pop("VIRTUAL_ENV", None)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=environment, capture_output=True,
                           text=True, timeout=600, check=False)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")


INSTALLS = {"editable": _editable, "venv": _venv, "kit": _kit, "gradescope": _gradescope}


def run_autograder(layout: Layout, submission: Path | dict, *, sandbox: str = "auto") -> tuple[subprocess.CompletedProcess, Path]:
    """Gradescope's harness: the submission in ROOT/submission, run_autograder, ROOT/results/results.json.

    `submission`: a folder of exercise files, or {file name (in subfolders: hw2/code/x.py): path}."""
    root = layout.folder
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    files = submission if isinstance(submission, dict) else {path.name: path for path in submission.iterdir()}
    for name, path in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / "submission" / name)
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "CNN_GRADER_SANDBOX": sandbox}
    environment.pop("VIRTUAL_ENV", None)
    ran = subprocess.run([str(root / "run_autograder")], env=environment, capture_output=True, text=True,
                         timeout=300, check=False, cwd=root)
    return ran, root / "results" / "results.json"
