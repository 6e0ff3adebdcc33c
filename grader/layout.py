"""Where the course's modules lie, installed or in the repository, and where the grader keeps its cache.

Installed, the distribution is one import package, `grader`, with the references and the report
templates inside it: `grader.reference` and `grader.templates`. The course repository keeps them
as the top-level folders reference/ and templates/, which pyproject.toml's `package-dir` maps into
the package (an editable install's finder does the same). The tools that read source files by
path (the task fingerprint, the architecture tests) map a module to its file here.
"""

from __future__ import annotations

import os
from pathlib import Path

# Subpackage -> the repository folder that holds it (pyproject.toml's [tool.setuptools] package-dir).
MAPPED_FOLDERS = {"grader.reference": "reference", "grader.templates": "templates"}


def module_path(module: str, root: Path) -> Path:
    """Where `module` lies under `root`, without a suffix: 'grader.reference.padding' is
    root/reference/padding in the repository and root/grader/reference/padding installed."""
    for package, folder in MAPPED_FOLDERS.items():
        if (module == package or module.startswith(package + ".")) and (root / folder).is_dir():
            return root.joinpath(folder, *module.split(".")[package.count(".") + 1:])
    return root.joinpath(*module.split("."))


def module_name(path: Path, root: Path) -> str:
    """The module a file under `root` is: reference/padding.py -> 'grader.reference.padding',
    grader/catalog/__init__.py -> 'grader.catalog'."""
    parts = path.relative_to(root).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    for package, folder in MAPPED_FOLDERS.items():
        if parts and parts[0] == folder:
            parts = (*package.split("."), *parts[1:])
    return ".".join(parts)


# The folder that holds grader/: the course repository (an editable install), the student kit,
# or site-packages (installed).
SOURCE_ROOT = Path(__file__).resolve().parents[1]


def course_repository() -> Path | None:
    """The course repository this grader runs from, or None (installed, or the student kit):
    the folder above grader/ when it holds solutions/."""
    return SOURCE_ROOT if (SOURCE_ROOT / "solutions").is_dir() else None


def solution_folders(cwd: Path | None) -> tuple[Path, ...]:
    """Where solutions live, so the sandbox can hide them: ./solutions and the course repository's."""
    folders = [(cwd or Path.cwd()) / "solutions"]
    course = course_repository()
    if course is not None:
        folders.append(course / "solutions")
    return tuple(dict.fromkeys(folder.resolve() for folder in folders if folder.is_dir()))


CACHE_VARIABLE = "CNN_GRADER_CACHE"  # a folder for the grader's cache, or "off"


def cache_base() -> Path | None:
    """<user cache>/cnn-grader, or the folder CNN_GRADER_CACHE names; None when it is "off"."""
    setting = os.environ.get(CACHE_VARIABLE)
    if setting == "off":
        return None
    return Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-grader"


def keep_hypothesis_files_in_the_cache() -> None:
    """hypothesis writes files of its own into ./.hypothesis even with no database: a student's or a
    TA's folder is not their place. Point it at the grader's cache (processes started later inherit
    it), unless someone chose a folder for it already or the cache is off."""
    base = cache_base()
    if base is not None:
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(base / "hypothesis"))
