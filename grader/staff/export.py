"""What an instructor uploads or commits so that a service grades with this grader.

- Gradescope: autograder.zip laid out as Gradescope's specification says: setup.sh and
  run_autograder at the zip's root beside the grader's source (grader/, reference/,
  templates/, pyproject.toml, constraints.txt), all unpacked into /autograder/source; never
  solutions/. Both scripts take AUTOGRADER_ROOT (default /autograder), so a test can run them.
  The zip holds the secret seed (seed.secret, mode 0600; setup.sh keeps it root's), so every
  submission is a graded run that no practice run rehearses; only its fingerprint is printed.
- GitHub Actions / Classroom: a workflow file for the student template repository. It grades
  once, to JSON, and renders the job summary and the JUnit XML from that one run
  (`report_from_json`), in the student kit, where hidden checks do not run.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from grader import seeds
from grader.errors import GraderError
from grader.layout import MAPPED_FOLDERS, SOURCE_ROOT
from grader.seeds import SECRET_FILE, SecretSeed
from grader.staff.gradebook import write_atomically

PACKAGES = ("grader", *MAPPED_FOLDERS.values())  # the folders that install as the one package, grader
FILES = ("pyproject.toml", "constraints.txt", "README.md")


def gradescope_zip(out: Path, *, secret: SecretSeed | None = None) -> tuple[list[str], SecretSeed]:
    """Write Gradescope's autograder zip, drawing with `secret` (default: a new one); return the
    names it holds and the secret."""
    from grader.render import environment

    missing = [name for name in FILES if not (SOURCE_ROOT / name).is_file()]
    if missing:
        raise GraderError(f"run `grade export` from the course repository ({', '.join(missing)} not found)")
    from grader.worker.view import INSTALLED_PACKAGE

    secret = secret or seeds.new()
    scripts = {name: environment().get_template(f"gradescope/{name}.j2").render(secret_file=SECRET_FILE,
                                                                               project_names=[INSTALLED_PACKAGE])
               for name in ("setup.sh", "run_autograder")}
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    names = []
    temporary.unlink(missing_ok=True)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the secret: staff only
    with os.fdopen(handle, "wb") as file, zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in scripts.items():
            entry = zipfile.ZipInfo(name)
            entry.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(entry, text)
            names.append(name)
        entry = zipfile.ZipInfo(SECRET_FILE)
        entry.external_attr = (stat.S_IFREG | 0o600) << 16
        archive.writestr(entry, secret.key.decode("utf-8") + "\n")
        names.append(SECRET_FILE)
        for path in _source_files():
            name = path.relative_to(SOURCE_ROOT).as_posix()
            archive.write(path, name)
            names.append(name)
    temporary.replace(out)
    return names, secret


def _source_files() -> list[Path]:
    files = [SOURCE_ROOT / name for name in FILES]
    for package in PACKAGES:
        files += [path for path in sorted((SOURCE_ROOT / package).rglob("*"))
                  if path.is_file() and "__pycache__" not in path.parts]
    return files


def github_workflow(out: Path, *, seed: int = 0, fail_under: str | None = None) -> None:
    from grader.render import environment

    text = environment().get_template("ci/github-actions.yml.j2").render(seed=seed, fail_under=fail_under)
    write_atomically(out, text)


def report_from_json(path: Path, format: str) -> str:
    """A saved `--format json` report (one exercise or `grade all`'s) rendered as `format`:
    one grading run, every format a service needs."""
    import json

    from grader.render import render
    from grader.results import Report

    try:
        report = Report.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise GraderError(f"{path} is not a report written by `grade ... --format json` ({error})") from None
    return render(report, format)
