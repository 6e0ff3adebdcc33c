"""Where the course's modules lie, installed or in the repository.

Installed, the distribution is one import package, `grader`, with the references and the report
templates inside it: `grader.reference` and `grader.templates`. The course repository keeps them
as the top-level folders reference/ and templates/, which pyproject.toml's `package-dir` maps into
the package (an editable install's finder does the same). The tools that read source files by
path (the task fingerprint, the architecture tests) map a module to its file here.
"""

from __future__ import annotations

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
