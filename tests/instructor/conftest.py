"""Notebooks built once per test run, and running them in a real Jupyter kernel."""

import re
import sys

import pytest

from grader import catalog
from grader.instructor.notebooks import has_template, write_notebooks
from tests.conftest import ROOT, built_once, run_folder

MODULES = [module for module in catalog.module_names() if has_template(module)]


@pytest.fixture(scope="session")
def notebooks(tmp_path_factory):
    """OUT folder with student/ and solution/ notebooks for every exercise that has a template, written
    once per test run (whichever xdist worker asks first; the others wait). Read it only: a test that
    changes a notebook works on a copy."""
    return built_once(run_folder(tmp_path_factory), "notebooks", lambda out: write_notebooks(out=out, root=ROOT))


def execute(notebook, cwd):
    """Run every cell in a fresh python3 kernel (this interpreter), as `Run All` would; return the notebook."""
    from nbclient import NotebookClient

    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return notebook


def outputs(cell, mime="text/plain") -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append(output.get("data", {}).get(mime, "") if "data" in output else output.get("text", ""))
    return "\n".join(texts)


def check_score(notebook) -> tuple[float, float]:
    """The score the check cell showed: its text/plain line 'cnn-grader: exercise1 (10/10)'."""
    cell = next(cell for cell in notebook.cells if "check" in cell.metadata.get("tags", []))
    match = re.search(r"\((\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)\)", outputs(cell))
    assert match, f"the check cell showed no score: {outputs(cell)!r} {outputs(cell, 'text/html')[:500]!r}"
    return float(match[1]), float(match[2])


assert sys.executable  # the kernel runs this interpreter (jupyter_client maps "python" to it)
