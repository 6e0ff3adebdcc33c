"""Does a mistyped path or an unreadable file get one clear line, and a notebook get graded?"""

import json

import pytest

from grader.errors import SubmissionError
from grader.submission import locate, read
from tests.conftest import ROOT, graded

MODULE = "exercise1_convolution"


def test_default_is_exercises_under_the_current_folder():
    assert locate(MODULE, None, cwd=ROOT) == ROOT / "exercises" / f"{MODULE}.py"


def test_a_folder_is_searched_for_the_exercise_file():
    assert locate(MODULE, "solutions", cwd=ROOT) == ROOT / "solutions" / f"{MODULE}.py"


def test_a_typo_gets_a_suggestion():
    with pytest.raises(SubmissionError, match="did you mean exercises/exercise1_convolution.py"):
        locate(MODULE, "exercises/exercise1_convolutoin.py", cwd=ROOT)


def test_no_exercises_folder_says_where_to_run(tmp_path):
    with pytest.raises(SubmissionError, match="run `grade` in the course kit's folder"):
        locate(MODULE, None, cwd=tmp_path)


def test_other_file_types_are_refused(tmp_path):
    (tmp_path / "answer.txt").write_text("x")
    with pytest.raises(SubmissionError, match="not a .py file or a .ipynb notebook"):
        locate(MODULE, tmp_path / "answer.txt")


def test_non_utf8_source_is_refused(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes("# café\n".encode("latin-1"))
    with pytest.raises(SubmissionError, match="not UTF-8"):
        read(path, MODULE)


def test_a_huge_file_is_refused(tmp_path):
    path = tmp_path / "huge.py"
    path.write_text("#" * 2_000_000)
    with pytest.raises(SubmissionError, match="at most"):
        read(path, MODULE)


def notebook(cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "id": f"cell{index}", "metadata": {"tags": tags}, "source": source,
         **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for index, (kind, source, tags) in enumerate(cells)]}


def test_a_notebook_is_graded_from_its_code_cells_without_the_check_cell(tmp_path):
    """Are code cells graded like a .py file, magics commented out, tagged cells left out?"""
    solution = (ROOT / "solutions" / f"{MODULE}.py").read_text()
    path = tmp_path / f"{MODULE}.ipynb"
    path.write_text(json.dumps(notebook([
        ("markdown", "# Exercise 1", []),
        ("code", "%matplotlib inline", []),
        ("code", solution, []),
        ("code", "raise SystemExit('the check cell must not be graded')", ["check"]),
    ])))
    result = graded("exercise1", path)
    assert result.score == result.max_score
