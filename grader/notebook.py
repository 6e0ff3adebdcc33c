"""Helpers for the exercise notebooks; they run in the student's Jupyter kernel.

    from grader import notebook as course
    course.start("exercise1")           # first code cell: remember the cells run from here on
    course.try_it(correlate2d, image, kernel, expected=feature_map)   # a lecture example
    course.check("exercise1")           # last cell: grade the cells you ran, show the report

`check` never grades in this process: it writes the code of the cells you ran (in the order
you ran them) to a temporary notebook and runs `python -m grader EXERCISE --submission
THAT.ipynb --format html` as a subprocess, which hands the code to the sandboxed worker like
any other submission. Cells that call these helpers (the demos, the check itself) and cells
that raised an error are left out; of a helper cell, its imports and definitions are kept.

Kept import-light: IPython, NumPy and nbformat are imported inside the functions.
"""

from __future__ import annotations

import ast
import html
import re
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHECK_TIMEOUT = 600  # seconds for one `python -m grader` run from a check cell


@dataclass
class _Cell:
    number: int | None
    source: str
    ok: bool
    calls_helpers: bool


@dataclass
class _Recorder:
    """The cells run in this kernel since `start()`, filled by IPython's post_run_cell event."""

    exercise: str | None = None
    cells: list[_Cell] = field(default_factory=list)
    in_helper_cell: bool = False
    installed: bool = False

    def post_run_cell(self, result) -> None:
        info = getattr(result, "info", None)
        source = getattr(info, "raw_cell", None) or ""
        self.cells.append(_Cell(getattr(result, "execution_count", None), source, bool(result.success),
                                self.in_helper_cell))
        self.in_helper_cell = False


_RECORDER = _Recorder()


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _helper_cell() -> None:
    """Mark the running cell as a helper cell: only its imports and definitions are graded."""
    _RECORDER.in_helper_cell = True


def start(exercise: str) -> None:
    """Remember `exercise` and record every cell run from now on, for `check()`."""
    _helper_cell()
    _RECORDER.exercise = exercise
    shell = _shell()
    if shell is not None and not _RECORDER.installed:
        shell.events.register("post_run_cell", _RECORDER.post_run_cell)
        _RECORDER.installed = True


# --- Trying a function on an example ---------------------------------------------------------

def try_it(function, *args, expected=None, **kwargs) -> None:
    """Call `function(*args, **kwargs)` and show the inputs, its result and the `expected` answer.

    A function that still raises NotImplementedError (the untouched stub) is reported, not
    raised, so that the notebook runs on; any other exception is raised as usual.
    """
    import inspect

    _helper_cell()
    name = getattr(function, "__name__", "function")
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
        inputs = dict(bound.arguments)
    except (TypeError, ValueError):
        inputs = {f"argument {index}": value for index, value in enumerate(args, 1)} | kwargs
    try:
        result = function(*args, **kwargs)
    except NotImplementedError as error:
        _display("try.html.j2", f"{name} is not implemented yet: {error}", name=name, inputs=_grids(inputs),
                 not_implemented=str(error), result=None, expected=None, verdict=None)
        return
    verdict = _verdict(result, expected) if expected is not None else None
    wrong = _wrong_cells(result, expected) if expected is not None else None
    _display("try.html.j2", f"{name}({', '.join(inputs)}) returned {result!r}" + (f"\n{verdict[1]}" if verdict else ""),
             name=name, inputs=_grids(inputs), not_implemented=None, result=_grid(result, wrong),
             expected=None if expected is None else _grid(expected, wrong), verdict=verdict)


@contextmanager
def trying(what: str = "this cell"):
    """`with course.trying(): ...` runs a demo that may reach a stub: NotImplementedError is shown, not raised."""
    _helper_cell()
    try:
        yield
    except NotImplementedError as error:
        _display("try.html.j2", f"{what}: not implemented yet: {error}", name=what, inputs={},
                 not_implemented=str(error), result=None, expected=None, verdict=None)


def show(**arrays) -> None:
    """Show arrays as small tables, side by side: `course.show(image=image, kernel=kernel)`."""
    _helper_cell()
    _display("try.html.j2", "\n".join(f"{name} = {value!r}" for name, value in arrays.items()), name=None,
             inputs=_grids(arrays), not_implemented=None, result=None, expected=None, verdict=None)


def _verdict(result, expected) -> tuple[bool, str]:
    import numpy as np

    try:
        got, want = np.asarray(result, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return False, f"expected an array like the lecture's, got {type(result).__name__}"
    if got.shape != want.shape:
        return False, f"shape {got.shape}, the lecture's answer has shape {want.shape}"
    close = np.isclose(got, want, rtol=1e-5, atol=1e-6)
    if close.all():
        return True, "matches the lecture's answer"
    where = tuple(int(i) for i in np.argwhere(~close)[0])
    return False, (f"differs from the lecture's answer at {list(where)}: expected {want[where]:g}, "
                   f"got {got[where]:g} ({int((~close).sum())} of {close.size} positions differ)")


def _wrong_cells(result, expected):
    """Where `result` differs from the lecture's answer (same shapes only), else None."""
    import numpy as np

    try:
        got, want = np.asarray(result, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return ~np.isclose(got, want, rtol=1e-5, atol=1e-6) if got.shape == want.shape else None


def _grids(values: dict) -> dict:
    return {name: _grid(value) for name, value in values.items()}


def _grid(value, wrong=None) -> dict:
    """An array as 2-D tables for the template: {'shape', 'dtype', 'tables': [(label, rows)], 'text'};
    each cell is (text, differs from the lecture's answer)."""
    import numpy as np

    plain: dict[str, object] = {"shape": None, "dtype": type(value).__name__, "tables": [], "text": repr(value)}
    if value is None or isinstance(value, (str, bool, dict)):
        return plain
    try:
        array = np.asarray(value)
    except Exception:
        return plain
    if array.dtype.kind not in "biuf" or array.ndim == 0 or array.size > 400:
        return {**plain, "shape": array.shape, "dtype": str(array.dtype)} if array.dtype.kind in "biuf" else plain
    if array.ndim == 1:
        array = array[None]
    wrong = np.zeros(array.shape, bool) if wrong is None else np.asarray(wrong).reshape(array.shape)
    planes, marks = array.reshape((-1, *array.shape[-2:])), wrong.reshape((-1, *array.shape[-2:]))
    labels = ["[" + ", ".join(map(str, index)) + ", :, :]" if index else "" for index in np.ndindex(*array.shape[:-2])]
    tables = [(label, [[(_number(cell), bool(bad)) for cell, bad in zip(row, bad_row)] for row, bad_row in zip(plane, mark)])
              for label, plane, mark in zip(labels, planes, marks)]
    return {"shape": np.shape(value), "dtype": str(array.dtype), "tables": tables, "text": ""}


def _number(value) -> str:
    return f"{float(value):.4g}" if not float(value).is_integer() else f"{int(value)}"


def _display(template: str, text: str, **context) -> None:
    from grader.render import environment

    markup = environment().get_template(f"notebooks/{template}").render(**context)
    _publish(markup, text)


def _publish(markup: str, text: str) -> None:
    try:
        from IPython.display import display
    except ImportError:
        print(text)
        return
    display({"text/html": markup, "text/plain": text}, raw=True)


# --- The check cell ----------------------------------------------------------------------------

def answer_cells() -> tuple[list[tuple[int | None, str]], list[str]]:
    """The code graded by `check()`: (execution count, source) of each cell, and why cells were left out."""
    kept, left_out = [], []
    for cell in _RECORDER.cells:
        label = f"[{cell.number}]" if cell.number is not None else "?"
        if not cell.source.strip():
            continue
        if not cell.ok:
            left_out.append(f"{label} raised an error when you ran it")
            continue
        source = _definitions_only(cell.source) if cell.calls_helpers else cell.source
        if source.strip():
            kept.append((cell.number, source))
    return kept, left_out


def _definitions_only(source: str) -> str:
    """Of a cell that calls the course helpers, the imports, functions and classes it defines."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):  # nested past what the parser can hold
        return ""
    lines = source.splitlines()
    keep = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    parts = []
    for node in tree.body:
        if isinstance(node, keep) and not _imports_course_helpers(node):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            parts.append("\n".join(lines[first - 1:node.end_lineno]))
    return "\n\n".join(parts)


def _imports_course_helpers(node) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith("grader")
    if isinstance(node, ast.Import):
        return any(alias.name.startswith("grader") for alias in node.names)
    return False


def check(exercise: str | None = None, *, timeout: float = CHECK_TIMEOUT) -> None:
    """Grade the cells run in this kernel as `exercise` and show the report here, as HTML."""
    _helper_cell()
    exercise = exercise or _RECORDER.exercise
    if exercise is None:
        raise ValueError("check() needs the exercise, e.g. check('exercise1')")
    if not _RECORDER.installed:
        _display("check.html.j2", "Run the notebook from the top first.", report=None, kept=[], left_out=[],
                 problem="This kernel has not recorded the cells you ran: run the first code cell (it calls "
                         "course.start), then your cells, then this one. Kernel > Restart Kernel and Run All "
                         "Cells does all of that.")
        return
    kept, left_out = answer_cells()
    with tempfile.TemporaryDirectory(prefix="cnn-grader-check-") as folder:
        path = Path(folder) / f"{_module(exercise)}.ipynb"
        _write_notebook(path, kept)
        command = [sys.executable, "-m", "grader", exercise, "--submission", str(path), "--format", "html"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=folder)
        except subprocess.TimeoutExpired:
            done = None
    labels = [f"[{number}]" if number is not None else "?" for number, _ in kept]
    if done is None or done.returncode not in (0, 1, 3) or "<body>" not in done.stdout:
        problem = (f"grading did not finish within {timeout:g} s" if done is None
                   else (done.stderr.strip() or f"`grade` exited with code {done.returncode}"))
        _display("check.html.j2", f"The grader could not grade these cells: {problem}", report=None, kept=labels,
                 left_out=left_out, problem=problem)
        return
    body = done.stdout.split("<body>", 1)[1].rsplit("</body>", 1)[0]
    body = body.replace(html.escape(str(path)), "the cells you ran")
    title = re.search(r"<title>(.*?)</title>", done.stdout, re.S)
    summary = html.unescape(title.group(1)) if title else exercise
    _display("check.html.j2", summary, report=body, kept=labels, left_out=left_out, problem=None)


def _module(exercise: str) -> str:
    from grader import catalog

    return catalog.resolve(exercise)


def _write_notebook(path: Path, cells: list[tuple[int | None, str]]) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    for number, source in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = number
        notebook.cells.append(cell)
    nbformat.write(notebook, str(path))
