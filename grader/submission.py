"""Finding and reading a submission, and what can be told from its text alone.

The grader never imports a submission: it reads it (a `.py` file, or the code cells of a
`.ipynb` notebook), checks the syntax and the imports, and hands the text to a worker.
"""

from __future__ import annotations

import ast
import difflib
import functools
import io
import re
import tokenize
import traceback
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionError

MAX_BYTES = 1_000_000
SUFFIXES = (".py", ".ipynb")
IGNORED_FOLDERS = ("__MACOSX", "__pycache__")  # what zip tools and Python add: never a student's answer
# Notebook cells tagged with one of these are not part of the answer (the check cell, demos).
SKIP_TAGS = frozenset({"skip-grading", "check", "demo"})
_LINE = re.compile(r"\bline (?P<line>\d+)(?=: )")


@dataclass(frozen=True)
class CellLines:
    """Where one notebook cell's code sits in the extracted source (1-based, inclusive)."""

    label: str  # "cell [7]" (its execution count, as Jupyter shows it) or "cell 5" (its position)
    first: int
    last: int


@dataclass(frozen=True)
class Submission:
    path: Path
    module: str
    source: str
    cells: tuple[CellLines, ...] = ()  # for a notebook: which lines of `source` came from which cell

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"

    def where(self, line: int) -> str:
        """'line 12' of a .py file; 'cell [7], line 2' of a notebook where the line is in a cell."""
        for cell in self.cells:
            if cell.first <= line <= cell.last:
                return f"{cell.label}, line {line - cell.first + 1}"
        return f"line {line}"

    def relabel(self, text: str) -> str:
        """Line numbers in a message ('(line 40: out[i] = ...)') turned into cells for a notebook."""
        if not self.cells or not text:
            return text
        return _LINE.sub(lambda match: self.where(int(match["line"])), text)

    def import_failure(self, described: str) -> str:
        """The verdict when running the file (or the notebook's cells) failed before any check."""
        if not self.is_notebook:
            return f"importing your file failed: {described}"
        return (f"running your notebook's code cells failed: {self.relabel(described)}. When a notebook is graded, "
                "its code cells run from top to bottom in a fresh process (like Restart & Run All), leaving out "
                f"the cells tagged {', '.join(sorted(SKIP_TAGS))}: fix that cell, or tag it skip-grading if it is "
                "not part of your answer")

    @functools.cached_property
    def _parsed(self) -> ast.Module | BaseException:
        """The syntax tree, or why Python's own parser could not build one. A file nested far
        past what any program needs (200,000 unary minus signs, 100,000 `not`s, 50,000
        `lambda:`s) makes `ast.parse` raise MemoryError or RecursionError rather than
        SyntaxError; that is the file's problem, never the grader's."""
        try:
            return ast.parse(self.source, filename=self.path.name)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
            return error

    @property
    def parse_problem(self) -> str | None:
        """Why this file cannot be graded at all, as its verdict says it, or None."""
        error = self._parsed
        if isinstance(error, SyntaxError):
            return f"your file has a syntax error:\n{self.syntax_error}"
        if isinstance(error, BaseException):
            return (f"Python cannot parse your file: its expressions nest far too deeply ({type(error).__name__} in "
                    "Python's own parser); write it with fewer nested operators, brackets or lambdas")
        return None

    @property
    def syntax_error(self) -> str | None:
        """The syntax error as Python shows it, or None::

              File "exercise1_convolution.py", line 7
                out[0, 0] = = 1
                            ^
            SyntaxError: invalid syntax

        ('File "notebook.ipynb", cell 5, line 2' in a notebook.)
        """
        error = self._parsed
        if not isinstance(error, SyntaxError):
            return None
        shown = traceback.format_exception_only(SyntaxError, error)
        where = f'  File "{self.path.name}", {self.where(error.lineno or 0)}\n'
        return "".join([where, *shown[1:]]).rstrip()

    def forbidden_imports(self, forbidden: tuple[str, ...]) -> list[str]:
        """'line 3: torch' for every import of a forbidden module (also via __import__ or importlib)."""
        tree = self._parsed
        if isinstance(tree, BaseException):
            return []
        found = []
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
            else:
                continue
            found += [f"{self.where(node.lineno)}: {name}" for name in names if name.partition(".")[0] in forbidden]
        return found


def _is_dynamic_import(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "__import__") or \
        (isinstance(func, ast.Attribute) and func.attr == "import_module")


def locate(module: str, given: str | Path | None, *, cwd: Path | None = None) -> Path:
    """The file to grade: `given` (a file, or a folder holding `<module>.py` or `.ipynb` at any
    depth, the shallowest first, as `grade batch` finds it), else exercises/<module>.py."""
    cwd = Path.cwd() if cwd is None else cwd
    if given is None:
        folder = cwd / "exercises"
        path = _in_folder(folder, module)
        if path is None:
            raise SubmissionError(
                f"no submission at {_shown(folder / (module + '.py'), cwd)}: run `grade` in the course kit's "
                "folder, or pass --submission PATH")
        return path
    path = Path(given).expanduser()
    path = path if path.is_absolute() else cwd / path
    if path.is_dir():
        found = find(path, module)
        if found is None:
            shown = _shown(path, cwd) if path != cwd else str(path)
            raise SubmissionError(f"no {module}.py or {module}.ipynb in {shown} or any folder below it")
        if found.is_symlink() or not found.resolve().is_relative_to(path.resolve()) or not found.is_file():
            raise SubmissionError(f"{_shown(found, cwd)} is a link or not a regular file; submit the file itself")
        return found
    if not path.exists():
        raise SubmissionError(f"no such file: {_shown(path, cwd)}{_suggest(path, cwd)}")
    if path.suffix not in SUFFIXES:
        raise SubmissionError(f"{_shown(path, cwd)} is not a .py file or a .ipynb notebook")
    return path


def find(folder: Path, module: str) -> Path | None:
    """`<module>.py` or `.ipynb` in `folder` or below it: the shallowest, a .py before a notebook;
    folders that are links are not entered, and `__MACOSX` / `__pycache__` are left out."""
    names = {f"{module}{suffix}" for suffix in SUFFIXES}
    found = sorted(
        (path for path in folder.rglob(f"{module}.*")
         if path.name in names and not set(path.relative_to(folder).parts) & set(IGNORED_FOLDERS)),
        key=lambda path: (len(path.relative_to(folder).parts), path.suffix != ".py", str(path)),
    )
    return found[0] if found else None


def read(path: Path, module: str) -> Submission:
    """The submission's Python text; SubmissionError when it cannot be read as such."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SubmissionError(f"cannot read {path.name}: {error.strerror}") from None
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"{path.name} is {len(data):,} bytes; a submission may be at most {MAX_BYTES:,}")
    if path.suffix == ".ipynb":
        source, cells = notebook_cells(data, path)
        return Submission(path, module, source, cells)
    return Submission(path, module, _decode(data, path))


def _decode(data: bytes, path: Path) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        where = f" at byte {error.start}" if isinstance(error, UnicodeDecodeError) else ""
        raise SubmissionError(f"{path.name} is not UTF-8 text{where}: save it as UTF-8 and grade again") from None


def notebook_code(data: bytes, path: Path) -> str:
    """The code cells of a notebook, in order, without the cells tagged as not part of the answer.

    IPython magics and shell escapes (`%matplotlib`, `!pip`) become comments.
    """
    return notebook_cells(data, path)[0]


def notebook_cells(data: bytes, path: Path) -> tuple[str, tuple[CellLines, ...]]:
    """`notebook_code`, and which lines of it came from which cell (for error messages)."""
    import warnings

    import nbformat

    text = _decode(data, path)
    try:
        with warnings.catch_warnings():  # old notebooks lack cell ids: not the student's problem
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
            nbformat.validate(notebook)
    except Exception as error:  # not JSON, not a notebook, or fields of the wrong type ("tags": 5)
        raise SubmissionError(f"{path.name} is not a readable notebook: {_first_line(error)}") from None
    chunks, spans, line = [], [], 1
    for index, cell in enumerate(notebook.cells, 1):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type != "code" or tags & SKIP_TAGS:
            continue
        lines = [f"# {text}" if text.lstrip().startswith(("%", "!")) else text
                 for text in cell.source.splitlines()]
        count = cell.get("execution_count")
        label = f"cell [{count}]" if isinstance(count, int) else f"cell {index}"
        chunks.append(f"# --- {label} ---\n" + "\n".join(lines))
        spans.append(CellLines(label, line + 1, line + max(len(lines), 1)))
        line += max(len(lines), 1) + 2  # the marker line, the cell, and the blank line between cells
    return "\n\n".join(chunks) + "\n", tuple(spans)


def _first_line(error: Exception) -> str:
    """nbformat's validation errors run to dozens of lines; the first says what is wrong, and
    the path says where ('cells/3/metadata/tags: 5 is not of type 'array'')."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    where = "/".join(str(part) for part in getattr(error, "relative_path", None) or ())
    return ((f"{where}: " if where else "") + (lines[0] if lines else type(error).__name__))[:300]


def _in_folder(folder: Path, module: str) -> Path | None:
    for suffix in SUFFIXES:
        if (folder / f"{module}{suffix}").is_file():
            return folder / f"{module}{suffix}"
    return None


def _suggest(path: Path, cwd: Path) -> str:
    if not path.parent.is_dir():
        return f" (there is no folder {_shown(path.parent, cwd)})"
    names = [child.name for child in path.parent.iterdir()]
    close = difflib.get_close_matches(path.name, names, n=1)
    return f"; did you mean {_shown(path.parent / close[0], cwd)}?" if close else ""


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
