"""Copied work: how much of each student's code also stands in another's, or in the course's own.

Winnowing fingerprints, as in MOSS, from the `copydetect` package (`pip install .[similarity]`):
each file is tokenised with variable, function and class names, strings, comments and white
space folded away, cut into k-grams, hashed and winnowed. Two files share what their
fingerprints share; renaming, re-indenting, commenting and reordering functions change
nothing. What every student received (the stub, the notebook's given cells) is boilerplate:
its fingerprints are dropped from every file before comparing.

Student code is read as text, never imported or run. The flags are evidence for a person to
read, not a verdict: nothing here changes a score.
"""

from __future__ import annotations

import ast
import csv
import functools
import hashlib
import io
import itertools
import json
import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader import catalog
from grader.errors import GraderError, SubmissionError
from grader.staff.collect import find_exercise_file
from grader.staff.lms import intake
from grader.staff.gradebook import UNREADABLE
from grader.submission import read

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.6
# copydetect's defaults: matches shorter than NOISE tokens are ignored, every match of at least
# GUARANTEE tokens is found (the winnowing window is GUARANTEE - NOISE + 1).
NOISE = 25
GUARANTEE = 30
REFERENCE, SOLUTION = "reference", "solution"
SHOWN_PER_EXERCISE = 100  # flagged pairs drawn side by side per exercise; similarity.csv has every pair


@dataclass
class Source:
    """One file's code as it takes part in a comparison."""

    owner: str  # a student id, "reference" or "solution"
    name: str  # what the report calls it: the student's file, reference/convolution.py, ...
    code: str
    fingerprint: object = None


@dataclass(frozen=True)
class Pair:
    exercise: str
    student_a: str
    student_b: str  # another student, "reference" or "solution"
    similarity_a: float  # the share of a's code found in b
    similarity_b: float
    matched_lines: int  # lines of a's file inside a matching region
    segments_a: tuple = ()  # ((text, matched), ...) for the side-by-side view
    segments_b: tuple = ()
    name_a: str = ""
    name_b: str = ""

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)


@dataclass
class SimilarityReport:
    threshold: float
    pairs: list[Pair] = field(default_factory=list)
    unreadable: list[tuple[str, str, str]] = field(default_factory=list)  # (student, exercise, why)
    skipped_entries: list[str] = field(default_factory=list)
    students: int = 0
    files: int = 0

    @property
    def flagged(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.similarity >= self.threshold]

    @property
    def shown(self) -> list[Pair]:
        """The flagged pairs drawn side by side (the most similar SHOWN_PER_EXERCISE of each exercise)."""
        return [pair for pair in self.flagged if pair.segments_a]


def similarity(submissions: Path, out: Path, *, exercises: list[str] | None = None,
               threshold: float = DEFAULT_THRESHOLD, root: Path | None = None,
               jobs: int | None = None) -> SimilarityReport:
    """Compare every pair of students' files per exercise, and each with the course's own code;
    write OUT/similarity.csv (every pair that shares code) and OUT/similarity.html (the pairs at
    or above `threshold`, side by side). `root` is the course repository (for solutions/);
    `jobs` exercises are compared in parallel (default: one per core)."""
    if not 0 <= threshold <= 1:
        raise GraderError(f"--threshold {threshold:g} is not a share between 0 and 1 (the default is {DEFAULT_THRESHOLD})")
    modules = catalog.module_names() if not exercises else [catalog.resolve(name) for name in exercises]
    root = Path.cwd() if root is None else Path(root)
    _copydetect()  # say it is missing before anything else happens
    report = SimilarityReport(threshold)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-similarity-") as scratch:
        found = intake(Path(submissions), Path(scratch))  # a folder of students, or an LMS download (lms.py)
        students, report.skipped_entries = found.students, found.skipped + found.foreign
        report.students = len(students)
        report.unreadable += [(student.student, "", student.problem) for student in students if student.problem]
        folders = [(student.student, student.folder) for student in students if student.folder is not None]
        jobs = min(jobs or os.cpu_count() or 1, len(modules))
        work = functools.partial(compare_exercise, folders=folders, root=root, threshold=threshold)
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                done = list(pool.map(work, modules))
        else:
            done = [work(module) for module in modules]
    for pairs, unreadable, files in done:
        report.pairs += pairs
        report.unreadable += unreadable
        report.files += files
    report.pairs.sort(key=lambda pair: (-pair.similarity, pair.exercise, pair.student_a, pair.student_b))
    _write(report, Path(out))
    return report


def compare_exercise(module: str, *, folders: list[tuple[str, Path]], root: Path, threshold: float):
    """(pairs, unreadable, files compared) for one exercise: every pair of students, then each
    student against the course's code. Runs in a pool process: plain data in and out."""
    exercise = module.partition("_")[0]
    boilerplate = _fingerprint_hashes(given_code(module, root))
    sources, unreadable = [], []
    for student, folder in folders:
        path, status, problem = find_exercise_file(folder, module)
        if path is None:
            if status == UNREADABLE:  # a link, say: listed as batch lists it, never followed
                unreadable.append((student, exercise, problem))
            continue
        try:
            sources.append(Source(student, path.name, read(path, module).source))
        except SubmissionError as error:
            unreadable.append((student, exercise, str(error)))
    course = course_code(module, root)
    for source in [*sources, *course]:
        source.fingerprint = _fingerprint(source.code, boilerplate)
    pairs, flagged, compare_files = [], [], _copydetect().compare_files
    for a, b in [*itertools.combinations(sources, 2), *itertools.product(sources, course)]:
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(a.fingerprint, b.fingerprint)
        if overlap == 0:
            continue
        pair = Pair(exercise, a.owner, b.owner, round(float(share_a), 4), round(float(share_b), 4),
                    _lines_in(a.code, slices_a), name_a=a.name, name_b=b.name)
        pairs.append(pair)
        if pair.similarity >= threshold:
            flagged.append((pair, a.code, b.code, slices_a, slices_b))
    # Side by side only for the most similar flagged pairs: a class of 300 has 44,850 pairs per
    # exercise, and keeping (or drawing) both texts of each flagged one could take gigabytes.
    flagged.sort(key=lambda item: (-item[0].similarity, item[0].student_a, item[0].student_b))
    drawn = {id(pair): replace(pair, segments_a=_segments(code_a, slices_a), segments_b=_segments(code_b, slices_b))
             for pair, code_a, code_b, slices_a, slices_b in flagged[:SHOWN_PER_EXERCISE]}
    return [drawn.get(id(pair), pair) for pair in pairs], unreadable, len(sources)


# --- What every student got, and the course's own code ----------------------------------------

def given_code(module: str, root: Path) -> str:
    """The code every student received: the stub (generated from the solution where the course
    repository has one) and the code cells of the student notebook."""
    from grader.stubs import make_stub

    solution = root / "solutions" / f"{module}.py"
    if solution.is_file():
        stub = make_stub(solution.read_text(encoding="utf-8"), name=str(solution))
    else:
        stub = _package_file("exercises", f"{module}.py")
    return stub + "\n" + _notebook_given_code(module, root)


def _notebook_given_code(module: str, root: Path) -> str:
    from grader.instructor.notebooks import build_notebook, has_template
    from grader.submission import notebook_code

    if not has_template(module):
        return ""
    try:
        import nbformat

        notebook = build_notebook(module, "student", root=root)
        return notebook_code(nbformat.writes(notebook).encode(), Path(f"{module}.ipynb"))
    except Exception as error:  # the stub alone is still boilerplate; say why the cells are not
        log.debug("similarity: no notebook boilerplate for %s: %s", module, error)
        return ""


def course_code(module: str, root: Path) -> list[Source]:
    """The reference modules the exercise's declaration imports, and its solution if present."""
    sources = [Source(REFERENCE, f"reference/{name}.py", _package_file("reference", f"{name}.py"))
               for name in reference_modules(module)]
    solution = root / "solutions" / f"{module}.py"
    if solution.is_file():
        sources.append(Source(SOLUTION, f"solutions/{module}.py", solution.read_text(encoding="utf-8")))
    return [source for source in sources if source.code]


def reference_modules(module: str) -> list[str]:
    """['convolution', 'padding'] for a declaration that imports reference.convolution and
    reference.padding: read from its source, nothing imported."""
    path = _package_path("grader.catalog") / f"{module}.py"
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "reference":
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reference."):
            names.append(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names += [alias.name.split(".")[1] for alias in node.names if alias.name.startswith("reference.")]
    return [name for name in dict.fromkeys(names) if (_package_path("reference") / f"{name}.py").is_file()]


def _package_path(package: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise GraderError(f"cannot find the {package} package: is cnn-grader installed?")
    return Path(list(spec.submodule_search_locations)[0])


def _package_file(package: str, name: str) -> str:
    path = _package_path(package) / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


# --- Fingerprints ---------------------------------------------------------------------------------

def _copydetect():
    try:
        import copydetect
        import copydetect.utils
    except ImportError:
        raise GraderError('grade similarity needs copydetect: pip install -c constraints.txt -e ".[similarity]"') from None
    # copydetect hashes k-grams with hash(), which Python salts anew in every process: the same
    # class would get other figures on every run. A stable 64-bit hash keeps them deterministic.
    copydetect.utils.hashed_kgrams = stable_kgram_hashes
    return copydetect


def stable_kgram_hashes(string: str, k: int):
    """The hashes of every k-gram of `string`, the same in every process (blake2b, 64 bits)."""
    import numpy as np

    return np.array([int.from_bytes(hashlib.blake2b(string[offset:offset + k].encode("utf-8", "surrogatepass"),
                                                    digest_size=8).digest(), "little", signed=True)
                     for offset in range(len(string) - k + 1)], dtype=np.int64)


def _fingerprint(code: str, boilerplate: list[int]):
    return _copydetect().CodeFingerprint("code.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=boilerplate,
                                         language="python", fp=io.StringIO(code))


def _fingerprint_hashes(code: str) -> list[int]:
    return sorted(_fingerprint(code, []).hashes) if code.strip() else []


def _segments(code: str, slices) -> tuple:
    """The code cut into (text, matched) runs, from copydetect's [starts, ends] character slices.

    Docstrings are never shown as matched: a string is one token to the fingerprints, so a match
    that reaches one would otherwise paint the whole docstring (the stub's, which everyone got).
    """
    matched = bytearray(len(code))
    for start, end in zip(map(int, slices[0]), map(int, slices[1])):
        matched[max(start, 0):max(end, 0)] = b"\1" * len(matched[max(start, 0):max(end, 0)])
    for start, end in _docstring_spans(code):
        matched[start:end] = bytes(end - start)
    runs, position = [], 0
    while position < len(code):
        flag = matched[position]
        end = position + 1
        while end < len(code) and matched[end] == flag:
            end += 1
        runs.append((code[position:end], bool(flag)))
        position = end
    return tuple(runs)


def _docstring_spans(code: str) -> list[tuple[int, int]]:
    """Character spans of the module's, classes' and functions' docstrings (none if it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            docstring = body[0].value
            spans.append((_offset(code, starts, docstring.lineno, docstring.col_offset),
                          _offset(code, starts, docstring.end_lineno, docstring.end_col_offset)))
    return spans


def _offset(code: str, starts: list[int], line: int, column: int) -> int:
    """A character offset from ast's line and UTF-8 byte column."""
    text = code[starts[line - 1]:starts[line]] if line < len(starts) else ""
    return starts[line - 1] + len(text.encode("utf-8")[:column].decode("utf-8", "replace"))


def _lines_in(code: str, slices) -> int:
    lines = set()
    for start, end in zip(map(int, slices[0]), map(int, slices[1])):
        first = code.count("\n", 0, start)
        lines.update(range(first, first + code.count("\n", start, end) + 1))
    return len(lines)


# --- Output --------------------------------------------------------------------------------------

CSV_COLUMNS = ("exercise", "student_a", "student_b", "similarity_a", "similarity_b", "matched_lines")


def _write(report: SimilarityReport, out: Path) -> None:
    from grader.render import environment
    from grader.staff.gradebook import write_atomically

    out.mkdir(parents=True, exist_ok=True)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for pair in report.pairs:
        writer.writerow([getattr(pair, column) for column in CSV_COLUMNS])
    write_atomically(out / "similarity.csv", table.getvalue())
    html = environment().get_template("similarity.html.j2").render(report=report, anchor=anchor,
                                                                     shown_per_exercise=SHOWN_PER_EXERCISE)
    write_atomically(out / "similarity.html", html)
    shown = [{"exercise": pair.exercise, "student_a": pair.student_a, "student_b": pair.student_b,
              "similarity_a": pair.similarity_a, "similarity_b": pair.similarity_b, "anchor": anchor(pair)}
             for pair in report.shown]
    write_atomically(out / "similarity.json", json.dumps(
        {"threshold": report.threshold, "flagged": shown, "flagged_total": len(report.flagged)}, indent=1))
    if (out / "gradebook.sqlite").is_file():  # the dashboard links the flagged pairs: keep it current
        from grader.staff.dashboard import write_dashboard

        write_dashboard(out)


def anchor(pair: Pair) -> str:
    """A stable id for a pair's section of similarity.html (links from other reports use it)."""
    key = f"{pair.exercise}\0{pair.student_a}\0{pair.student_b}".encode("utf-8", "surrogateescape")
    return "pair-" + hashlib.sha256(key).hexdigest()[:12]
