"""What an instructor uploads or commits so that a service grades with this grader.

- Gradescope: autograder.zip holding setup.sh, run_autograder and the grader's source
  (grader/, reference/, templates/, pyproject.toml, constraints.txt), never solutions/.
- GitHub Actions / Classroom: a workflow file for the student template repository.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from grader.errors import GraderError
from grader.staff.gradebook import write_atomically

_SOURCE_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("grader", "reference", "templates")
FILES = ("pyproject.toml", "constraints.txt", "README.md")


def gradescope_zip(out: Path, *, seed: int = 0) -> list[str]:
    """Write Gradescope's autograder zip; return the names it holds."""
    from grader.render import environment

    missing = [name for name in FILES if not (_SOURCE_ROOT / name).is_file()]
    if missing:
        raise GraderError(f"run `grade export` from the course repository ({', '.join(missing)} not found)")
    scripts = {name: environment().get_template(f"gradescope/{name}.j2").render(seed=seed)
               for name in ("setup.sh", "run_autograder")}
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    names = []
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in scripts.items():
            entry = zipfile.ZipInfo(name)
            entry.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(entry, text)
            names.append(name)
        for path in _source_files():
            name = f"source/{path.relative_to(_SOURCE_ROOT).as_posix()}"
            archive.write(path, name)
            names.append(name)
    temporary.replace(out)
    return names


def _source_files() -> list[Path]:
    files = [_SOURCE_ROOT / name for name in FILES]
    for package in PACKAGES:
        files += [path for path in sorted((_SOURCE_ROOT / package).rglob("*"))
                  if path.is_file() and "__pycache__" not in path.parts]
    return files


def github_workflow(out: Path, *, seed: int = 0, fail_under: str | None = None) -> None:
    from grader.render import environment

    text = environment().get_template("ci/github-actions.yml.j2").render(seed=seed, fail_under=fail_under)
    write_atomically(out, text)
