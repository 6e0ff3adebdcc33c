"""grade similarity: copied work is flagged, independent work is not, and nothing hostile stops it.

tests/submissions/similarity/ holds a class for exercise 1: ten students who wrote correct
solutions independently, in ten styles (loops, stride tricks, im2col, FFT, ...); twin_b, who
copied twin_a with new names, new comments and the two functions swapped; paster, who pasted
reference/convolution.py with new names. Every one of them kept the stub's docstrings.
"""

import csv
import itertools
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.staff.similarity import DEFAULT_THRESHOLD, REFERENCE, SOLUTION, similarity
from tests.conftest import ROOT, SUBMISSIONS

CLASS = SUBMISSIONS / "similarity"
INDEPENDENT = ("comprehension", "fft", "im2col", "loops", "matrix_rows", "per_pixel_einsum", "shifted_sums",
               "strided", "while_loops", "windows_tensordot")
STUB = ROOT / "exercises" / "exercise1_convolution.py"


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
    assert {frozenset((pair.student_a, pair.student_b)) for pair in report.flagged} == {
        frozenset(("twin_a", "twin_b")), frozenset(("paster", REFERENCE))}


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
    """Does `grade batch --similarity` leave the similarity reports beside the gradebook?"""
    for name in ("twin_a", "twin_b"):
        shutil.copytree(CLASS / name, tmp_path / "class" / name)
    code, out, _ = run(capsys, "batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                       "--exercises", "exercise1", "--similarity", "--jobs", "2")
    assert code == 0 and "1 pair(s) at or above 60%" in out
    assert (tmp_path / "out" / "gradebook.csv").exists() and (tmp_path / "out" / "similarity.html").exists()


def test_a_large_class_draws_only_the_most_similar_pairs_side_by_side(tmp_path, monkeypatch):
    """With more flagged pairs than the page draws, does it show the most similar ones side by side,
    say how many more there are, and keep every pair in the CSV?"""
    from grader.staff import similarity as module

    monkeypatch.setattr(module, "SHOWN_PER_EXERCISE", 1)
    report = similarity(CLASS, tmp_path, exercises=["exercise1"], root=ROOT, jobs=1)
    assert len(report.flagged) == 2 and [(p.student_a, p.student_b) for p in report.shown] == [("paster", REFERENCE)]
    html = (tmp_path / "similarity.html").read_text()
    assert html.count("<details") == 1 and "1 more flagged pairs" in html
    assert len(list(csv.DictReader((tmp_path / "similarity.csv").open()))) == len(report.pairs)
    assert json.loads((tmp_path / "similarity.json").read_text())["flagged_total"] == 2


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
