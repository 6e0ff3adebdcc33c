"""Are the student stubs exactly what generation from solutions/ gives?"""


import pytest

from grader.errors import GraderError
from grader.stubs import make_stub, solution_lines, write_stubs
from tests.conftest import ROOT


def test_exercises_do_not_drift_from_solutions():
    """Would `grade stubs` change anything in exercises/? (Run it after editing a solution.)"""
    assert write_stubs(ROOT / "solutions", ROOT / "exercises", check=True) == []


def test_a_solution_block_becomes_a_hinted_not_implemented_error():
    source = ("def f(x):\n    \"\"\"doc\"\"\"\n    # BEGIN SOLUTION: add one, see section 4\n    return x + 1\n"
              "    # END SOLUTION\n")
    assert make_stub(source) == 'def f(x):\n    """doc"""\n    raise NotImplementedError("add one, see section 4")\n'


def test_no_solution_line_survives_in_any_stub():
    for solution in (ROOT / "solutions").glob("exercise*.py"):
        stub = (ROOT / "exercises" / solution.name).read_text()
        stub_lines = {line.strip() for line in stub.splitlines()}
        assert not set(solution_lines(solution.read_text())) & stub_lines


@pytest.mark.parametrize("source, problem", [
    ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n# END SOLUTION\n", "without a BEGIN"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside the block"),
])
def test_unbalanced_markers_are_reported_with_their_line(source, problem):
    with pytest.raises(GraderError, match=problem):
        make_stub(source, name="solutions/x.py")
