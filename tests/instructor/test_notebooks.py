"""Do the generated notebooks validate, read well, run in a real kernel, and grade themselves?"""

import json
import re
import shutil

import nbformat
import pytest

from grader import catalog
from grader.instructor.notebooks import build_notebook, split_answer, write_notebooks
from grader.stubs import solution_lines
from grader.submission import SKIP_TAGS
from tests.conftest import ROOT, graded
from tests.instructor.conftest import MODULES, check_score, execute, outputs


def load(notebooks, variant, module):
    return nbformat.read(notebooks / variant / f"{module}.ipynb", as_version=4)


def test_exercise1_has_a_template():
    """Is exercise 1, the exercise every other one copies, covered?"""
    assert "exercise1_convolution" in MODULES


@pytest.mark.parametrize("variant", ["student", "solution"])
@pytest.mark.parametrize("module", MODULES)
def test_a_notebook_validates_with_kernelspec_ids_and_no_outputs(notebooks, module, variant):
    """Is each notebook valid nbformat 4, for a Python 3 kernel, with cell ids and nothing executed?"""
    notebook = load(notebooks, variant, module)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3" and notebook.metadata.kernelspec.language == "python"
    ids = [cell.id for cell in notebook.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    tags = [set(cell.metadata.get("tags", [])) for cell in code]
    assert sum("check" in cell_tags for cell_tags in tags) == 1 and tags[-1] == {"check"}
    assert any("demo" in cell_tags for cell_tags in tags), "no cell tries the code on the lecture's example"
    assert any(not cell_tags & SKIP_TAGS for cell_tags in tags), "no answer cell"
    assert any(cell.cell_type == "markdown" and cell.get("attachments") for cell in notebook.cells) or \
        any("|:-:|" in cell.source for cell in notebook.cells if cell.cell_type == "markdown"), \
        "no worked example shown as a table or an image"


@pytest.mark.parametrize("module", MODULES)
def test_the_student_notebook_has_the_stub_and_no_solution_line(notebooks, module):
    """Does the student notebook carry exercises/<module>.py's code, and none of the solution's lines?"""
    notebook = load(notebooks, "student", module)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "raise NotImplementedError" in code
    secret = set(solution_lines((ROOT / "solutions" / f"{module}.py").read_text()))
    reference = {line.strip() for path in (ROOT / "reference").glob("*.py") for line in path.read_text().splitlines()}
    shown = {line.strip() for line in code.splitlines()}
    assert not (secret - reference) & shown


def test_exercise1_explains_the_lecture_erratum(notebooks):
    """Does the notebook tell students that the X example's centre is 5, not the slide's 3?"""
    text = "\n".join(cell.source for cell in load(notebooks, "student", "exercise1_convolution").cells)
    assert "erratum" in text.lower() and re.search(r"true value\s*(>\s*)?is\s+\*\*5\*\*", text)


def test_notebooks_are_reproducible():
    """Does rendering twice give the same notebook (same ids, same text), so regenerating diffs cleanly?"""
    first = build_notebook("exercise1_convolution", "student", root=ROOT)
    second = build_notebook("exercise1_convolution", "student", root=ROOT)
    assert nbformat.writes(first) == nbformat.writes(second)


def test_the_answer_is_split_per_function_without_the_module_docstring():
    answer = split_answer('"""Doc."""\n\nimport numpy as np\n\n\n# helper\ndef f(x):\n    return x\n\n\ndef g():\n    pass\n')
    assert [chunk.name for chunk in answer.chunks] == ["preamble", "f", "g"]
    assert answer.preamble == "import numpy as np" and answer.f.startswith("# helper\ndef f")


def test_without_a_template_an_exercise_is_skipped_not_failed(tmp_path, monkeypatch):
    """Does `grade notebooks` skip an exercise that has no template yet (the toy exercise has none)?"""
    monkeypatch.setenv(catalog.CATALOG_VARIABLE, str(ROOT / "tests" / "toy_exercise" / "catalog"))
    written = write_notebooks(out=tmp_path, root=ROOT, modules=["exercise1", "exercise99"])
    assert written.skipped == ["exercise99_relu"] and len(written.paths) == 2


@pytest.mark.parametrize("module", MODULES)
def test_the_solution_notebook_file_grades_full_marks(notebooks, module):
    """Is `grade EXERCISE --submission solution.ipynb` full marks (tagged cells left out)?"""
    result = graded(module, notebooks / "solution" / f"{module}.ipynb")
    assert result.score == result.max_score > 0


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_the_solution_notebook_runs_and_its_check_cell_reports_full_marks(notebooks, module, tmp_path):
    """In a real kernel: does every cell run, every example match, and the check cell give full marks?"""
    notebook = execute(load(notebooks, "solution", module), tmp_path)
    score, max_score = check_score(notebook)
    assert score == max_score > 0
    demos = [outputs(cell) for cell in notebook.cells if "demo" in cell.metadata.get("tags", [])]
    assert demos and all("differs" not in text and "not implemented" not in text for text in demos)


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_the_student_notebook_runs_to_the_end_and_its_check_cell_reports_zero(notebooks, module, tmp_path):
    """In a real kernel: do the stubs raise where expected, shown without stopping, and the check give 0?"""
    notebook = execute(load(notebooks, "student", module), tmp_path)
    score, max_score = check_score(notebook)
    assert score == 0 < max_score
    demos = [outputs(cell) for cell in notebook.cells if "demo" in cell.metadata.get("tags", [])]
    assert demos and all("not implemented yet" in text for text in demos)
    check = next(cell for cell in notebook.cells if "check" in cell.metadata.get("tags", []))
    assert "not implemented yet" in outputs(check, "text/html")


@pytest.mark.slow
def test_the_check_cell_grades_what_was_run_and_names_the_failing_cell(notebooks, tmp_path):
    """Does the check cell grade the latest code run, leave out a cell that raised, and map errors to cells?"""
    notebook = load(notebooks, "solution", "exercise1_convolution")
    check = notebook.cells.pop()
    broken = "def correlate2d(image, kernel):\n    out = np.zeros((2, 2))\n    return out[5]"
    raising = nbformat.v4.new_code_cell("undefined_name + 1")
    raising.metadata["tags"] = ["raises-exception"]  # nbclient runs on past it, as a student would
    notebook.cells += [nbformat.v4.new_code_cell(broken), raising, check]
    execute(notebook, tmp_path)
    report = outputs(notebook.cells[-1], "text/html")
    assert "raised an error when you ran it" in report
    assert re.search(r"correlate2d raised IndexError.*\(cell \[\d+\], line 3: return out\[5\]\)", report), report
    assert check_score(notebook)[0] < check_score(notebook)[1]


def test_a_notebook_whose_cells_fail_to_run_gets_a_clear_verdict(tmp_path):
    """A cell that raises when the notebook runs: does every check say which cell, and what to do?"""
    notebook = build_notebook("exercise1_convolution", "solution", root=ROOT)
    notebook.cells.insert(3, nbformat.v4.new_code_cell("x = 1\nprint(undefined_name)"))
    path = tmp_path / "exercise1_convolution.ipynb"
    nbformat.write(notebook, str(path))
    result = graded("exercise1", path)
    assert result.score == 0
    message = result.tests[0].output
    assert "running your notebook's code cells failed" in message and "NameError" in message
    assert "(cell 4, line 2: print(undefined_name))" in message and "tag it skip-grading" in message


def test_runtime_and_syntax_errors_in_a_notebook_name_the_cell(tmp_path):
    """Do line numbers in a notebook's report refer to its cells, not to the extracted code?"""
    notebook = build_notebook("exercise1_convolution", "solution", root=ROOT)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "def correlate2d(image, kernel):\n    out = np.zeros((2, 2))\n    return out[5]"))
    path = tmp_path / "exercise1_convolution.ipynb"
    nbformat.write(notebook, str(path))
    result = graded("exercise1", path)
    failed = next(test for test in result.tests if test.name.startswith("correlate2d"))
    cell = len(notebook.cells)
    assert f"(cell {cell}, line 3: return out[5])" in failed.output

    notebook.cells[-1].source = "def correlate2d(image, kernel)\n    return 1"
    path = tmp_path / "syntax" / "exercise1_convolution.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, str(path))
    result = graded("exercise1", path)
    assert f"cell {cell}, line 1\n" in result.problem and "^" in result.problem


def test_notebook_json_has_no_solution_in_the_student_variant_even_in_attachments(notebooks):
    raw = (notebooks / "student" / "exercise1_convolution.ipynb").read_text()
    assert "BEGIN SOLUTION" not in raw and json.loads(raw)["metadata"]["cnn_grader"]["variant"] == "student"


def test_student_notebooks_come_from_the_solutions_not_from_the_working_exercises(tmp_path):
    """Does an edit in exercises/ (a student's, or a stale stub) stay out of the notebook that
    `grade notebooks` builds, which is the one the solution alone gives?"""
    module = "exercise1_convolution"
    (tmp_path / "solutions").mkdir()
    (tmp_path / "exercises").mkdir()
    shutil.copy(ROOT / "solutions" / f"{module}.py", tmp_path / "solutions")
    stub = (ROOT / "exercises" / f"{module}.py").read_text()
    (tmp_path / "exercises" / f"{module}.py").write_text(stub.replace("raise NotImplementedError", "return 'MY EDIT'  #", 1))
    built = nbformat.writes(build_notebook(module, "student", root=tmp_path))
    assert "MY EDIT" not in built
    assert built == nbformat.writes(build_notebook(module, "student", root=ROOT))
