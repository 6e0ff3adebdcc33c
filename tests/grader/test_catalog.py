"""Does every exercise in the catalog tell right from wrong?

The cases come from the declarations: adding an exercise (its solution, generated stub,
declaration and mistake files) adds its cases here. This is also what `grade selftest`
proves for an instructor (tests/instructor/test_selftest.py tests the command on one
exercise, not all of them again). Questions particular to one exercise live in
tests/grader/test_exerciseN.py.
"""

import pytest

from grader import catalog
from tests.conftest import ROOT, SUBMISSIONS, graded

EXERCISES = [catalog.load(module) for module in catalog.module_names()]
MISTAKES = [(exercise, mistake_id) for exercise in EXERCISES
            for mistake_id in sorted({mistake.id for mistake in exercise.mistakes})]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_the_solution_scores_full_marks(exercise):
    """Does the solution get every point, hidden checks included, with no hint anywhere?"""
    result = graded(exercise.id, ROOT / "solutions" / f"{exercise.module}.py")
    assert result.score == result.max_score == exercise.max_score, [t.output for t in result.tests if t.output]
    assert all(test.status == "passed" and not test.hint for test in result.tests)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_the_stub_scores_zero_and_says_not_implemented(exercise):
    """Does the untouched stub get 0, each check saying 'not implemented yet'?"""
    result = graded(exercise.id, ROOT / "exercises" / f"{exercise.module}.py")
    assert result.score == 0
    assert all(test.status == "failed" and "not implemented yet" in test.output for test in result.tests)


@pytest.mark.parametrize("exercise, mistake_id", MISTAKES, ids=lambda case: getattr(case, "id", case))
def test_each_known_mistake_loses_points_and_gets_its_hint(exercise, mistake_id):
    """Does the file that makes this mistake lose points, with this mistake's hint on a failed check?"""
    result = graded(exercise.id, SUBMISSIONS / exercise.id / f"{mistake_id}.py")
    hints = {mistake.hint for mistake in exercise.mistakes if mistake.id == mistake_id}
    assert result.score < result.max_score and not result.has_errors
    failed = [test for test in result.tests if test.status == "failed"]
    assert any(hint in test.hint for test in failed for hint in hints), [t.hint for t in failed]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_every_mistake_file_is_a_declared_mistake(exercise):
    """Is each file in tests/submissions/<exercise> one of the declared mistakes, and each mistake a file?"""
    files = {path.stem for path in (SUBMISSIONS / exercise.id).glob("*.py")}
    assert files == {mistake.id for mistake in exercise.mistakes}


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda exercise: exercise.id)
def test_every_check_fails_for_some_wrong_submission(exercise, tmp_path):
    """A check that no wrong submission fails cannot tell right from wrong: does each one fail for a
    known mistake's file, or for the stub with every function returning None?"""
    stub = (ROOT / "exercises" / f"{exercise.module}.py").read_text(encoding="utf-8")
    returns_none = tmp_path / f"{exercise.module}.py"
    returns_none.write_text(stub + "".join(f"\n\ndef {name}(*args, **kwargs):\n    return None\n"
                                           for name in exercise.functions), encoding="utf-8")
    wrong = [returns_none] + [SUBMISSIONS / exercise.id / f"{mistake_id}.py" for _, mistake_id in MISTAKES
                              if _ == exercise]
    failed = {test.name for path in wrong for test in graded(exercise.id, path).tests if test.status != "passed"}
    assert failed == {check.name for check in exercise.checks}
