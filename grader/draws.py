"""What hypothesis draws for a property check at a seed, drawn once per process and replayed.

Hypothesis is deterministic here (a seed, no database, no deadline): while every input passes,
it feeds the property the very same inputs, whoever's submission it judges. A graded run has
one seed per exercise for the whole class, so a batch's pool process draws each check's inputs
once (`drawn`) and replays them for every student; hypothesis runs again, drawing the same
inputs and then shrinking, only for a submission that fails one (grader.checks). The drawing
costs about as much as judging, so this halves a passing check's time in a batch, and a single
`grade` draws each check's inputs once, as before.

The inputs kept are bounded (`MAX_KEPT` checks' worth, the least recently used dropped) and
never handed out themselves: each replay gets a copy, so nothing a property does to its inputs
reaches the next student.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

MAX_KEPT = 512  # (check, seed) pairs; a check's inputs are small arrays, 30 of them at most
_KEPT: OrderedDict = OrderedDict()


def hypothesis_settings(max_examples: int) -> settings:
    """How every property check runs hypothesis: deterministic from the seed, quiet, no database,
    no deadline (a slow submission is the time budget's business), no "explain" phase (hundreds
    of calls)."""
    return settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                    suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet, report_multiple_bugs=False,
                    print_blob=False, phases=(Phase.explicit, Phase.generate, Phase.shrink))


def drawn(check, seed: int) -> list[dict]:
    """The inputs hypothesis gives `check`'s property at `seed` while every one passes, in order:
    a fresh copy of each."""
    key = (id(check), seed)
    if key in _KEPT:
        _KEPT.move_to_end(key)
    else:
        _KEPT[key] = (check, _draw(check, seed))  # the check is kept too, so its id stays its own
        while len(_KEPT) > MAX_KEPT:
            _KEPT.popitem(last=False)
    return copy.deepcopy(_KEPT[key][1])


def _draw(check, seed: int) -> list[dict]:
    inputs: list[dict] = []

    @hypothesis_seed(seed)
    @hypothesis_settings(check.max_examples)
    @given(check.inputs)
    def collect(drawn_inputs):
        inputs.append(copy.deepcopy(drawn_inputs))

    collect()
    return inputs
