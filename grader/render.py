"""Reports: one Jinja2 environment over templates/, one function per output format.

Templates render, code decides: everything a person reads is in templates/; this module
only chooses the template and provides the filters that turn values into text.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path

from grader.results import Report

log = logging.getLogger(__name__)

FORMATS = ("text", "markdown", "html", "json", "gradescope", "junit")
_TEMPLATES = {"text": "report.txt.j2", "markdown": "report.md.j2", "html": "report.html.j2",
              "junit": "junit.xml.j2"}


def templates_folder() -> Path:
    import grader.templates

    return Path(grader.templates.__file__).parent


@functools.cache
def environment():
    """The one Jinja2 environment: autoescape for HTML and XML, strict about undefined names."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_folder()),
        autoescape=lambda name: bool(name) and name.endswith((".html.j2", ".xml.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_compiled_templates(),
    )
    env.filters["value"] = format_value
    env.filters["points"] = format_points
    env.filters["sentence"] = sentence
    env.filters["style"] = lambda text, *_: text
    env.filters["xml"] = xml_text
    env.filters["code"] = markdown_code
    env.globals["pictures"] = pictures
    env.globals["check_text"] = check_text
    env.globals["fence"] = markdown_fence
    return env


def _compiled_templates():
    """The templates, compiled, kept in the grader's cache folder (compiling the text report's takes
    10 ms of every `grade`); Jinja2 checks each against its template's source and its own version.
    None when the cache is off or cannot be made."""
    import jinja2

    from grader.layout import cache_base

    base = cache_base()
    if base is None:
        return None
    folder = base / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None

    class Kept(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:  # a cache that cannot be written only means compiling next time
                pass

    return Kept(str(folder))


def prepare(format: str) -> None:
    """Load `format`'s template now, for render() to find it loaded. What fails here fails again in
    render(), where it is reported."""
    try:
        if format in _TEMPLATES:
            environment().get_template(_TEMPLATES[format])
    except Exception as error:  # noqa: BLE001 - only a head start
        log.debug("the %s template was not loaded ahead: %s", format, error)


def render(report: Report, format: str, *, color: bool = False, student: str = "", marks: dict | None = None) -> str:
    """The report as `format` (one of FORMATS); `student` names whose report it is and `marks` how
    each exercise's grade became the course's score (batch: grader/staff/marks.py)."""
    if format == "json":
        return json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
    if format == "gradescope":
        return json.dumps(gradescope(report), indent=2, allow_nan=False) + "\n"
    template = environment().get_template(_TEMPLATES[format])
    return template.render(report=report, color=color, style=_styler(color), student=student, marks=marks or {})


def gradescope(report: Report) -> dict:
    """Gradescope's results.json: the same fields, test output as text, `error` shown as failed.
    An exercise where nothing ran (missing, unreadable, failed on import) is one test, worth the
    exercise's points, that says why once."""
    tests = []
    for result in report.exercises:
        prefix = f"{result.exercise}: " if len(report.exercises) > 1 else ""
        if result.problem:
            tests.append({"name": f"{result.exercise}: {result.title}", "score": result.score,
                          "max_score": result.max_score, "status": "failed", "output": result.problem,
                          "visibility": "visible"})
            continue
        for test in result.tests:
            output = check_text(test).strip()
            tests.append({
                "name": prefix + test.name, "score": test.score, "max_score": test.max_score,
                "status": "passed" if test.status == "passed" else "failed",
                "output": ("GRADER ERROR (not your fault; tell the course staff): " if test.status == "error" else "")
                + output,
                "visibility": "after_published" if test.visibility == "hidden" else "visible",
            })
    notes = [note for result in report.exercises for note in result.notes]
    seeds = list(dict.fromkeys(str(result.seed) for result in report.exercises))
    return {"score": report.score, "execution_time": round(report.execution_time, 3),
            "output": "\n".join([*notes, *(f"seed: {seed}" for seed in seeds)]), "tests": tests}


def check_text(test) -> str:
    """One check's details as plain text (check.txt.j2): the body of a JUnit failure, Gradescope's output."""
    return environment().get_template("check.txt.j2").render(test=test, style=_styler(False))


# XML 1.0 allows tab, newline, carriage return and these ranges; anything else cannot be written at all.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value, attribute: bool = False):
    """`value` as XML character data (or, with `attribute`, an attribute value): markup escaped,
    and characters XML 1.0 forbids (NUL, ESC, lone surrogates, ...) written as `\\x1b`, so that
    the document parses whatever a submission printed."""
    from markupsafe import Markup, escape

    text = _NOT_XML.sub(lambda found: f"\\x{ord(found[0]):02x}" if ord(found[0]) < 0x100 else f"\\u{ord(found[0]):04x}",
                        str(value))
    text = str(escape(text))
    if attribute:  # a parser turns raw line breaks in an attribute into spaces
        text = text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return Markup(text)


def markdown_fence(text: str) -> str:
    """A code fence that nothing in `text` can close: tildes, one more than its longest run of
    tildes or backticks (at least eight)."""
    longest = max((len(run) for run in re.findall(r"~+|`+", str(text))), default=0)
    return "~" * max(8, longest + 1)


def markdown_code(text) -> str:
    """`text` as inline Markdown code, its delimiters longer than any run of backticks in it."""
    text = str(text).replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}" if longest or text.startswith(" ") or text.endswith(" ") else f"{ticks}{text}{ticks}"


def format_value(value, width: int = 88) -> str:
    """Arrays as `float64 (2, 3)` plus their values; large ones (ArraySummary) as their
    statistics and a window of values; anything else as its repr, cut short."""
    import numpy as np

    from grader.compare import ArraySummary

    if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0 and value.dtype.kind in "biufc":
        return f"{value.item()!r} ({value.dtype})"  # a number, not `int64 ()` over its value
    if isinstance(value, np.ndarray):
        body = np.array2string(value, precision=4, suppress_small=True, threshold=200, max_line_width=width)
        return f"{value.dtype} {value.shape}\n{body}"
    if isinstance(value, ArraySummary):
        statistics = ", ".join(f"{name} {number:.6g}" for name, number in
                               (("min", value.minimum), ("max", value.maximum), ("mean", value.mean))
                               if number is not None)
        where = ", ".join(f"{start}:{start + size}" for start, size in zip(value.window_start, value.window.shape))
        body = np.array2string(value.window, precision=4, suppress_small=True, max_line_width=width)
        return (f"{value.dtype} {value.shape} ({value.size:,} values; {statistics or 'no finite values'}; "
                f"{value.nan_count} NaN)\nvalues [{where}]:\n{body}")
    text = repr(value)
    return text if len(text) <= 2000 else f"{text[:2000]} ... ({len(text) - 2000:,} more characters)"


def format_points(value: float) -> str:
    return f"{value:g}"


def sentence(text: str) -> str:
    """The first letter upper-cased, the rest as it is (Jinja's `capitalize` lower-cases the rest)."""
    return text[:1].upper() + text[1:]


def pictures(counterexample):
    """A counterexample's arrays as grids (grader.visual), for the HTML report."""
    from grader.visual import compare

    return compare(counterexample.inputs, counterexample.expected, counterexample.actual)


def _styler(color: bool):
    if not color:
        return lambda text, *_: text
    import click

    colors = {"passed": "green", "failed": "red", "error": "yellow"}
    return lambda text, status=None: click.style(text, fg=colors.get(status), bold=status is None)
