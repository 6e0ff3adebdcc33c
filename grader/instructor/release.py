"""`grade release`: the student kit, without solutions, proven free of solution code.

The kit holds what `pip install -e .` and `grade exerciseN` need (grader/, reference/,
templates/, exercises/, constraints.txt, a pyproject.toml whose package list has no
solutions), a student README and the student notebooks, plus grader/STUDENT_KIT, the marker
that makes grading skip hidden checks by default (grader.grading.student_kit). It is built in a temporary
folder beside --out and moved into place only when no solution line (grader.stubs.solution_lines
of solutions/*.py) appears in any of its files; otherwise nothing is written.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError

KIT_FOLDERS = ("grader", "reference", "templates", "exercises")
KIT_FILES = ("constraints.txt",)
_IGNORED = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")
MARKER = Path("grader") / "STUDENT_KIT"
_SHOWN_LEAKS = 8


@dataclass
class Leak:
    path: str
    line_number: int
    line: str
    solution: str


@dataclass
class Release:
    out: Path
    files: list[str]
    notebooks: list[str]
    skipped_notebooks: list[str]
    checked_lines: int
    public_lines: list[str] = field(default_factory=list)  # solution lines that reference/ or grader/ also hold

    def summary(self) -> str:
        from grader.render import environment

        return environment().get_template("instructor/release.txt.j2").render(release=self)


def write_release(*, out: Path, root: Path = Path("."), force: bool = False) -> Release:
    """Build the student kit in a temporary folder, check it for leaks, then move it to `out`."""
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
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    release.out = out
    return release


def _stage(kit: Path, root: Path) -> Release:
    """Copy the sources, write pyproject.toml, README.md, the notebooks and the marker into `kit`."""
    from grader import catalog
    from grader.instructor.notebooks import write_notebooks
    from grader.render import environment

    from grader.stubs import write_stubs

    for folder in KIT_FOLDERS:
        shutil.copytree(root / folder, kit / folder, ignore=shutil.ignore_patterns(*_IGNORED))
    write_stubs(root / "solutions", kit / "exercises")  # the stubs as generated, not as exercises/ holds them now
    for name in KIT_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, kit / name)
    (kit / "pyproject.toml").write_text(student_pyproject((root / "pyproject.toml").read_text(encoding="utf-8")),
                                        encoding="utf-8")
    (kit / MARKER).write_text("A student kit written by `grade release`: hidden checks do not run here.\n",
                              encoding="utf-8")
    written = write_notebooks(out=kit / "notebooks", root=root, variants=("student",), flat=True)
    exercises = catalog.all_exercises()
    notebooks = [path.relative_to(kit).as_posix() for path in written.paths]
    (kit / "README.md").write_text(environment().get_template("release/README.md.j2").render(
        exercises=exercises, notebooks=notebooks), encoding="utf-8")
    files = sorted(path.relative_to(kit).as_posix() for path in kit.rglob("*") if path.is_file())
    return Release(out=kit, files=files, notebooks=notebooks, skipped_notebooks=written.skipped, checked_lines=0)


def student_pyproject(text: str) -> str:
    """pyproject.toml with "solutions*" taken out of the package list (checked by parsing the result),
    and the STUDENT_KIT marker added to the package data, so that a non-editable install keeps it."""
    import tomllib

    pattern = re.compile(r'^(include\s*=\s*\[)([^\]]*)(\])', re.M)
    match = pattern.search(text)
    if match is None:
        raise GraderError("pyproject.toml has no [tool.setuptools.packages.find] include = [...] line to adapt")
    kept = [item for item in re.findall(r'"[^"]*"', match[2]) if not item.strip('"').startswith("solutions")]
    adapted = text[:match.start(2)] + ", ".join(kept) + text[match.end(2):]
    data = re.search(r"^\[tool\.setuptools\.package-data\][ \t]*$", adapted, re.M)
    marker = f'grader = ["{MARKER.name}"]'
    adapted = (adapted[:data.end()] + "\n" + marker + adapted[data.end():] if data
               else adapted.rstrip("\n") + f"\n\n[tool.setuptools.package-data]\n{marker}\n")
    packages = tomllib.loads(adapted)["tool"]["setuptools"]["packages"]["find"]["include"]
    if any(name.startswith("solutions") for name in packages) or not tomllib.loads(adapted)["tool"]["setuptools"][
            "package-data"].get("grader"):
        raise GraderError(f"could not take solutions out of pyproject.toml's package list: {packages}")
    return adapted


def find_leaks(kit: Path, root: Path) -> tuple[list[Leak], list[str], int]:
    """Every line of every file in `kit` that is a solution line; also the exempt lines and the count checked.

    A solution line that the grading engine itself holds, in reference/ (`return out`, or a
    one-line reference that is the solution) or grader/ (`N, C, H, W = x.shape` in a
    declaration), is public by design: the kit must ship both to grade. Such lines are exempt
    wherever they appear, and listed in the summary; every other file, exercises/, templates/,
    the notebooks, the README, is held to every solution line.
    """
    from grader.stubs import solution_lines

    secret: dict[str, str] = {}
    for solution in sorted((root / "solutions").glob("*.py")):
        for line in solution_lines(solution.read_text(encoding="utf-8")):
            secret.setdefault(line, f"solutions/{solution.name}")
    public = {line.strip() for folder in ("reference", "grader") for path in sorted((root / folder).rglob("*.py"))
              for line in path.read_text(encoding="utf-8").splitlines()}
    exempt = sorted(line for line in secret if line in public)
    leaks, checked = [], 0
    for path in sorted(kit.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(kit).as_posix()
        for number, line in _text_lines(path, relative):
            checked += 1
            stripped = line.strip()
            if stripped in secret and stripped not in public:
                leaks.append(Leak(relative, number, stripped, secret[stripped]))
    return leaks, exempt, checked


def _text_lines(path: Path, relative: str):
    """(line number, line) of a text file; of a notebook, of every cell's source and text outputs."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise GraderError(f"the kit holds a binary file, {relative}, that the leak check cannot read; "
                          "leave it out or ship it as text") from None
    yield from enumerate(text.splitlines(), 1)
    if path.suffix == ".ipynb":
        notebook = json.loads(text)
        for cell in notebook.get("cells", []):
            parts = [cell.get("source", "")] + [output.get("text", "") for output in cell.get("outputs", [])]
            for part in parts:
                yield from enumerate(("".join(part) if isinstance(part, list) else part).splitlines(), 1)
