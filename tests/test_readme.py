"""Does the README tell the truth about how to set up and test?"""

import pytest

from tests.conftest import ROOT

TEST_COMMAND = 'pip install -c constraints.txt -e ".[dev]" && pytest && ruff check && mypy'


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert TEST_COMMAND in readme
    assert ci.strip().splitlines()[-1] == TEST_COMMAND


def test_the_constraints_keep_torch_below_2_14():
    """Do pyproject's requirement and constraints.txt together allow torch 2.13 and nothing from 2.14 on?"""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    from packaging.requirements import Requirement

    required = [Requirement(line) for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    constrained = [Requirement(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
                   if line.strip() and not line.startswith("#")]
    allowed = [requirement.specifier for requirement in required + constrained if requirement.name == "torch"]
    assert len(allowed) == 2
    assert all(specifier.contains("2.13.0") for specifier in allowed)
    for version in ("2.14.0", "2.14.1", "2.15.0", "3.0.0"):
        assert not all(specifier.contains(version) for specifier in allowed), version


def test_the_exercise_table_states_each_declarations_points():
    """Does every exercise's row in the README give the points its declaration states, hidden ones
    apart ("10 (+1 hidden)"), as `grade list` and the reports do?"""
    import re

    from grader import catalog

    readme = (ROOT / "README.md").read_text()
    for about in map(catalog.about, catalog.module_names()):
        row = re.search(rf"^\| {about.id} \|.*\| ([^|]+) \|$", readme, re.M)
        assert row, f"{about.id} has no row in the README's exercise table"
        assert about.points is not None, f"{about.id}: state points= in its declaration (grade list reads it unimported)"
        expected = f"{about.points:g}" + (f" (+{about.hidden_points:g} hidden)" if about.hidden_points else "")
        assert row.group(1).strip() == expected, about.id


def test_the_kit_readme_counts_hidden_points_apart():
    """Does the student kit's README say exercise 1 is 10 points (+1 hidden, at grading), as the
    kit's own grader reports 0/10 and a note, not 11?"""
    from grader import catalog
    from grader.render import environment

    text = environment().get_template("release/README.md.j2").render(exercises=[catalog.load("exercise1_convolution")],
                                                                      notebooks=[])
    assert "| 10 (+1 hidden, at grading) |" in text
