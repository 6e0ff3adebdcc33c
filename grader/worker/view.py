"""What the worker may see of the Python installation: an allow-list, the same in every layout.

The worker starts as `python -s -S` (no site-packages, no .pth files; its environment is the
grader's small fixed one) with exactly two folders on its path, both made here for it:

- `lib/`: a copy of the worker's own small package (`grader/__init__.py`, `grader/worker/`);
- `lib/site/`: one link per top-level entry of the distributions a submission may use
  (NumPy, PyTorch and what they require), pointing into the real site-packages.

So nothing of the project but the worker package can be imported, in any layout (an editable
checkout, `pip install .` putting the one package grader/ into site-packages, the
student kit, Gradescope's venv). Inside bubblewrap the linked entries are the only part of any
site-packages that is bound at all (`site_folders` and `project_folders` are masked), so
nothing else can be read by path either. Without bubblewrap, reading by path is stopped only
by file permissions (see sandbox.py).
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import re
import shutil
import site
import sys
from pathlib import Path

# What a submission may import besides the standard library (their requirements come along).
WORKER_DISTRIBUTIONS = ("numpy", "torch")
_GRADER_PACKAGE = Path(__file__).resolve().parents[1]  # grader/
SOURCE_ROOT = _GRADER_PACKAGE.parent
# The project's one installed import package (the references and templates are inside it), and the
# course repository's top-level folders (an editable install's checkout): nothing of them but the
# worker package ever reaches the worker.
INSTALLED_PACKAGE = "grader"
REPOSITORY_FOLDERS = ("grader", "reference", "solutions", "exercises", "templates", "tests")


@functools.cache
def allowed_entries() -> tuple[Path, ...]:
    """Every top-level site-packages entry (package, module, .libs, .dist-info) of the worker's
    distributions and their requirements, as real paths."""
    entries: set[Path] = set()
    for distribution in _closure(WORKER_DISTRIBUTIONS):
        names = _top_level(distribution.read_text("RECORD") or "")
        base = Path(distribution.locate_file("")).resolve()
        for name in names:
            if name and name not in ("..", "__pycache__") and not name.endswith(".pth") and name not in REPOSITORY_FOLDERS:
                if (base / name).exists():
                    entries.add(base / name)
    return tuple(sorted(entries))


def _top_level(record: str) -> set[str]:
    """The first part of every path in a RECORD (torch's has 15,000 lines, in runs that share it)."""
    names: set[str] = set()
    shared = None
    for line in record.splitlines():
        if shared is not None and line.startswith(shared):
            continue
        name = line.partition(",")[0].partition("/")[0]
        names.add(name)
        shared = name + "/"
    return names


def _requirements(distribution) -> list[str]:
    """Its Requires-Dist headers, read from METADATA (Distribution.requires runs the email parser
    over the whole file, 1 ms a distribution)."""
    metadata = distribution.read_text("METADATA")
    if metadata is None:  # an egg-info install: requires.txt
        return distribution.requires or []
    headers = metadata.partition("\n\n")[0]
    return [line.partition(":")[2].strip() for line in headers.splitlines() if line.lower().startswith("requires-dist:")]


def _closure(names) -> list:
    """The installed distributions `names` and everything they require (extras left out)."""
    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        seen[key] = distribution
        for requirement in _requirements(distribution):
            if "extra" not in requirement.partition(";")[2]:
                name_match = re.match(r"[A-Za-z0-9._-]+", requirement)
                assert name_match is not None, requirement  # PEP 508: a requirement starts with its name
                todo.append(name_match.group())
    return list(seen.values())


def site_folders() -> tuple[Path, ...]:
    """Every site-packages the grader's Python may read: bubblewrap shows none of them whole."""
    folders = [Path(entry) for entry in sys.path if entry and Path(entry).name in ("site-packages", "dist-packages")]
    folders += [Path(entry) for entry in site.getsitepackages()]
    folders += [Path(site.getusersitepackages())]
    folders += [entry.parent for entry in allowed_entries()]
    return tuple(dict.fromkeys(folder.resolve() for folder in folders if folder.is_dir()))


def project_folders() -> tuple[Path, ...]:
    """Where the course's own code lies: the source tree (an editable checkout) and any
    installed copy of its packages; bubblewrap hides them all."""
    folders = [SOURCE_ROOT / name for name in REPOSITORY_FOLDERS]
    folders += [folder / INSTALLED_PACKAGE for folder in site_folders()]
    return tuple(folder for folder in dict.fromkeys(folders) if folder.exists())


def interpreter() -> Path:
    """The real Python binary (a venv's `bin/python` is a link to it); its standard library
    is all the worker takes from the installation."""
    return Path(os.path.realpath(sys.executable))


def python_folders() -> tuple[Path, ...]:
    """The interpreter's folder and its installation (standard library, libpython)."""
    return tuple(dict.fromkeys(Path(path).resolve() for path in (
        interpreter().parent, sys.base_prefix, sys.base_exec_prefix)))


def prepare(lib: Path) -> None:
    """Fill `lib` with the worker package and `lib/site` with links to the allowed entries."""
    package = lib / "grader"
    (package / "worker").mkdir(parents=True)
    shutil.copyfile(_GRADER_PACKAGE / "__init__.py", package / "__init__.py")
    for module in (_GRADER_PACKAGE / "worker").glob("*.py"):
        shutil.copyfile(module, package / "worker" / module.name)
    (lib / "site").mkdir()
    for entry in allowed_entries():
        (lib / "site" / entry.name).symlink_to(entry)
    for path in (lib, *lib.rglob("*")):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def bootstrap(lib: Path) -> str:
    """The sandbox's `-c` program: its two folders on the path, then the fork server."""
    return (f"import sys; sys.path[:0] = [{str(lib)!r}, {str(lib / 'site')!r}]; "
            "from grader.worker.forkserver import main; main()")
