"""grade similarity: copied work is flagged, independent work is not, and nothing hostile stops it.

tests/submissions/similarity/ holds a class for exercise 1: ten students who wrote correct
solutions independently, in ten styles (loops, stride tricks, im2col, FFT, ...); twin_b, who
copied twin_a with new names, new comments and the two functions swapped; paster, who pasted
reference/convolution.py with new names. Three more copies are disguised in ways that change the
text and not the program: wrapped pasted the solution with every statement inside `if True:`;
padded copied twin_a with new names, reordered statements, loops turned into comprehensions and
a `pass` after every statement; dead_code copied loops with new names and branches that never run
(`if False:`, `while 0:`) and code after `return` between its statements. Every one of them kept
the stub's docstrings.
"""

import csv
import itertools
import json
import re
import shutil
import zipfile

import pytest

from grader.staff.similarity import DEFAULT_THRESHOLD, REFERENCE, SOLUTION, similarity
from tests.conftest import ROOT, SUBMISSIONS, browse, measure

CLASS = SUBMISSIONS / "similarity"
INDEPENDENT = ("comprehension", "fft", "im2col", "loops", "matrix_rows", "per_pixel_einsum", "shifted_sums",
               "strided", "while_loops", "windows_tensordot")
STUB = ROOT / "exercises" / "exercise1_convolution.py"
DISGUISED = [("wrapped", SOLUTION), ("padded", "twin_a"), ("dead_code", "loops")]
FLAGGED = {frozenset(("twin_a", "twin_b")), frozenset(("paster", REFERENCE)), frozenset(("wrapped", SOLUTION)),
           frozenset(("padded", "twin_a")), frozenset(("padded", "twin_b")), frozenset(("dead_code", "loops"))}
pytestmark = pytest.mark.xdist_group("similarity")  # the class's `report` is built once per run


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return similarity(CLASS, tmp_path_factory.mktemp("results"), exercises=["exercise1"], root=ROOT)


def shares(report) -> dict:
    return {frozenset((pair.student_a, pair.student_b)): pair for pair in report.pairs}


def test_a_copy_with_new_names_reordered_functions_and_comments_is_flagged(report):
    """Is twin_b, who renamed twin_a's variables, rewrote the comments and swapped the functions, flagged?"""
    pair = shares(report)[frozenset(("twin_a", "twin_b"))]
    assert min(pair.similarity_a, pair.similarity_b) >= 0.9
    assert pair in report.flagged


def test_a_pasted_reference_function_with_new_names_is_flagged_against_the_reference(report):
    """Is paster, who pasted reference/convolution.py under new names, flagged against `reference`?"""
    pair = shares(report)[frozenset(("paster", REFERENCE))]
    assert pair.similarity_a >= 0.9
    assert pair in report.flagged


def test_independent_solutions_are_not_flagged(report):
    """Do ten correct solutions written independently stay below the default threshold, between
    themselves and against the reference and the solution?"""
    found = shares(report)
    others = [*itertools.combinations(INDEPENDENT, 2), *itertools.product(INDEPENDENT, (REFERENCE, SOLUTION))]
    highest = max((found[frozenset(pair)].similarity for pair in others if frozenset(pair) in found), default=0)
    assert highest < DEFAULT_THRESHOLD
    assert {frozenset((pair.student_a, pair.student_b)) for pair in report.flagged} == FLAGGED


@pytest.mark.parametrize("copier, original", DISGUISED)
def test_a_copy_disguised_by_syntax_is_flagged(report, copier, original):
    """Is a copy flagged, both ways, when its statements are wrapped in `if True:`, padded with
    `pass`, reordered, turned into comprehensions or mixed with branches that never run?"""
    pair = shares(report)[frozenset((copier, original))]
    assert min(pair.similarity_a, pair.similarity_b) >= DEFAULT_THRESHOLD


def test_marks_cover_whole_tokens_and_never_what_every_student_received(report):
    """In the side-by-side view, does every mark start and end between tokens, and is no line of
    the stub (the imports, the `def` lines, the docstrings) marked as shared?"""
    stub_lines = {line.strip() for line in STUB.read_text().splitlines() if line.strip()}
    assert report.shown
    for pair in report.shown:
        for segments in (pair.segments_a, pair.segments_b):
            code = "".join(text for text, _ in segments)
            position = 0
            for text, matched in segments:
                if matched:
                    before, after = code[position - 1:position], code[position + len(text):position + len(text) + 1]
                    assert not (re.match(r"\w", before) and re.match(r"\w", text)), (pair.student_a, text)
                    assert not (re.match(r"\w", after) and re.search(r"\w$", text)), (pair.student_a, text)
                    assert not {line.strip() for line in text.splitlines()} & stub_lines, (pair.student_a, text)
                position += len(text)
    assert "import numpy as np" not in "".join(text for text, matched in report.shown[0].segments_a if matched)


@pytest.mark.parametrize("nesting", ["-" * 200_000 + "1", "not " * 100_000 + "1", "lambda: " * 50_000 + "1",
                                     "(" * 5_000 + ")" * 5_000, "[" * 3_000 + "]" * 3_000])
def test_a_file_nested_too_deeply_is_not_compared_and_the_others_still_are(tmp_path, nesting):
    """Does a file nested past what Python's parser takes (200,000 unary minus signs, 100,000
    `not`, 50,000 `lambda:`, 5,000 parentheses) get a one-line reason under "not compared", while
    the twins elsewhere in the class are still flagged and both reports are written?"""
    students = tmp_path / "class"
    for name in ("twin_a", "twin_b"):
        shutil.copytree(CLASS / name, students / name)
    (students / "deep").mkdir()
    (students / "deep" / STUB.name).write_text(f"x = {nesting}\n")
    report = similarity(students, tmp_path / "out", exercises=["exercise1"], root=ROOT, jobs=1)
    assert frozenset(("twin_a", "twin_b")) in {frozenset((p.student_a, p.student_b)) for p in report.flagged}
    problems = {student: why for student, _, why in report.unreadable}
    if "deep" in problems:  # Python parses a few thousand parentheses: then the file is simply compared
        assert "nested too deeply" in problems["deep"] and "\n" not in problems["deep"]
        page = (tmp_path / "out" / "similarity.html").read_text()
        assert "deep (exercise1): exercise1_convolution.py: nested too deeply" in page
    else:
        assert nesting.startswith(("(", "["))
    assert (tmp_path / "out" / "similarity.csv").is_file()


def test_formulas_in_student_ids_are_text_in_similarity_csv(tmp_path):
    """Do student ids that a spreadsheet would run (`=HYPERLINK(...)`, `+1+cmd|calc!A0`, `@SUM(1,1)`)
    reach similarity.csv as text, behind a single quote?"""
    hostile = ['=HYPERLINK("x.example?leak","click")', "+1+cmd|calc!A0", "@SUM(1,1)"]
    for name, source in zip(hostile, ("twin_a", "twin_b", "twin_b")):
        shutil.copytree(CLASS / source, tmp_path / "class" / name)
    similarity(tmp_path / "class", tmp_path / "out", exercises=["exercise1"], root=ROOT, jobs=1)
    rows = list(csv.reader((tmp_path / "out" / "similarity.csv").open()))[1:]
    students = {cell for row in rows for cell in row[1:3]} - {REFERENCE, SOLUTION}
    assert students == {"'" + name for name in hostile}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_stub_every_student_received_is_not_counted(tmp_path):
    """Do two students who hand in the untouched stub (docstrings and all) share nothing?"""
    for student in ("ann", "bob"):
        (tmp_path / "class" / student).mkdir(parents=True)
        shutil.copy(STUB, tmp_path / "class" / student / STUB.name)
    report = similarity(tmp_path / "class", tmp_path / "out", exercises=["exercise1"], root=ROOT)
    assert not [pair for pair in report.pairs if {pair.student_a, pair.student_b} == {"ann", "bob"}]


def test_a_notebook_is_compared_by_its_code_cells(tmp_path):
    """Is a notebook that holds twin_a's code in its cells flagged against twin_a's .py file?"""
    import nbformat

    (tmp_path / "class" / "twin_a").mkdir(parents=True)
    shutil.copy(CLASS / "twin_a" / STUB.name, tmp_path / "class" / "twin_a")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("My convolution"),
        nbformat.v4.new_code_cell((CLASS / "twin_b" / STUB.name).read_text()),
        nbformat.v4.new_code_cell("print(conv2d)", metadata={"tags": ["demo"]}),
    ])
    (tmp_path / "class" / "nora").mkdir()
    nbformat.write(notebook, str(tmp_path / "class" / "nora" / "exercise1_convolution.ipynb"))
    report = similarity(tmp_path / "class", tmp_path / "out", exercises=["exercise1"], root=ROOT)
    assert frozenset(("nora", "twin_a")) in {frozenset((p.student_a, p.student_b)) for p in report.flagged}


def test_hostile_and_broken_submissions_are_reported_not_fatal(tmp_path):
    """Do a zip that escapes its folder, a non-UTF-8 file, a broken notebook and a link to the
    solution each get a line in the report, unread, while the others are still compared?"""
    students = tmp_path / "class"
    for name in ("twin_a", "twin_b"):
        shutil.copytree(CLASS / name, students / name)
    with zipfile.ZipFile(students / "zed.zip", "w") as archive:
        archive.writestr("../escape/exercise1_convolution.py", "x = 1\n")
    (students / "latin").mkdir()
    (students / "latin" / STUB.name).write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    (students / "nb").mkdir()
    (students / "nb" / "exercise1_convolution.ipynb").write_text(json.dumps({"cells": [{"metadata": {"tags": 5}}]}))
    (students / "linker").mkdir()
    (students / "linker" / STUB.name).symlink_to(ROOT / "solutions" / STUB.name)
    (students / "notes.txt").write_text("not a student")
    report = similarity(students, tmp_path / "out", exercises=["exercise1"], root=ROOT)
    problems = {student: why for student, _, why in report.unreadable}
    assert "outside" in problems["zed"]
    assert "UTF-8" in problems["latin"]
    assert "notebook" in problems["nb"]
    assert "link" in problems["linker"]
    assert report.skipped_entries == ["notes.txt"]
    assert frozenset(("twin_a", "twin_b")) in {frozenset((p.student_a, p.student_b)) for p in report.flagged}


def test_the_csv_lists_every_pair_by_similarity_and_the_html_the_flagged_ones(report, tmp_path):
    """Does similarity.csv hold the fixed columns, most similar first, and similarity.html each flagged
    pair side by side with the shared code marked and the student's code escaped?"""
    students = tmp_path / "class"
    for name in ("twin_a", "twin_b"):
        shutil.copytree(CLASS / name, students / name)
    for name in ("twin_a", "twin_b"):  # the same hostile line in both: it is shared code
        path = students / name / STUB.name
        path.write_text(path.read_text() + '\nNOTE = "</pre><script>alert(1)</script>"\n')
    similarity(students, tmp_path / "out", exercises=["exercise1"], root=ROOT)
    rows = list(csv.DictReader((tmp_path / "out" / "similarity.csv").open()))
    assert list(rows[0]) == ["exercise", "student_a", "student_b", "similarity_a", "similarity_b", "matched_lines"]
    ordered = [max(float(row["similarity_a"]), float(row["similarity_b"])) for row in rows]
    assert ordered == sorted(ordered, reverse=True)
    html = (tmp_path / "out" / "similarity.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>") >= 2 and "not a verdict" in html
    assert 'id="pair-' in html and 'href="#pair-' in html


def run(capsys, *args):
    from grader.cli import main

    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_the_command_says_bad_input_in_one_line(tmp_path, capsys):
    """Do a missing folder and a threshold outside 0-1 each give one line and exit 2?"""
    code, _, err = run(capsys, "similarity", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert code == 2 and "not a folder" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "similarity", str(CLASS), "--out", str(tmp_path / "out"), "--threshold", "7")
    assert code == 2 and "between 0 and 1" in err and len(err.strip().splitlines()) == 1


def test_batch_with_similarity_writes_both_reports(tmp_path, capsys):
    """Does `grade batch --similarity` leave the similarity reports beside the gradebook, with the
    twins flagged, when another student's file is nested too deeply for Python's parser?"""
    for name in ("twin_a", "twin_b"):
        shutil.copytree(CLASS / name, tmp_path / "class" / name)
    (tmp_path / "class" / "deep").mkdir()
    (tmp_path / "class" / "deep" / STUB.name).write_text("x = " + "-" * 200_000 + "1\n")
    code, out, _ = run(capsys, "batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                       "--exercises", "exercise1", "--similarity", "--jobs", "2")
    assert code in (0, 3)  # 3 while grading itself calls the deep file a grader error (issue 19 §3, not this module)
    assert "2 files of 3 students compared, 1 not compared: 1 pair(s) at or above 60%" in out
    assert (tmp_path / "out" / "gradebook.csv").exists() and (tmp_path / "out" / "similarity.html").exists()
    assert "deep (exercise1): exercise1_convolution.py: nested too deeply" in (tmp_path / "out" / "similarity.html").read_text()


def test_a_large_class_draws_only_the_most_similar_pairs_side_by_side(tmp_path, monkeypatch):
    """With more flagged pairs than the page draws, does it show the most similar ones side by side,
    say how many more there are, and keep every pair in the CSV?"""
    from grader.staff import similarity as module

    monkeypatch.setattr(module, "SHOWN_PER_EXERCISE", 1)
    report = similarity(CLASS, tmp_path, exercises=["exercise1"], root=ROOT, jobs=1)
    assert len(report.flagged) == len(FLAGGED) and [(p.student_a, p.student_b) for p in report.shown] == [("paster", REFERENCE)]
    html = (tmp_path / "similarity.html").read_text()
    assert html.count("<details") == 1 and f"{len(FLAGGED) - 1} more flagged pairs" in html
    assert len(list(csv.DictReader((tmp_path / "similarity.csv").open()))) == len(report.pairs)
    assert json.loads((tmp_path / "similarity.json").read_text())["flagged_total"] == len(FLAGGED)


def test_the_same_class_gives_the_same_figures_in_every_process(tmp_path):
    """Do two runs in processes with different string-hash salts write the same similarity.csv?"""
    import os
    import subprocess
    import sys

    outputs = []
    for salt in ("1", "2"):
        out = tmp_path / f"run{salt}"
        subprocess.run([sys.executable, "-m", "grader", "similarity", str(CLASS), "--out", str(out),
                        "--exercises", "exercise1"], cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": salt})
        outputs.append((out / "similarity.csv").read_text())
    assert outputs[0] == outputs[1]


def test_outside_the_course_repository_the_installed_course_is_compared_and_named(tmp_path):
    """Run from another folder, does `grade similarity` still compare with solutions/ (the
    installed course) and say which course it used?"""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "grader", "similarity", str(CLASS / ".."), "--out", str(tmp_path / "out"),
                           "--exercises", "exercise1"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert f"compared with the course in {ROOT}" in done.stdout
    rows = list(csv.DictReader((tmp_path / "out" / "similarity.csv").open()))
    assert any(row["student_b"] == SOLUTION for row in rows)
    assert "Compared with the course in" in (tmp_path / "out" / "similarity.html").read_text()


def test_without_a_course_it_warns_and_a_wrong_course_is_refused(tmp_path, capsys, monkeypatch):
    """With no course installed, does `grade similarity` warn on stderr and the page say so; and does
    --course naming a folder without solutions/ give one line and exit 2?"""
    from grader.staff import similarity as module

    monkeypatch.setattr(module, "installed_course", lambda: None)
    code, out, err = run(capsys, "similarity", str(CLASS), "--out", str(tmp_path / "out"), "--exercises", "exercise1")
    assert code == 0 and "warning: no course repository" in err and len(err.strip().splitlines()) == 1
    assert "No course repository was found" in (tmp_path / "out" / "similarity.html").read_text()
    rows = list(csv.DictReader((tmp_path / "out" / "similarity.csv").open()))
    assert not any(row["student_b"] == SOLUTION for row in rows)
    code, _, err = run(capsys, "similarity", str(CLASS), "--out", str(tmp_path / "out"), "--course", str(tmp_path))
    assert code == 2 and "holds no solutions/" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(capsys, "similarity", str(CLASS), "--out", str(tmp_path / "out"), "--exercises", "exercise1",
                       "--course", str(ROOT))
    assert code == 0 and f"compared with the course in {ROOT}" in out


LAYOUT = """{
  page: document.documentElement.scrollWidth - window.innerWidth,
  overflow: Math.ceil(document.querySelector('table.pairs').getBoundingClientRect().right - window.innerWidth),
  links: Array.from(document.querySelectorAll('table.pairs a'))
    .map(a => Math.ceil(a.getBoundingClientRect().right - window.innerWidth)),
  tallest: Math.max(...Array.from(document.querySelectorAll('table.pairs tbody tr'))
    .map(row => row.getBoundingClientRect().height)),
  cells: Math.max(...Array.from(document.querySelectorAll('table.pairs td, summary, h3'))
    .map(cell => cell.scrollWidth - cell.clientWidth)),
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_flagged_pairs_fit_the_screen_in_a_browser(tmp_path, width):
    """At 1280 and 390 px, does similarity.html's table of flagged pairs, with a 60-character student
    id, fit the window with every link on screen and every row short?"""
    for name, source in (("k" * 60, "twin_a"), ("twin_b", "twin_b")):
        shutil.copytree(CLASS / source, tmp_path / "class" / name)
    shutil.copytree(CLASS / "paster", tmp_path / "class" / "paster")
    similarity(tmp_path / "class", tmp_path / "out", exercises=["exercise1"], root=ROOT, jobs=1)
    page = tmp_path / "out" / "similarity.html"
    browse(page, screenshots="similarity", widths=(width,))
    layout = measure(page, LAYOUT, width=width)
    assert layout["page"] <= 0 and layout["overflow"] <= 0 and layout["cells"] <= 0, layout
    assert len(layout["links"]) == 2 and max(layout["links"]) <= 0, layout
    assert layout["tallest"] <= (60 if width == 1280 else 160), layout
