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
import importlib.util
import os
import py_compile
import re
import shutil
import site
import struct
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
    for metadata in _closure(WORKER_DISTRIBUTIONS):
        base = metadata.parent.resolve()
        for name in _top_level(_read(metadata / "RECORD")):
            if name and name not in ("..", "__pycache__") and not name.endswith(".pth") and name not in REPOSITORY_FOLDERS:
                if (base / name).exists():
                    entries.add(base / name)
    return tuple(sorted(entries))


def _top_level(record: bytes) -> set[str]:
    """The first part of every path in a RECORD, read as bytes (torch's has 15,000 lines, in runs
    that share it: a line in the run of the line before is skipped unread)."""
    names: set[bytes] = set()
    shared = None
    for line in record.splitlines():
        if shared is not None and line.startswith(shared):
            continue
        name = line.partition(b",")[0].partition(b"/")[0]
        names.add(name)
        shared = name + b"/"
    return {name.decode("utf-8", "surrogateescape") for name in names}


def _closure(names) -> list[Path]:
    """The metadata folders of the installed distributions `names` and of everything they require
    (extras left out)."""
    installed = _installed()
    seen: dict[str, Path] = {}
    todo = list(names)
    while todo:
        key = _normalized(todo.pop())
        if key in seen or key not in installed:
            continue
        seen[key] = installed[key]
        for requirement in _requirements(installed[key]):
            if "extra" not in requirement.partition(";")[2]:
                name_match = re.match(r"[A-Za-z0-9._-]+", requirement)
                assert name_match is not None, requirement  # PEP 508: a requirement starts with its name
                todo.append(name_match.group())
    return list(seen.values())


def _installed() -> dict[str, Path]:
    """Every installed distribution's metadata folder (.dist-info, or an .egg-info folder) by its
    normalized name: the first one along sys.path, as importlib.metadata finds it (whose import and
    lookups took longer than this whole view, on the way to every sandbox's start)."""
    found: dict[str, Path] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        try:
            names = sorted(os.listdir(folder))
        except OSError:  # not a folder (a zip), or gone
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")) and (folder / name).is_dir():
                found.setdefault(_normalized(name.partition("-")[0].removesuffix(".egg-info")), folder / name)
    return found


def _normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares them: `Typing_Extensions` is `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(metadata: Path) -> list[str]:
    """Its Requires-Dist headers, read from METADATA (importlib.metadata runs the email parser over the
    whole file); an .egg-info's requires.txt, up to its first [section] (extras and markers)."""
    if metadata.suffix == ".egg-info":
        text = "\n" + _read(metadata / "requires.txt").decode("utf-8", "replace")
        return [line.strip() for line in text.partition("\n[")[0].splitlines() if line.strip()]
    headers = _read(metadata / "METADATA").decode("utf-8", "replace").partition("\n\n")[0]
    return [line.partition(":")[2].strip() for line in headers.splitlines() if line.lower().startswith("requires-dist:")]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # an install without a RECORD (an .egg-info) shows nothing of its own
        return b""


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
    for module in [_GRADER_PACKAGE / "__init__.py", *(_GRADER_PACKAGE / "worker").glob("*.py")]:
        copy = package / module.relative_to(_GRADER_PACKAGE)
        shutil.copy2(module, copy)  # with its time, which its bytecode is checked against
        compiled = _bytecode(module)
        if compiled is not None:
            (copy.parent / "__pycache__").mkdir(exist_ok=True)
            shutil.copyfile(compiled, importlib.util.cache_from_source(str(copy)))
    (lib / "site").mkdir()
    for entry in allowed_entries():
        (lib / "site" / entry.name).symlink_to(entry)
    for path in (lib, *lib.rglob("*")):
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def _bytecode(module: Path) -> Path | None:
    """The module's bytecode in its own __pycache__, as an import writes it, written now if it is
    missing or stale and bytecode may be written; None where there is none. A sandbox boots
    from a fresh copy of the worker package that it cannot write to: without it, each boot
    compiled its modules again (20 ms of a NumPy sandbox's 240)."""
    compiled, source = Path(importlib.util.cache_from_source(str(module))), module.stat()
    try:
        with open(compiled, "rb") as file:
            header = file.read(16)
    except OSError:
        header = b""
    # What the import system checks of a timestamped .pyc: its magic, no flags, its source's time and size.
    if header == importlib.util.MAGIC_NUMBER + struct.pack("<III", 0, int(source.st_mtime) & 0xFFFFFFFF,
                                                           source.st_size & 0xFFFFFFFF):
        return compiled
    if sys.dont_write_bytecode:
        return None
    try:
        py_compile.compile(str(module), cfile=str(compiled), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    except (OSError, py_compile.PyCompileError):  # an installed grader the user may not write to
        return None
    return compiled


def bootstrap(lib: Path) -> str:
    """The sandbox's `-c` program: its two folders on the path, then the fork server."""
    return (f"import sys; sys.path[:0] = [{str(lib)!r}, {str(lib / 'site')!r}]; "
            "from grader.worker.forkserver import main; main()")
