"""One student's one exercise as plain data, how to grade it, and when its grade is stale.

A `Task` carries the submission itself (its bytes and its file name), never a path on the
machine that planned it: a process pool on this machine and a Dask worker on another run
`run_tasks` alike on one student's tasks (`by_student`), and the Grades come back the same way. `grade batch` (batch.py) and the
Dask cluster (distributed.py) both use this module; neither imports the other.

A grade is reused on a rerun while its fingerprint is unchanged: the file, the seed, and
every source file that grading this exercise reads, found by following the imports from
the exercise's declaration, the grading engine and the worker (`dependencies`).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import hashlib
import re
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from grader import seeds
from grader.layout import SOURCE_ROOT, module_name, module_path
from grader.staff.gradebook import ERROR, Grade
from grader.worker.op_families import family_module

PROJECT_PACKAGES = ("grader",)  # imports of anything else (numpy, torch, ...) are not followed
# Where grading starts, besides the declaration: this module (it decides a grade's status), and the
# worker's entry point, which the worker starts by its command line rather than by an import.
ENGINE_ROOTS = ("grader.staff.tasks", "grader.worker.forkserver")
_OP = re.compile(r"^[a-z]\w*\.\w+$")  # "torch.forward": a worker op (grader.worker.op_families)
_DATA_FILE = re.compile(r"^[\w.-]+\.(?!py$)\w+$")  # "images.npz": a file name, not a module
# The versions that decide which inputs hypothesis draws and what NumPy computes.
_LIBRARIES = ("hypothesis", "numpy")


@dataclass(frozen=True)
class Task:
    """One student's one exercise. `source` is the file's bytes and `name` its file name
    (`exercise1_convolution.ipynb`); without a source, `status` (missing or unreadable) and
    `problem` say why there is nothing to run. `shown` is the path as the student knows it.
    `unsafe_no_sandbox`: the batch was started with --unsafe-no-sandbox, so a machine without
    bubblewrap may grade it (every task checks the machine it runs on: run_task)."""

    student: str
    module: str
    fingerprint: str
    source: bytes | None = None
    name: str = ""
    status: str = ""
    problem: str = ""
    shown: str = ""
    unsafe_no_sandbox: bool = False

    @property
    def exercise(self) -> str:
        return self.module.partition("_")[0]


def make_task(student: str, module: str, seed: seeds.Seed, *, path: Path | None, status: str = "", problem: str = "",
              shown: str = "", unsafe_no_sandbox: bool = False) -> Task:
    """The task for `path` (read now, once), or for a file that is missing or unreadable."""
    source = path.read_bytes() if path is not None else None
    content = source if source is not None else problem.encode()
    fingerprint = hashlib.sha256(f"{grader_fingerprint(module, seed)}|".encode() + content).hexdigest()
    return Task(student, module, fingerprint, source, path.name if path is not None else "", status, problem, shown,
                unsafe_no_sandbox)


def run_task(task: Task, seed: seeds.Seed = 0) -> Grade:
    """Grade one student's one exercise: `run_tasks` with one task."""
    return run_tasks([task], seed)[0]


def run_tasks(tasks: list[Task], seed: seeds.Seed = 0, *, turn=None, keep_hosts: bool = False) -> list[Grade]:
    """Grade one student's exercises, all checks (hidden ones too), from the bytes the tasks
    carry: one Grade per task, in order, each the same as the task graded alone. The files share
    the sandboxes that grading starts (one per kind of exercise, grader/worker/hosts.py); never
    give this the tasks of two students. With `keep_hosts` (a batch's pool process) the sandboxes
    that may serve another student are kept for this process's next call. Never raises: every outcome
    is a Grade, a bug in the grader included (status error, retried on the next run).

    The sandbox is checked here, where the tasks run (a Dask worker is another machine): without
    bubblewrap, and unless the batch was started with --unsafe-no-sandbox, the row is an error
    that says why (retried on the next run), never a grade. `turn(modules)`, a context manager
    that yields the module to grade next, is entered around each exercise's grading
    (grading.grade_submissions), and the garbage of each is collected inside it (_collected)."""
    from grader.errors import SubmissionError
    from grader.grading import grade_submissions, unreadable
    from grader.submission import locate, read
    from grader.worker.sandbox import detect, refusal_for_task

    if len({task.student for task in tasks}) > 1:
        raise ValueError("run_tasks grades one student's tasks at a time")
    results: dict[Task, object] = {}
    try:
        refusal = refusal_for_task(detect(), unsafe=tasks[0].unsafe_no_sandbox) if any(
            task.source is not None for task in tasks) else ""
        if refusal:
            return [error_grade(task, f"not graded: {refusal}", seed=seed) if task.source is not None
                    else _grade_of(task, unreadable(task.module, task.problem, status=task.status, seed=seed))
                    for task in tasks]
        with tempfile.TemporaryDirectory(prefix="cnn-grader-task-") as folder:
            files = {}
            for task in tasks:
                if task.source is None:
                    results[task] = unreadable(task.module, task.problem, status=task.status, seed=seed)
                    continue
                path = Path(folder) / task.module / Path(task.name).name
                path.parent.mkdir()
                path.write_bytes(task.source)
                try:
                    files[task] = read(locate(task.module, path), task.module)
                except SubmissionError as error:  # not UTF-8, too large, not a notebook
                    results[task] = unreadable(task.module, str(error).replace(str(path), task.shown), seed=seed)
            graded = grade_submissions({task.module: submission for task, submission in files.items()}, seed=seed,
                                       include_hidden=True, turn=functools.partial(_collected, turn),
                                       keep_hosts=keep_hosts)
            for task, result in zip(files, graded):
                result.submission = task.shown
                results[task] = result
        return [_grade_of(task, results[task]) for task in tasks]
    except Exception as error:  # noqa: BLE001 - a grader bug stops these rows, never the batch
        return [_grade_of(task, results[task]) if task in results else
                error_grade(task, f"internal grader error: {type(error).__name__}: {error}") for task in tasks]


@contextlib.contextmanager
def _collected(turn, modules: list[str]):
    """Grade the module `turn(modules)` picks, then collect its garbage at once: a failed check's
    exceptions hold its frames, and with them the arrays it compared (hundreds of MB for AlexNet),
    in reference cycles that Python's collector may leave for many exercises. A process grading
    a class would otherwise grow by each of them: 300 MB after one AlexNet, 2 GB after ten.

    What is still alive then (modules, caches, the libraries' own objects) is frozen: later
    collections look only at what grading makes next. A Dask worker holds 200,000 objects of its
    own, and a full collection after each exercise cost it 90 ms; a batch's pool processes start
    frozen (batch._preload)."""
    with turn(modules) if turn is not None else contextlib.nullcontext(modules[0]) as module:
        try:
            yield module
        finally:
            gc.collect()
            gc.freeze()


def _grade_of(task: Task, result) -> Grade:
    return Grade(task.student, task.exercise, task.fingerprint, result.status, result.score, result.max_score,
                 result.to_dict())


def by_student(tasks: list[Task]) -> list[list[Task]]:
    """The tasks grouped by student, in their order: each group is `run_tasks`'s unit of work."""
    groups: dict[str, list[Task]] = {}
    for task in tasks:
        groups.setdefault(task.student, []).append(task)
    return list(groups.values())


def error_grade(task: Task, problem: str, *, status: str = ERROR, seed: seeds.Seed = 0) -> Grade:
    """A row for a task that produced no grade of its own: `problem` is its one-line verdict."""
    from grader.results import ExerciseResult

    try:
        from grader.grading import unreadable

        result = unreadable(task.module, problem, status=status, seed=seed)
    except Exception:  # noqa: BLE001 - the catalog itself failed: a row without checks still says why
        result = ExerciseResult(task.exercise, "", "", task.shown, status=status, problem=problem)
    result.submission, result.status = task.shown, status
    return Grade(task.student, task.exercise, task.fingerprint, status, result.score, result.max_score,
                 result.to_dict())


@functools.cache
def grader_fingerprint(module: str, seed: seeds.Seed, root: Path = SOURCE_ROOT) -> str:
    """Changes whenever what decides `module`'s grades does: the files of `dependencies`, the
    seed, the versions of hypothesis and NumPy. Another exercise's declaration, the reports and
    the staff tools do not count: adding an exercise mid-course regrades nothing else."""
    digest = hashlib.sha256(f"{module}|seed={seed}".encode())
    digest.update(_library_versions().encode())
    for path in dependencies(module, root):
        digest.update(b"|" + _shown(path, root).encode() + b"|" + path.read_bytes())
    return digest.hexdigest()[:16]


def dependencies(module: str, root: Path = SOURCE_ROOT) -> list[Path]:
    """Every file that grading `module` reads, found from the code itself: the modules of
    `grader/` and `reference/` (grader.reference; and the declaration's own folder) reachable by imports
    from the declaration, its answer key and `ENGINE_ROOTS`, imports inside functions included (a name that
    grader.authoring imports on first use counts as its module's import); the worker op
    modules they name (`"torch.forward"` -> grader/worker/torch_ops.py: grader.worker.op_families); and
    the data files beside a module that its code names (`"images.npz"`)."""
    from grader import catalog

    declaration = catalog.declaration_files()[module]
    if declaration.is_relative_to(catalog.folders()[0]):  # in the catalog package: use `root`'s copy
        declaration = root / declaration.relative_to(SOURCE_ROOT)
    search = [root, declaration.parent]
    seen: dict[Path, None] = {}
    key = declaration.parent / catalog.KEYS_FOLDER / declaration.name  # reached by answer_key(), not an import
    pending = [declaration, *([key] if key.is_file() else [])] + \
        [path for name in ENGINE_ROOTS for path in _module_files(name, search, root)]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen[path] = None
        imported, strings = _names_in(path.read_bytes(), _package_of(path, root))
        for name in imported:
            pending += _module_files(_taken_from(name), search, root)
        for text in strings:
            op_module = family_module(text) if _OP.match(text) else None
            if op_module:
                pending += _module_files(op_module, search, root)
            if _DATA_FILE.match(text) and (path.parent / text).is_file():
                seen[path.parent / text] = None
    return sorted(seen, key=lambda path: _shown(path, root))


def _taken_from(name: str) -> str:
    """The module an import of `name` loads: for a name that grader.authoring imports on first use
    (`grader.authoring.forward_check`), its module (grader.models), so that only the declarations that
    use the models count them."""
    from grader import authoring

    module, _, attribute = name.rpartition(".")
    if module != authoring.__name__:
        return name
    return next((source for source, names in authoring.LAZY.items() if attribute in names), name)


@functools.cache
def _library_versions() -> str:
    return "".join(f"|{library}={metadata.version(library)}" for library in _LIBRARIES)


@functools.lru_cache(maxsize=512)
def _names_in(source: bytes, package: str) -> tuple[list[str], list[str]]:
    """The modules a file imports and the strings it holds (cached by content: files are parsed once)."""
    tree = ast.parse(source)
    return _imported_names(tree, package), _strings(tree)


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def _package_of(path: Path, root: Path) -> str:
    """'grader.catalog' for root/grader/catalog/exercise1_convolution.py; '' outside `root`."""
    if not path.is_relative_to(root):
        return ""
    name = module_name(path, root)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imported_names(tree: ast.AST, package: str) -> list[str]:
    """Every module an `import` or `from ... import` in `tree` may load, anywhere in the file."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1] if package else []
                base = ".".join([*parent, base] if base else parent)
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # `from grader import strategies`
    return [name for name in names if name]


def _strings(tree: ast.AST) -> list[str]:
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _module_files(name: str, search: list[Path], root: Path) -> list[Path]:
    """The files importing `name` runs: its own and its packages' `__init__.py`, if they are ours."""
    parts = name.split(".")
    found = []
    for folder in search:
        if folder == root and parts[0] not in PROJECT_PACKAGES:
            continue
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            base = module_path(prefix, root) if folder == root else folder.joinpath(*parts[:depth])
            for candidate in (base / "__init__.py", base.with_suffix(".py")):
                if candidate.is_file():
                    found.append(candidate)
        if found:
            return found
    return found

