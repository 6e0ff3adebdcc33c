"""Is adding an exercise really only its solution, reference, declaration and mistake files?

tests/toy_exercise/ holds the README's walk-through done for a toy exercise, `relu`, and
nothing else; the catalog finds it through CNN_GRADER_CATALOG, and `grade selftest`
proves it, as it would for a new exercise in grader/catalog/.
"""

import shutil

import pytest

from grader import catalog
from grader.instructor.selftest import run_selftest
from grader.staff.tasks import dependencies
from grader.stubs import write_stubs
from tests.conftest import ROOT

TOY = ROOT / "tests" / "toy_exercise"


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The toy course folder with its stub generated (`grade stubs`), its catalog folder known."""
    root = tmp_path / "course"
    shutil.copytree(TOY, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "exercises").mkdir()
    write_stubs(root / "solutions", root / "exercises")
    monkeypatch.setenv(catalog.CATALOG_VARIABLE, str(root / "catalog"))
    return root


def test_the_toy_exercise_is_only_the_five_kinds_of_file():
    files = {path.relative_to(TOY).as_posix() for path in TOY.rglob("*.py") if "__pycache__" not in path.parts}
    assert files == {"catalog/exercise99_relu.py", "catalog/relu_reference.py", "solutions/exercise99_relu.py",
                     "tests/submissions/exercise99/returns_input.py",
                     "tests/submissions/exercise99/max_not_maximum.py"}


def test_selftest_proves_the_toy_exercise(toy):
    """Solution full marks, stub 0, both mistakes caught with their hints, every check able to fail."""
    report = run_selftest(root=toy, exercises=["relu"], jobs=1)
    assert report.ok, report.table()
    cases = {row.case for row in report.rows}
    assert {"solution", "stub", "mistake returns_input", "mistake max_not_maximum"} <= cases
    assert {row.exercise for row in report.rows} == {"exercise99"}


def test_the_catalog_lists_it_and_fingerprints_its_own_files(toy):
    assert catalog.resolve("exercise99") == catalog.resolve("relu") == "exercise99_relu"
    about = catalog.about("exercise99_relu")
    assert (about.title, about.points) == ("ReLU", 3)
    declaration = toy / "catalog" / "exercise99_relu.py"  # an instructor's edit, same size, same second: seen
    declaration.write_text(declaration.read_text().replace('title="ReLU"', 'title="ReLu"'))
    assert catalog.about("exercise99_relu").title == "ReLu"
    names = {path.name for path in dependencies("exercise99_relu")}
    assert {"exercise99_relu.py", "relu_reference.py", "checks.py"} <= names
