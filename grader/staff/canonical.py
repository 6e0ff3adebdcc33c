"""Code as `grade similarity` compares it: what changes the text but not the program, undone.

A copy can be disguised without changing what it computes: each statement wrapped in `if True:`,
a `pass` or a bare constant after every line, branches that never run, code after `return`, a
loop turned into a comprehension. Each one breaks the runs of tokens that fingerprints match,
so before fingerprinting each file is parsed and written out again as a canonical text where:

- docstrings, `pass`, bare constants and names, `x = x`, `x += 0` and `x *= 1` are gone;
- an `if`, `while` or `a if c else b` whose test is a constant is the branch that always runs;
- statements after `return`, `raise`, `break` or `continue` in the same block are gone;
- a comprehension is the loop it stands for, written before its statement, and in a loop's body
  `out[i, j] = e`, `out[i] += e`, `total += e` and `out.append(e)` are written as `e`, so that a
  loop and the comprehension that replaces it read alike;
- a run of assignments is written in one order, whatever order it was written in (as far as the
  names they read and write allow), so that reordering independent statements changes nothing.

Each piece of the canonical text (a statement, or a compound statement's header) remembers the
characters of the original it came from, so that what matches is marked in the file the student
wrote, whole tokens at a time. A file Python cannot parse (a syntax error) is compared as
written, a line at a time; one nested too deeply for Python's parser is refused (SubmissionError).
"""

from __future__ import annotations

import ast
import copy
import operator
import re
from dataclasses import dataclass

from grader.errors import SubmissionError

Span = tuple[int, int]  # [start, end) in characters of the original code

_BLOCKS = ("body", "handlers", "orelse", "finalbody")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
Comprehension = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
Assignment = ast.Assign | ast.AugAssign | ast.AnnAssign
_TERMINAL = (ast.Return, ast.Raise, ast.Break, ast.Continue)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_REORDERED = 40  # assignments in one run put in a canonical order; a longer run is cut
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not}


@dataclass(frozen=True)
class Piece:
    start: int  # [start, end) of the canonical text
    end: int
    origins: tuple[Span, ...]  # where it stands in the original


@dataclass(frozen=True)
class Canonical:
    text: str
    pieces: tuple[Piece, ...]
    parsed: bool  # False: a syntax error, compared as written


def canonical(code: str) -> Canonical:
    """The canonical text of `code` (its lines ended by `\\n` alone, see `plain_lines`); SubmissionError
    when the grader cannot parse or rewrite it."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):  # a syntax error (or a NUL byte): compare the text as it is
        return _as_written(code)
    except (MemoryError, RecursionError):
        raise SubmissionError("nested too deeply for Python's parser (and so for the grader): not compared") from None
    try:
        rewrite = _Rewrite(code, tree)
        writer = _Writer(rewrite.origins)
        writer.write(rewrite.block(tree.body), 0)
    except (MemoryError, RecursionError):
        raise SubmissionError("nested too deeply for the grader to compare: not compared") from None
    return Canonical("".join(writer.text), tuple(writer.pieces), parsed=True)


def plain_lines(code: str) -> str:
    """`code` with `\\r\\n` and `\\r` line ends as `\\n`: Python ends lines at all three, and offsets
    into the code are only right when every line ends the same way."""
    return code.replace("\r\n", "\n").replace("\r", "\n")


def line_starts(code: str) -> list[int]:
    """Where each line of `code` starts, and where the last one ends."""
    starts = [0, *(found.end() for found in re.finditer("\n", code))]
    return starts if starts[-1] == len(code) else [*starts, len(code)]


def _as_written(code: str) -> Canonical:
    starts = line_starts(code)
    return Canonical(code, tuple(Piece(start, end, ((start, end),)) for start, end in zip(starts, starts[1:])), parsed=False)


class _Rewrite:
    """The rewriting rules, applied to a parsed module's statements (see the module docstring)."""

    def __init__(self, code: str, tree: ast.Module):
        self.code = code
        self.starts = line_starts(code)
        self.origins: dict[int, tuple[Span, ...]] = {}  # id(node) -> spans, for the nodes written out
        for node in ast.walk(tree):
            if isinstance(node, (ast.stmt, ast.ExceptHandler)):
                start, end = self.span(node)
                first = next((getattr(node, name)[0] for name in _BLOCKS if getattr(node, name, None)), None)
                self.origins[id(node)] = ((start, self.span(first)[0] if first is not None else end),)

    def span(self, node) -> Span:
        starts = [node, *getattr(node, "decorator_list", [])]
        start = min(self.offset(item.lineno, item.col_offset) for item in starts)
        return start, self.offset(node.end_lineno, node.end_col_offset)

    def offset(self, line: int, column: int) -> int:
        """A character offset from ast's line and UTF-8 byte column."""
        text = self.code[self.starts[line - 1]:self.starts[line]] if line < len(self.starts) else ""
        return self.starts[line - 1] + len(text.encode("utf-8")[:column].decode("utf-8", "replace"))

    def block(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        done = []
        for statement in statements:
            for kept in self.statement(statement):
                done.append(kept)
                if isinstance(kept, _TERMINAL):
                    return _ordered(done)  # the rest of the block never runs
        return _ordered(done)

    def statement(self, node: ast.stmt) -> list[ast.stmt]:
        if _no_op(node):
            return []
        if isinstance(node, ast.If) and _truth(node.test) is not None:
            return self.block(node.body if _truth(node.test) else node.orelse)
        if isinstance(node, ast.While) and _truth(node.test) is False:
            return self.block(node.orelse)
        loops = [kept for comprehension in self.hoist(node) for kept in self.statement(self.loop(comprehension))]
        if _no_op(node):  # a bare comprehension, now its loop
            return loops
        for name in _BLOCKS:
            if name == "handlers":
                for handler in getattr(node, "handlers", []):
                    handler.body = self.block(handler.body)
            elif getattr(node, name, None):
                setattr(node, name, self.block(getattr(node, name)))
        for case in getattr(node, "cases", []):
            case.body = self.block(case.body)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            node.body = [self.sink(statement) for statement in node.body]
        return [*loops, node]

    def hoist(self, node: ast.stmt) -> list[Comprehension]:
        """Take the comprehensions out of the statement's own expressions (not its blocks), each
        replaced by a name; return them, outermost first."""
        hoister = _Hoist()
        for name, value in ast.iter_fields(node):
            if name in _BLOCKS or name == "cases":
                continue
            if isinstance(value, ast.AST):
                setattr(node, name, hoister.visit(value))
            elif isinstance(value, list):
                setattr(node, name, [hoister.visit(item) if isinstance(item, ast.AST) else item for item in value])
        for comprehension in hoister.found:
            self.origins[id(node)] = _minus(self.origins.get(id(node), ()), self.span(comprehension))
        return hoister.found

    def loop(self, comprehension: Comprehension) -> ast.stmt:
        """`[e for t in it if c]` as `for t in it: if c: e`."""
        element: ast.expr
        if isinstance(comprehension, ast.DictComp):
            element = ast.copy_location(ast.Tuple([comprehension.key, comprehension.value], ast.Load()), comprehension.key)
        else:
            element = comprehension.elt
        statement = self.made(ast.Expr(element), element, (self.span(element),))
        body = [statement]
        start = self.span(comprehension)[0]
        for generator in reversed(comprehension.generators):
            for condition in reversed(generator.ifs):
                where = self.span(condition)
                body = [self.made(ast.If(condition, body, []), condition, ((self.keyword("if", start, where), where[1]),))]
            where = (self.keyword("for", start, self.span(generator.target)), self.span(generator.iter)[1])
            loop = (ast.AsyncFor if generator.is_async else ast.For)(generator.target, generator.iter, body, [], None)
            body = [self.made(loop, generator.target, (where,))]
        return body[0]

    def sink(self, node: ast.stmt) -> ast.stmt:
        """A loop body's `out[i] = e`, `out[i] += e`, `total += e`, `out.append(e)` as `e`."""
        value = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            value = node.value
        elif isinstance(node, ast.AugAssign):
            value = node.value
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and len(node.value.args) == 1 \
                and not node.value.keywords and isinstance(node.value.func, ast.Attribute) \
                and node.value.func.attr == "append":
            value = node.value.args[0]
        if value is None:
            return node
        return self.made(ast.Expr(value), node, self.origins.get(id(node), ()))

    def made(self, node: ast.stmt, like: ast.AST, origins: tuple[Span, ...]) -> ast.stmt:
        ast.copy_location(node, like)
        self.origins[id(node)] = origins
        return node

    def keyword(self, word: str, floor: int, span: Span) -> int:
        """Where the `for` or `if` before a comprehension's part starts (or the part itself)."""
        found = self.code.rfind(word, floor, span[0])
        return found if found >= 0 else span[0]


class _Hoist(ast.NodeTransformer):
    """Replaces each outermost comprehension with the name `_`, collecting it; resolves constant
    conditional expressions."""

    def __init__(self):
        self.found: list[Comprehension] = []

    def visit_IfExp(self, node: ast.IfExp):
        truth = _truth(node.test)
        return self.generic_visit(node) if truth is None else self.visit(node.body if truth else node.orelse)

    def comprehension(self, node: Comprehension):
        self.found.append(node)
        return ast.copy_location(ast.Name("_", ast.Load()), node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = comprehension


class _Writer:
    """The canonical text, a piece per statement and per compound statement's header."""

    def __init__(self, origins: dict[int, tuple[Span, ...]]):
        self.origins = origins
        self.text: list[str] = []
        self.pieces: list[Piece] = []
        self.length = 0

    def piece(self, depth: int, text: str, origins: tuple[Span, ...]) -> None:
        line = "\n".join("    " * depth + part for part in text.splitlines()) + "\n"
        self.pieces.append(Piece(self.length, self.length + len(line) - 1, origins))
        self.text.append(line)
        self.length += len(line)

    def write(self, statements: list[ast.stmt], depth: int) -> None:
        for node in statements:
            if not any(getattr(node, name, None) for name in _BLOCKS):  # a simple statement, or a match
                self.piece(depth, ast.unparse(node), self.origins.get(id(node), ()))
                continue
            self.piece(depth, ast.unparse(_shell(node)), self.origins.get(id(node), ()))
            self.write(getattr(node, "body", []), depth + 1)  # a statement with a block has a body
            for handler in getattr(node, "handlers", []):
                self.piece(depth, ast.unparse(_shell(handler)), self.origins.get(id(handler), ()))
                self.write(handler.body, depth + 1)
            for word, name in (("else:", "orelse"), ("finally:", "finalbody")):
                if getattr(node, name, None):
                    self.piece(depth, word, ())
                    self.write(getattr(node, name), depth + 1)


def _ordered(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The block with each run of assignments in one order whatever order it was written in: of
    the assignments that no earlier one of the run must precede (by the names they read and
    write), the one whose text with every name folded is smallest comes first."""
    done: list[ast.stmt] = []
    run: list[Assignment] = []
    for statement in [*statements, None]:
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and len(run) < MAX_REORDERED:
            run.append(statement)
            continue
        names = [_names(node) for node in run]
        keys = [_NAME.sub("V", ast.unparse(node)) for node in run]
        waiting = list(range(len(run)))
        while waiting:
            ready = [index for position, index in enumerate(waiting)
                     if not any(_conflict(names[earlier], names[index]) for earlier in waiting[:position])]
            chosen = min(ready, key=lambda index: keys[index])
            waiting.remove(chosen)
            done.append(run[chosen])
        run = [statement] if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)) else []
        if statement is not None and not run:
            done.append(statement)
    return done


def _names(node: Assignment) -> tuple[set[str], set[str]]:
    """(read, written): a subscript or attribute target writes its base name, `x += 1` reads x too."""
    read: set[str] = set()
    written: set[str] = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            (written if isinstance(part.ctx, ast.Store) else read).add(part.id)
    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
        while isinstance(target, (ast.Subscript, ast.Attribute)):
            target = target.value
        if isinstance(target, ast.Name):
            written.add(target.id)
            if isinstance(node, ast.AugAssign):
                read.add(target.id)
    return read, written


def _conflict(first: tuple[set[str], set[str]], second: tuple[set[str], set[str]]) -> bool:
    return bool(first[1] & (second[0] | second[1]) or second[1] & first[0])


def _shell(node: ast.AST) -> ast.AST:
    """The node without its blocks: unparsed, its header alone (`for i in range(n):`)."""
    shell = copy.copy(node)
    for name in _BLOCKS:
        if hasattr(shell, name):
            setattr(shell, name, [])
    return shell


def _no_op(node: ast.stmt) -> bool:
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Name) or _truth(node.value) is not None
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
        return isinstance(target, ast.Name) and isinstance(value, ast.Name) and target.id == value.id
    if isinstance(node, ast.AugAssign) and isinstance(node.value, ast.Constant):
        neutral = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}.get(type(node.op))
        return neutral is not None and type(node.value.value) in (int, float) and node.value.value == neutral
    return False


def _truth(node: ast.expr) -> bool | None:
    """True or False for a test that is a constant (`True`, `1`, `not 0`, `1 == 1`), else None."""
    try:
        return bool(_constant(node))
    except (_NotConstant, TypeError, ValueError):
        return None


class _NotConstant(Exception):
    pass


def _constant(node: ast.expr):
    """The value of a small expression of literals; never anything that could take long (no
    arithmetic: `9**9**9` is not evaluated)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _constant(node.operand)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _constant(node.operand)
        if type(value) not in (int, float, bool):
            raise _NotConstant
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BoolOp):
        values = [_constant(value) for value in node.values]
        pick = (lambda value: not value) if isinstance(node.op, ast.And) else bool
        return next((value for value in values[:-1] if pick(value)), values[-1])
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        values = [_constant(node.left), *map(_constant, node.comparators)]
        if any(type(value) not in (int, float, bool, str, type(None)) for value in values):
            raise _NotConstant
        return all(_COMPARE[type(op)](left, right) for op, left, right in zip(node.ops, values, values[1:]))
    raise _NotConstant


def _minus(spans: tuple[Span, ...], hole: Span) -> tuple[Span, ...]:
    kept = []
    for start, end in spans:
        kept += [(start, min(end, hole[0]))] if start < hole[0] else []
        kept += [(max(start, hole[1]), end)] if end > hole[1] else []
    return tuple((start, end) for start, end in kept if start < end)
