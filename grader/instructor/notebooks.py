"""`grade notebooks`: student and solution notebooks rendered from templates/notebooks/.

A notebook template is Jinja2 text (the project's one environment) in which a line
`%% markdown` or `%% code` (optionally `%% code [demo, check]` with tags) starts a cell. The
template gets the exercise's declaration and its answer code, split per function: the solution
from solutions/, or (student) the stub generated from it, never whatever exercises/ holds now (a
student's edits must not end up in the notebooks). Building a notebook is a list of small steps
over a `Draft`; see STEPS.
"""

from __future__ import annotations

import ast
import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError

VARIANTS = ("student", "solution")
_CELL = re.compile(r"^%% (?P<kind>markdown|code)(?: \[(?P<tags>[^\]]*)\])?[ \t]*$")
_ATTACHMENT = re.compile(r"\(attachment:(?P<name>[\w.-]+)\)")
SHOWN_SIZE = 64  # largest array written out in a generated example cell
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass
class Draft:
    """A notebook being built: each step fills in or rewrites a part of it."""

    module: str
    variant: str
    root: Path
    text: str = ""
    cells: list[dict] = field(default_factory=list)
    figures: dict[str, bytes] = field(default_factory=dict)
    notebook: object = None


@dataclass(frozen=True)
class Chunk:
    name: str  # the function or class defined, or "preamble" for the imports before the first one
    source: str


@dataclass(frozen=True)
class Answer:
    """The exercise file split at its top-level definitions: `answer.conv2d`, `answer.chunks`."""

    chunks: tuple[Chunk, ...]

    def __getattr__(self, name: str) -> str:
        for chunk in self.chunks:
            if chunk.name == name:
                return chunk.source
        raise AttributeError(f"the exercise file defines no {name!r} (it has {[c.name for c in self.chunks]})")


def template_name(module: str) -> str:
    return f"notebooks/{module}.ipynb.j2"


def has_template(module: str) -> bool:
    from grader.render import templates_folder

    return (templates_folder() / template_name(module)).is_file()


# --- The steps --------------------------------------------------------------------------------

def render_text(draft: Draft) -> Draft:
    """The template rendered to text with `%% kind [tags]` cell headers."""
    from grader import catalog
    from grader.render import environment

    from grader.stubs import make_stub

    exercise = catalog.load(draft.module)
    solution = draft.root / "solutions" / f"{draft.module}.py"
    if not solution.is_file():
        raise GraderError(f"{solution} is missing: run `grade notebooks` in the course repository, which has "
                          "solutions/ (a student kit ships its notebooks ready in notebooks/)")
    code = solution.read_text(encoding="utf-8")
    if draft.variant == "student":
        code = make_stub(code, name=str(solution))

    def figure(array, name: str, alt: str = "") -> str:
        from grader.instructor.figures import array_png

        draft.figures[f"{name}.png"] = array_png(array)
        return f"![{alt or name}](attachment:{name}.png)"

    draft.text = environment().get_template(template_name(draft.module)).render(
        exercise=exercise, declaration=_declaration(draft.module), variant=draft.variant, student=draft.variant == "student",
        answer=split_answer(code), examples=lecture_examples(exercise),
        shown_examples=lecture_examples(exercise, max_size=SHOWN_SIZE),
        table=markdown_table, figure=figure, literal=python_literal,
    )
    return draft


def split_cells(draft: Draft) -> Draft:
    """Cut the text at its `%% markdown` / `%% code [tags]` lines; text before the first header is an error."""
    cells: list[dict] = []
    for number, line in enumerate(draft.text.splitlines(), 1):
        header = _CELL.match(line)
        if header:
            tags = [tag.strip() for tag in (header["tags"] or "").split(",") if tag.strip()]
            cells.append({"kind": header["kind"], "tags": tags, "lines": []})
        elif cells:
            cells[-1]["lines"].append(line)
        elif line.strip():
            raise GraderError(f"{template_name(draft.module)}: line {number} comes before the first "
                              f"`%% markdown` or `%% code` line: {line.strip()[:60]!r}")
    draft.cells = [{"kind": cell["kind"], "tags": cell["tags"], "source": "\n".join(cell["lines"]).strip("\n")}
                   for cell in cells]
    return draft


def drop_empty_cells(draft: Draft) -> Draft:
    draft.cells = [cell for cell in draft.cells if cell["source"].strip()]
    return draft


def attach_figures(draft: Draft) -> Draft:
    """Give each markdown cell the PNGs it references as `attachment:NAME.png`."""
    for cell in draft.cells:
        names = _ATTACHMENT.findall(cell["source"]) if cell["kind"] == "markdown" else []
        missing = [name for name in names if name not in draft.figures]
        if missing:
            raise GraderError(f"{template_name(draft.module)} refers to attachment:{missing[0]}, which no "
                              "figure(...) call made")
        cell["attachments"] = {name: {"image/png": base64.b64encode(draft.figures[name]).decode()} for name in names}
    return draft


def to_notebook(draft: Draft) -> Draft:
    """nbformat v4 cells with ids from their position, tags, and a Python 3 kernelspec."""
    import nbformat

    number = draft.module.partition("_")[0]
    notebook = nbformat.v4.new_notebook(metadata={
        "kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"},
        "cnn_grader": {"exercise": draft.module, "variant": draft.variant},
    })
    for index, cell in enumerate(draft.cells, 1):
        metadata = {"tags": cell["tags"]} if cell["tags"] else {}
        if "check" in cell["tags"]:
            metadata.update(editable=False, deletable=False)
        cell_id = f"{number}-{index:02d}"
        if cell["kind"] == "markdown":
            new = nbformat.v4.new_markdown_cell(cell["source"], id=cell_id, metadata=metadata)
            if cell.get("attachments"):
                new.attachments = cell["attachments"]
        else:
            new = nbformat.v4.new_code_cell(cell["source"], id=cell_id, metadata=metadata)
        notebook.cells.append(new)
    draft.notebook = notebook
    return draft


def validate(draft: Draft) -> Draft:
    import nbformat

    try:
        nbformat.validate(draft.notebook)
    except nbformat.ValidationError as error:
        raise GraderError(f"{template_name(draft.module)} gives an invalid notebook: {error.message}") from None
    return draft


# Order: render_text makes the text every later step reads; split_cells makes the cells that
# drop_empty_cells and attach_figures work on; to_notebook runs once the cell list is final
# (cell ids follow positions); validate checks the finished notebook.
STEPS = (render_text, split_cells, drop_empty_cells, attach_figures, to_notebook, validate)


def build_notebook(module: str, variant: str, *, root: Path = Path(".")):
    """The nbformat notebook for one exercise module and variant ("student" or "solution")."""
    if variant not in VARIANTS:
        raise GraderError(f"unknown notebook variant {variant!r}: use one of {', '.join(VARIANTS)}")
    draft = Draft(module=module, variant=variant, root=Path(root))
    for step in STEPS:
        draft = step(draft)
    return draft.notebook


@dataclass
class Written:
    paths: list[Path]
    skipped: list[str]  # modules without a notebook template


def write_notebooks(*, out: Path = Path("notebooks"), root: Path = Path("."), variants: tuple[str, ...] = VARIANTS,
                    modules: list[str] | None = None, flat: bool = False) -> Written:
    """Write OUT/<variant>/<module>.ipynb (OUT/<module>.ipynb with `flat`) for every exercise with a template."""
    import nbformat

    from grader import catalog

    modules = catalog.module_names() if modules is None else [catalog.resolve(name) for name in modules]
    written, skipped = [], []
    for module in modules:
        if not has_template(module):
            skipped.append(module)
            continue
        for variant in variants:
            notebook = build_notebook(module, variant, root=root)
            path = Path(out) / ("" if flat else variant) / f"{module}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(path))
            written.append(path)
    return Written(written, skipped)


# --- What templates get ------------------------------------------------------------------------

def split_answer(source: str) -> Answer:
    """The exercise file cut before each top-level def or class (with its comments and decorators).

    The module docstring is left out (the notebook's Markdown says the same); what comes before
    the first definition (the imports) is the chunk named "preamble".
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body
    skip_until = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        assert body[0].end_lineno is not None  # ast.parse gives every statement its end
        skip_until = body[0].end_lineno
    starts = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            while first - 2 >= skip_until and lines[first - 2].lstrip().startswith("#"):
                first -= 1  # comments just above a definition belong to it
            starts.append((first, node.name))
    chunks = []
    bounds = [(skip_until + 1, "preamble")] + starts + [(len(lines) + 1, "")]
    for (start, name), (end, _) in zip(bounds, bounds[1:]):
        text = "\n".join(lines[start - 1:end - 1]).strip("\n")
        if text.strip():
            chunks.append(Chunk(name, text))
    return Answer(tuple(chunks))


def lecture_examples(exercise, *, max_size: int | None = None) -> dict[str, list]:
    """{function: [Example, ...]}: the lecture's worked examples the exercise's checks use.

    With `max_size`, only those whose arrays are all that small (to be written out in a cell).
    """
    import numpy as np

    from grader.exercise import Example

    found: dict[str, list] = {}
    for check in exercise.checks:
        for example in getattr(check, "examples", ()):
            if not isinstance(example, Example):
                continue  # a model check's configuration (the PyTorch exercises), not a worked example
            values = [*example.inputs.values(), example.expected]
            if max_size is None or all(np.size(value) <= max_size for value in values if value is not None):
                found.setdefault(check.function, []).append(example)
    return found


def markdown_table(array, *, index: bool = True) -> str:
    """A 2-D array as a Markdown table, with row and column numbers (values as in the lecture)."""
    import numpy as np

    values = np.asarray(array)
    if values.ndim == 1:
        values = values[None]
    if values.ndim != 2:
        raise GraderError(f"table() shows 2-D arrays; got shape {values.shape}: pick a plane, e.g. x[0, 0]")
    cells = [[_number(value) for value in row] for row in values]
    header = ([""] if index else []) + [str(j) for j in range(values.shape[1])]
    rows = [([f"**{i}**"] if index else []) + row for i, row in enumerate(cells)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(":-:" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def python_literal(value, *, indent: int = 0) -> str:
    """Python source that rebuilds `value`: `np.array([[1, 0], [0, 1]])`, `None`, `3`."""
    import numpy as np

    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype in (np.int64, np.float64) else f", dtype=np.{value.dtype}"
        body = np.array2string(value, separator=", ", threshold=10**6, max_line_width=100)
        pad = " " * (indent + len("np.array("))
        return "np.array(" + body.replace("\n", "\n" + pad) + dtype + ")"
    return repr(value)


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.4g}"


def _declaration(module: str):
    import importlib

    return importlib.import_module(f"grader.catalog.{module}")
