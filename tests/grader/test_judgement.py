"""Is every named mistake caught with its hint whatever the seed?

Each known mistake's file must lose points and get its hint at five seeds: its fixed examples
(the inputs that expose it, tried first by the checks) make that hold at any seed, not the luck
of a draw.
"""

import pytest

from grader import catalog
from tests.conftest import SUBMISSIONS, graded

SEEDS = (1, 2, 3, 4)  # seed 0: tests/grader/test_catalog.py
PORTED = [module for module in catalog.module_names() if catalog.key_file(module).is_file()]
MISTAKES = [(catalog.load(module), mistake_id) for module in PORTED
            for mistake_id in sorted({mistake.id for mistake in catalog.load(module).mistakes})]


@pytest.mark.parametrize("exercise, mistake_id", MISTAKES, ids=lambda case: getattr(case, "id", case))
def test_each_known_mistake_is_caught_with_its_hint_at_five_seeds(exercise, mistake_id):
    """At seeds 1 to 4 (and 0, in test_catalog), does this mistake's file lose points with its hint?"""
    hints = {mistake.hint for mistake in exercise.mistakes if mistake.id == mistake_id}
    for seed in SEEDS:
        result = graded(exercise.id, SUBMISSIONS / exercise.id / f"{mistake_id}.py", seed)
        failed = [test for test in result.tests if test.status == "failed"]
        assert result.score < result.max_score, seed
        assert any(hint in test.hint for test in failed for hint in hints), (seed, [t.hint for t in failed])
