"""Does the README tell the truth about how to set up and test?"""

from tests.conftest import ROOT

TEST_COMMAND = 'pip install -c constraints.txt -e ".[dev]" && pytest'


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert TEST_COMMAND in readme
    assert ci.strip().splitlines()[-1] == TEST_COMMAND


def test_the_constraints_keep_torch_below_2_14():
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()
