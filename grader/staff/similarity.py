"""Copied work: how much of each student's code also stands in another's, or in the course's own.

Winnowing fingerprints, as in MOSS, from the `copydetect` package (`pip install .[similarity]`):
each file is first written out canonically (grader.staff.canonical: no docstrings or no-op
statements, constant branches resolved, dead code dropped, comprehensions as loops), then
tokenised with variable, function and class names, strings, comments and white space folded
away, cut into k-grams, hashed and winnowed. Two files share what their fingerprints share;
renaming, re-indenting, commenting, reordering functions, wrapping statements in `if True:` and
padding them with `pass` change nothing. What every student received (the stub, the notebook's
given cells) is boilerplate: its fingerprints are dropped from every file before comparing, and
its lines are never marked as shared.

Student code is read as text, never imported or run. A file the grader cannot read or compare is
that file's entry under "not compared", never the end of the report. The flags are evidence for
a person to read, not a verdict: nothing here changes a score.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import itertools
import json
import logging
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from typing import TYPE_CHECKING

from grader import catalog
from grader.errors import GraderError, SubmissionError
from grader.layout import SOURCE_ROOT, course_repository
from grader.staff.collect import find_exercise_file
from grader.staff.lms import intake
from grader.staff.gradebook import UNREADABLE
from grader.submission import read

if TYPE_CHECKING:
    from grader.staff.fingerprints import Compared

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.6
REFERENCE, SOLUTION = "reference", "solution"
SHOWN_PER_EXERCISE = 100  # flagged pairs drawn side by side per exercise; similarity.csv has every pair


@dataclass
class Source:
    """One file's code as it takes part in a comparison."""

    owner: str  # a student id, "reference" or "solution"
    name: str  # what the report calls it: the student's file, reference/convolution.py, ...
    code: str
    compared: Compared | None = None


@dataclass(frozen=True)
class Pair:
    exercise: str
    student_a: str
    student_b: str  # another student, "reference" or "solution"
    similarity_a: float  # the share of a's code found in b
    similarity_b: float
    matched_lines: int  # lines of a's file marked as shared
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
    course: Path | None = None  # the course repository whose solutions/ were compared, if any
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

    @property
    def course_line(self) -> str:
        """Which course's solutions/ the students were compared with, in one line."""
        if self.course is None:
            return ("warning: no course repository (no --course, no installed `solutions` package): students "
                    "were compared with each other and reference/ only, not with solutions/")
        return f"compared with the course in {self.course} (its solutions/ and the installed reference/)"


def similarity(submissions: Path, out: Path, *, exercises: list[str] | None = None,
               threshold: float = DEFAULT_THRESHOLD, root: Path | None = None,
               jobs: int | None = None) -> SimilarityReport:
    """Compare every pair of students' files per exercise, and each with the course's own code;
    write OUT/similarity.csv (every pair that shares code) and OUT/similarity.html (the pairs at
    or above `threshold`, side by side). `root` is the course repository (for solutions/; default:
    the installed course, see `find_course`); `jobs` exercises are compared in parallel (default:
    one per core)."""
    if not 0 <= threshold <= 1:
        raise GraderError(f"--threshold {threshold:g} is not a share between 0 and 1 (the default is {DEFAULT_THRESHOLD})")
    modules = catalog.module_names() if not exercises else [catalog.resolve(name) for name in exercises]
    from grader.staff.fingerprints import copydetect

    course = find_course(root)
    copydetect()  # say it is missing before anything else happens
    report = SimilarityReport(threshold, course)
    with tempfile.TemporaryDirectory(prefix="cnn-grader-similarity-") as scratch:
        found = intake(Path(submissions), Path(scratch))  # a folder of students, or an LMS download (lms.py)
        students, report.skipped_entries = found.students, found.skipped + found.foreign
        report.students = len(students)
        report.unreadable += [(student.student, "", student.problem) for student in students if student.problem]
        folders = [(student.student, student.folder) for student in students if student.folder is not None]
        jobs = min(jobs or os.cpu_count() or 1, len(modules))
        work = functools.partial(compare_exercise, folders=folders, root=course, threshold=threshold)
        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                futures = [pool.submit(work, module) for module in modules]
                done = _each(modules, [future.result for future in futures])
        else:
            done = _each(modules, [functools.partial(work, module) for module in modules])
    for pairs, unreadable, files in done:
        report.pairs += pairs
        report.unreadable += unreadable
        report.files += files
    report.pairs.sort(key=lambda pair: (-pair.similarity, catalog_order(pair.exercise), pair.student_a, pair.student_b))
    _write(report, Path(out))
    return report


def catalog_order(exercise: str) -> tuple[int, str]:
    """exercise2 before exercise10."""
    digits = "".join(character for character in exercise if character.isdigit())
    return int(digits or 0), exercise


def _each(modules: list[str], calls: list) -> list:
    """Each exercise's (pairs, unreadable, files); one that fails (a bug, a pool process that died)
    is a line under "not compared", and the others are still reported."""
    done = []
    for module, call in zip(modules, calls):
        try:
            done.append(call())
        except Exception as error:
            log.debug("similarity: %s failed", module, exc_info=True)
            why = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}" if str(error) else type(error).__name__
            done.append(([], [("every student", module.partition("_")[0], f"not compared: the grader failed ({why})")], 0))
    return done


def find_course(root: Path | None) -> Path | None:
    """The course repository whose solutions/ students are compared with: `root` when given (it must
    hold solutions/), else the repository of an editable install; None without either."""
    if root is not None:
        if not (Path(root) / "solutions").is_dir():
            raise GraderError(f"--course {root} holds no solutions/ folder: pass the course repository "
                              f"(the folder with solutions/ and exercises/)")
        return Path(root)
    return installed_course()


def installed_course() -> Path | None:
    """The course repository of an editable install (the folder above grader/ that holds
    solutions/), or None."""
    return course_repository()


def compare_exercise(module: str, *, folders: list[tuple[str, Path]], root: Path | None, threshold: float):
    """(pairs, unreadable, files compared) for one exercise: every pair of students, then each
    student against the course's code. Runs in a pool process: plain data in and out."""
    from grader.staff.fingerprints import Compared, Given, copydetect

    exercise = module.partition("_")[0]
    given = Given(given_code(module, root))
    sources, unreadable = [], []
    for student, folder in folders:
        path, status, problem = find_exercise_file(folder, module)
        if path is None:
            if status == UNREADABLE:  # a link, say: listed as batch lists it, never followed
                unreadable.append((student, exercise, problem))
            continue
        try:
            source = Source(student, path.name, read(path, module).source)
            source.compared = Compared(source.code, given)
            sources.append(source)
        except SubmissionError as error:
            unreadable.append((student, exercise, f"{path.name}: {error}" if path.name not in str(error) else str(error)))
        except Exception as error:  # whatever else the grader cannot compare is this file's entry
            log.debug("similarity: %s of %s not compared", path.name, student, exc_info=True)
            unreadable.append((student, exercise, f"{path.name}: could not be compared ({type(error).__name__})"))
    course = course_code(module, root)
    for source in course:
        source.compared = Compared(source.code, given)
    pairs, flagged, compare_files = [], [], copydetect().compare_files
    for a, b in [*itertools.combinations(sources, 2), *itertools.product(sources, course)]:
        assert a.compared is not None and b.compared is not None  # every source and course file got one above
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(a.compared.fingerprint, b.compared.fingerprint)
        if overlap == 0:
            continue
        marked_a, marked_b = a.compared.marked(slices_a), b.compared.marked(slices_b)
        pair = Pair(exercise, a.owner, b.owner, round(float(share_a), 4), round(float(share_b), 4),
                    a.compared.lines(marked_a), name_a=a.name, name_b=b.name)
        pairs.append(pair)
        if pair.similarity >= threshold:
            flagged.append((pair, a.compared, b.compared, marked_a, marked_b))
    # Side by side only for the most similar flagged pairs: a class of 300 has 44,850 pairs per
    # exercise, and keeping (or drawing) both texts of each flagged one could take gigabytes.
    flagged.sort(key=lambda item: (-item[0].similarity, item[0].student_a, item[0].student_b))
    drawn = {id(pair): replace(pair, segments_a=compared_a.segments(marked_a), segments_b=compared_b.segments(marked_b))
             for pair, compared_a, compared_b, marked_a, marked_b in flagged[:SHOWN_PER_EXERCISE]}
    return [drawn.get(id(pair), pair) for pair in pairs], unreadable, len(sources)


# --- What every student got, and the course's own code ----------------------------------------

def given_code(module: str, root: Path | None) -> str:
    """The code every student received: the stub (generated from the solution where the course
    repository has one) and the code cells of the student notebook."""
    from grader.stubs import make_stub

    solution = None if root is None else root / "solutions" / f"{module}.py"
    if solution is not None and solution.is_file():
        stub = make_stub(solution.read_text(encoding="utf-8"), name=str(solution))
    else:  # the stubs beside grader/ (the student kit); none when installed
        stubs = SOURCE_ROOT / "exercises" / f"{module}.py"
        stub = stubs.read_text(encoding="utf-8") if stubs.is_file() else ""
    return stub + "\n" + _notebook_given_code(module, root)


def _notebook_given_code(module: str, root: Path | None) -> str:
    from grader.instructor.notebooks import build_notebook, has_template
    from grader.submission import notebook_code

    if root is None or not has_template(module):
        return ""
    try:
        import nbformat

        notebook = build_notebook(module, "student", root=root)
        return notebook_code(nbformat.writes(notebook).encode(), Path(f"{module}.ipynb"))
    except Exception as error:  # the stub alone is still boilerplate; say why the cells are not
        log.debug("similarity: no notebook boilerplate for %s: %s", module, error)
        return ""


def course_code(module: str, root: Path | None) -> list[Source]:
    """The reference modules the exercise's declaration imports, and its solution if present."""
    sources = [Source(REFERENCE, f"reference/{name}.py", _package_file("grader.reference", f"{name}.py"))
               for name in reference_modules(module)]
    solution = None if root is None else root / "solutions" / f"{module}.py"
    if solution is not None and solution.is_file():
        sources.append(Source(SOLUTION, f"solutions/{module}.py", solution.read_text(encoding="utf-8")))
    return [source for source in sources if source.code]


def reference_modules(module: str) -> list[str]:
    """['convolution', 'padding'] for a declaration whose answer key (or the declaration itself)
    imports grader.reference.convolution and grader.reference.padding: read from their source, nothing imported."""
    from grader import catalog

    paths = [_package_path("grader.catalog") / f"{module}.py", catalog.key_file(module)]
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in paths if path.is_file()]
    names = []
    package = "grader.reference"
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.ImportFrom) and node.module == package:
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.module.startswith(package + "."):
            names.append(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            names += [alias.name.split(".")[2] for alias in node.names if alias.name.startswith(package + ".")]
    return [name for name in dict.fromkeys(names) if (_package_path(package) / f"{name}.py").is_file()]


def _package_path(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise GraderError(f"cannot find the {package} package: is cnn-grader installed?")
    return Path(list(spec.submodule_search_locations)[0])


def _package_file(package: str, name: str) -> str:
    path = _package_path(package) / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


# --- Output --------------------------------------------------------------------------------------

CSV_COLUMNS = ("exercise", "student_a", "student_b", "similarity_a", "similarity_b", "matched_lines")


def _write(report: SimilarityReport, out: Path) -> None:
    from grader.render import environment
    from grader.staff.csvfile import csv_text
    from grader.staff.gradebook import write_atomically

    out.mkdir(parents=True, exist_ok=True)
    rows = [[getattr(pair, column) for column in CSV_COLUMNS] for pair in report.pairs]
    write_atomically(out / "similarity.csv", csv_text([CSV_COLUMNS, *rows]))
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
