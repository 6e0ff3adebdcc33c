"""Does the student kit hold an answer? The two checks `grade release` makes before it writes anything.

1. **Solution lines**, line by line: no line of a solution block (`grader.stubs.solution_lines`)
   appears in any text file of the kit (code, templates, notebooks and their outputs, README),
   except lines the kit's own grading code holds as well (`N, C, H, W = x.shape` in a
   declaration), which are listed, not counted, and idioms too short to answer anything
   (`loss.backward()`: fewer than MIN_LINE_TOKENS tokens).
2. **Functions, normalised**: no function of `reference/`, of the solutions' answer blocks or of
   the answer keys (`grader/catalog/keys/`: the mistakes' reproductions) survives in the kit's
   Python files, judged on tokens with the author's names, numbers and strings folded (`for i in
   range(H - KH + 1)` and `for row in range(height - k + 1)` are the same code; attributes such
   as `.shape` or `np.einsum` are kept), so that renaming, reformatting or re-commenting an
   answer does not let it through. A function survives when
   every token of its body, in order, appears in one kit file, or when a kit file holds most of
   its runs of `RUN` tokens (`SHARE`).
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import token
import tokenize
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError

RUN = 6  # tokens per run compared
SHARE = 0.7  # the share of a function's runs found in one kit file that makes it a survivor
MIN_TOKENS = 24  # bodies shorter than this (`return self.decoder(self.encoder(x))`) are too generic to judge
MIN_LINE_TOKENS = 6  # solution lines shorter than this (`loss.backward()`, `return out`) are idioms, not answers
_KEPT_NAMES = set(keyword.kwlist) | {"np", "torch", "nn", "F", "range", "len", "sum", "zip", "enumerate"}


@dataclass
class Leak:
    path: str
    line_number: int
    line: str
    solution: str


@dataclass
class Survivor:
    """A secret function found, normalised, in a kit file."""

    function: str  # 'reference/convolution.py:conv2d'
    path: str  # the kit file
    share: float


def find_leaks(kit: Path, root: Path) -> tuple[list[Leak], list[str], int]:
    """Every line of every file in `kit` that is a solution line; the exempt lines; the count checked.

    A solution line that the kit's own grading code also holds (grader/, not reference/: the
    kit has none) is public by design and exempt wherever it appears; every other file is held
    to every solution line.
    """
    from grader.stubs import solution_lines

    secret: dict[str, str] = {}
    for solution in sorted((root / "solutions").glob("*.py")):
        for line in solution_lines(solution.read_text(encoding="utf-8")):
            if len(_normalised(line)) >= MIN_LINE_TOKENS:
                secret.setdefault(line, f"solutions/{solution.name}")
    public = {line.strip() for path in sorted((kit / "grader").rglob("*.py"))
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


def find_survivors(kit: Path, secret_files: list[tuple[str, str]]) -> list[Survivor]:
    """The secret functions (from `secret_files`: (name shown, source)) found normalised in the kit's .py files."""
    kit_files = {path.relative_to(kit).as_posix(): _normalised(path.read_text(encoding="utf-8"))
                 for path in sorted(kit.rglob("*.py"))}
    kit_runs = {name: set(_runs(tokens)) for name, tokens in kit_files.items()}
    found = []
    for shown, function, body in judged_functions(secret_files):
        runs = set(_runs(body))
        for name, tokens in kit_files.items():
            share = len(runs & kit_runs[name]) / len(runs)
            if share >= SHARE or _contains(tokens, body):
                found.append(Survivor(f"{shown}:{function}", name, round(share, 2)))
                break
    return found


def judged_functions(secret_files: list[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    """(file shown, function name, normalised body) of every secret function long enough to judge."""
    return [(shown, function, body) for shown, source in secret_files for function, body in _functions(source)
            if len(body) >= MIN_TOKENS]


def secret_sources(root: Path) -> list[tuple[str, str]]:
    """What must not survive: reference/, the answer keys, and the solutions' answer blocks."""
    import textwrap

    from grader.stubs import solution_blocks

    sources = [(path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
               for folder in ("reference", "grader/catalog/keys") for path in sorted((root / folder).rglob("*.py"))]
    for path in sorted((root / "solutions").glob("*.py")):
        for number, block in enumerate(solution_blocks(path.read_text(encoding="utf-8")), 1):
            sources.append((f"solutions/{path.name}#{number}", "def answer():\n" + textwrap.indent(block, "    ")))
    return sources


def _normalised(source: str) -> list[str]:
    """The code's tokens with names, numbers and strings folded; no comments, docstrings or layout."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    kept: list[str] = []
    previous = token.NEWLINE
    for item in tokens:
        kind = item.type
        if kind in (token.COMMENT, token.NL, token.NEWLINE, token.INDENT, token.DEDENT, token.ENDMARKER,
                    tokenize.ENCODING):
            if kind == token.NEWLINE:
                previous = token.NEWLINE
            continue
        if kind == token.STRING and previous in (token.NEWLINE, token.INDENT):
            previous = kind  # a docstring or a bare string: not code
            continue
        previous = kind
        if kind == token.NAME:  # an attribute (`.shape`, `np.einsum`) is an API's name, not the author's
            kept.append(item.string if item.string in _KEPT_NAMES or kept[-1:] == ["."] else "N")
        elif kind == token.NUMBER:
            kept.append("0")
        elif kind == token.STRING or kind == getattr(token, "FSTRING_START", -1):
            kept.append("S")
        else:
            kept.append(item.string)
    return kept


def _functions(source: str):
    """(name, normalised body tokens) of every function in `source`, nested ones included."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    lines = source.splitlines(keepends=True)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            start = first.lineno - 1 if not _is_docstring(first) or len(node.body) == 1 else node.body[1].lineno - 1
            body = "".join(lines[start:node.end_lineno])
            yield node.name, _normalised(_dedented(body))


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _dedented(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


def _runs(tokens: list[str]) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + RUN]) for i in range(max(0, len(tokens) - RUN + 1))]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if len(needle) > len(haystack):
        return False
    text, part = "\x1f".join(haystack), "\x1f".join(needle)
    return f"\x1f{part}\x1f" in f"\x1f{text}\x1f"


def _text_lines(path: Path, relative: str):
    """(line number, line) of a text file; of a notebook, of every cell's source and text outputs."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        if path.suffix in (".bank", ".npy"):  # recorded answers: data, checked when they are written
            return
        raise GraderError(f"the kit holds a binary file, {relative}, that the leak check cannot read; "
                          "leave it out or ship it as text") from None
    yield from enumerate(text.splitlines(), 1)
    if path.suffix == ".ipynb":
        notebook = json.loads(text)
        for cell in notebook.get("cells", []):
            parts = [cell.get("source", "")] + [output.get("text", "") for output in cell.get("outputs", [])]
            for part in parts:
                yield from enumerate(("".join(part) if isinstance(part, list) else part).splitlines(), 1)
