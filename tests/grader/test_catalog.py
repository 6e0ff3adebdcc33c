"""Does every exercise in the catalog tell right from wrong?

The proof is `grade selftest`'s own (grader.instructor.selftest.prove), run here for every exercise
in the catalog: the solution scores full marks with no hint, the stub scores 0 saying "not
implemented yet", each known mistake's file loses points with its hint, every mistake file is a
declared mistake, and every check fails for some wrong submission. Adding an exercise (its
solution, generated stub, declaration and mistake files) adds its case here.
tests/instructor/test_selftest.py tests the command on one exercise; questions particular to one
exercise live in tests/grader/test_exerciseN.py.
"""

import functools

import pytest

from grader import catalog
from grader.instructor.selftest import prove
from tests.conftest import ROOT, graded

EXERCISES = [catalog.load(module) for module in catalog.module_names()]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_every_check_tells_right_from_wrong(exercise):
    """Does `grade selftest`'s proof hold for this exercise, every case of it?"""
    rows = prove(exercise, root=ROOT, graded=functools.partial(graded, exercise.id))
    failed = [f"{row.case}: {row.verdict}" for row in rows if not row.ok]
    assert rows and not failed, "\n".join(failed)
