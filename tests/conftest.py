"""Shared helpers: grading a real submission file once per test session."""

import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"


@functools.cache
def graded(exercise: str, path: Path, seed: int = 0):
    """The ExerciseResult of grading `path` (a real file) through the real worker and sandbox."""
    from grader.grading import grade

    return grade([exercise], submission=path, seed=seed).exercises[0]


@pytest.fixture
def grade_file():
    return graded


def by_name(result) -> dict:
    return {test.name: test for test in result.tests}
