"""Does the README tell the truth about how to set up and test?"""

import pytest

from tests.conftest import ROOT

TEST_COMMAND = 'pip install -c constraints.txt -e ".[dev]" && pytest'


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
