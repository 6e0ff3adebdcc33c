"""`grade release`: the student kit, with no answer key in it, proven so before it is written.

The kit holds what `pip install -e .` and `grade exerciseN` need: grader/ without the answer
keys (grader/catalog/keys/), templates/, exercises/ (the stubs), constraints.txt, a
pyproject.toml that installs neither the keys nor reference/ (solutions/ never is), a student README, the student notebooks,
grader/STUDENT_KIT (the marker), and per exercise the answer bank the kit grades from
(grader/catalog/banks/<module>.bank: the cases drawn at the kit's seed, what the answer key
says on them, what each known mistake returns; grader.instructor.banks). No reference
implementation, solution, mistake reproduction or hidden check ships, as code or as text.

It is built in a temporary folder beside --out and moved into place only when the leak checks
pass (grader.instructor.leaks: no solution line in any file, no function of reference/, the
solutions or the keys in any Python file, however renamed); otherwise nothing is written.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError
from grader.instructor.banks import write_banks
from grader.instructor.leaks import find_leaks, find_survivors, judged_functions, secret_sources

KIT_FOLDERS = ("grader", "templates", "exercises")
KIT_FILES = ("constraints.txt",)
_IGNORED = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")
_COURSE_ONLY = ("keys",)  # grader/catalog/keys: the answer keys
_COURSE_PACKAGES = ("grader.catalog.keys", "grader.reference")  # installed from the course repository only
MARKER = Path("grader") / "STUDENT_KIT"
BANKS = Path("grader") / "catalog" / "banks"
_SHOWN_LEAKS = 8
_SHOWN_EXEMPT = 5


@dataclass
class Release:
    out: Path
    files: list[str]
    notebooks: list[str]
    skipped_notebooks: list[str]
    checked_lines: int
    public_lines: list[str] = field(default_factory=list)  # solution lines that the kit's grader/ also holds
    banks: list = field(default_factory=list)  # grader.instructor.banks.BankSummary per exercise
    checked_functions: int = 0
    size: int = 0  # bytes

    @property
    def shown_public_lines(self) -> list[str]:
        return self.public_lines[:_SHOWN_EXEMPT]

    def summary(self) -> str:
        from grader.render import environment

        return environment().get_template("instructor/release.txt.j2").render(release=self)


def write_release(*, out: Path, root: Path = Path("."), force: bool = False, seed: int = 0,
                  jobs: int = 2) -> Release:
    """Build the student kit in a temporary folder, record its banks at `seed`, check it for leaks,
    then move it to `out`."""
    root, out = Path(root), Path(out)
    for needed in ("solutions", "exercises", "pyproject.toml", *KIT_FOLDERS):
        if not (root / needed).exists():
            raise GraderError(f"run `grade release` in the repository: it needs {needed} in {root.resolve()}")
    if out.exists() and not out.is_dir():
        raise GraderError(f"--out {out} is a file; give a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise GraderError(f"--out {out} is not empty: pass --force to replace it, or choose another folder")
    sources = [root / name for name in (*KIT_FOLDERS, "solutions", "tests")]
    target = out.resolve()
    if target == root.resolve() or any(target == s.resolve() or s.resolve() in target.parents for s in sources):
        raise GraderError(f"--out {out} is the repository or inside its sources; choose a folder of its own")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
    try:
        release = _stage(staging, root)
        leaks, release.public_lines, release.checked_lines = find_leaks(staging, root)
        if leaks:
            shown = "; ".join(f"{leak.path}:{leak.line_number}: {leak.line!r} (from {leak.solution})"
                              for leak in leaks[:_SHOWN_LEAKS])
            more = f" and {len(leaks) - _SHOWN_LEAKS} more" if len(leaks) > _SHOWN_LEAKS else ""
            raise GraderError(f"the release would leak solution code, so nothing was written: {shown}{more}")
        secrets = secret_sources(root)
        survivors = find_survivors(staging, secrets)
        release.checked_functions = len(judged_functions(secrets))
        if survivors:
            shown = "; ".join(f"{found.function} in {found.path}" for found in survivors[:_SHOWN_LEAKS])
            more = f" and {len(survivors) - _SHOWN_LEAKS} more" if len(survivors) > _SHOWN_LEAKS else ""
            raise GraderError(f"the release would ship answer-key code, so nothing was written: {shown}{more}")
        release.banks = write_banks(catalog_modules(), root=root, out=staging / BANKS, seed=seed, jobs=jobs)
        release.size = sum(path.stat().st_size for path in staging.rglob("*") if path.is_file())
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    release.out = out
    return release


def catalog_modules() -> list[str]:
    from grader import catalog

    return catalog.module_names()


def _stage(kit: Path, root: Path) -> Release:
    """Copy the sources, write pyproject.toml, README.md, the notebooks and the marker into `kit`."""
    from grader import catalog
    from grader.instructor.notebooks import write_notebooks
    from grader.render import environment

    from grader.stubs import write_stubs

    for folder in KIT_FOLDERS:
        ignored = (*_IGNORED, *_COURSE_ONLY) if folder == "grader" else _IGNORED
        shutil.copytree(root / folder, kit / folder, ignore=shutil.ignore_patterns(*ignored))
    write_stubs(root / "solutions", kit / "exercises")  # the stubs as generated, not as exercises/ holds them now
    for name in KIT_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, kit / name)
    (kit / "pyproject.toml").write_text(student_pyproject((root / "pyproject.toml").read_text(encoding="utf-8")),
                                        encoding="utf-8")
    (kit / MARKER).write_text("A student kit written by `grade release`: it grades from the answer banks in "
                              "grader/catalog/banks/; hidden checks run only when work is graded.\n", encoding="utf-8")
    written = write_notebooks(out=kit / "notebooks", root=root, variants=("student",), flat=True)
    exercises = catalog.all_exercises()
    notebooks = [path.relative_to(kit).as_posix() for path in written.paths]
    (kit / "README.md").write_text(environment().get_template("release/README.md.j2").render(
        exercises=exercises, notebooks=notebooks), encoding="utf-8")
    files = sorted(path.relative_to(kit).as_posix() for path in kit.rglob("*") if path.is_file())
    return Release(out=kit, files=files, notebooks=notebooks, skipped_notebooks=written.skipped, checked_lines=0)


def student_pyproject(text: str) -> str:
    """The kit's pyproject.toml, made from the course's `text`: its project, dependencies and entry
    point; its packages without the answer keys and the references; the STUDENT_KIT marker and the
    answer banks as package data, so that a non-editable install keeps them; no optional
    dependencies (the course's development extras) and no test settings. Checked by parsing it.
    (A JSON string or list of strings is a TOML one.)"""
    import json
    import tomllib

    from grader.render import environment

    course = tomllib.loads(text)
    setuptools = course.get("tool", {}).get("setuptools", {})
    if "packages" not in setuptools:
        raise GraderError("pyproject.toml has no [tool.setuptools] packages = [...] list to adapt")
    packages = [name for name in setuptools["packages"] if name not in _COURSE_PACKAGES]
    package_data = {**setuptools.get("package-data", {}), "grader": [MARKER.name, "catalog/banks/*.bank"]}
    adapted = environment().get_template("release/pyproject.toml.j2").render(
        toml=json.dumps, build=course["build-system"], project=course["project"], packages=packages,
        package_dir={name: folder for name, folder in setuptools.get("package-dir", {}).items() if name in packages},
        package_data={name: patterns for name, patterns in package_data.items() if name in packages})
    kit = tomllib.loads(adapted)
    if set(kit["tool"]["setuptools"]["packages"]) & set(_COURSE_PACKAGES) or "optional-dependencies" in kit["project"]:
        raise GraderError(f"could not take the course's packages out of pyproject.toml: {kit['tool']['setuptools']}")
    return adapted
