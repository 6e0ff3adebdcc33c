"""Student stubs, generated from `solutions/`: the one source of every exercise.

A solution block runs from `# BEGIN SOLUTION: <hint>` to `# END SOLUTION`; in the stub it
becomes `raise NotImplementedError("<hint>")` at the same indentation. Everything outside the
blocks (docstrings, signatures, imports) is copied as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from grader.errors import GraderError

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION(?::\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
DEFAULT_HINT = "write your code here"


def make_stub(source: str, *, name: str = "<solution>") -> str:
    """The stub for one solution file's text."""
    lines, start = [], None
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if start is not None:
                raise GraderError(f"{name}:{number}: BEGIN SOLUTION inside the block opened on line {start}")
            start = number
            hint = json.dumps(begin["hint"] or DEFAULT_HINT, ensure_ascii=False)
            lines.append(f"{begin['indent']}raise NotImplementedError({hint})\n")
        elif end:
            if start is None:
                raise GraderError(f"{name}:{number}: END SOLUTION without a BEGIN SOLUTION")
            start = None
        elif start is None:
            lines.append(line)
    if start is not None:
        raise GraderError(f"{name}:{start}: BEGIN SOLUTION is never closed with END SOLUTION")
    return "".join(lines)


def solution_lines(source: str) -> list[str]:
    """The code lines inside solution blocks (stripped, non-blank): what must never leak."""
    inside, found = False, []
    for line in source.splitlines():
        if BEGIN.match(line):
            inside = True
        elif END.match(line):
            inside = False
        elif inside and line.strip() and not line.strip().startswith("#"):
            found.append(line.strip())
    return found


def solution_blocks(source: str) -> list[str]:
    """Each solution block's code, dedented: the answers `grade release` makes sure the kit does not hold."""
    import textwrap

    blocks: list[str] = []
    inside: list[str] | None = None  # the lines of the block being read
    for line in source.splitlines(keepends=True):
        if BEGIN.match(line):
            inside = []
        elif END.match(line) and inside is not None:
            blocks.append(textwrap.dedent("".join(inside)))
            inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


def write_stubs(solutions: Path, exercises: Path, *, check: bool = False) -> list[Path]:
    """Write `exercises/<name>.py` for every `solutions/<name>.py`; return the files that changed.

    With `check`, write nothing: only report which stubs differ from what generation gives.
    """
    changed = []
    for solution in sorted(solutions.glob("exercise*.py")):
        stub = make_stub(solution.read_text(encoding="utf-8"), name=str(solution))
        target = exercises / solution.name
        if not target.exists() or target.read_text(encoding="utf-8") != stub:
            changed.append(target)
            if not check:
                target.write_text(stub, encoding="utf-8")
    return changed
