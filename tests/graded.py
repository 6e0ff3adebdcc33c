"""Helpers for the tests of graded runs: a lookup table recorded from the practice draws, and
what a file that hunts for the seed must never find."""

from __future__ import annotations

import base64
import functools
import io
import types
from pathlib import Path

from grader import catalog, seeds
from tests.conftest import ROOT, SUBMISSIONS

LOOKUP_TABLE = SUBMISSIONS / "hostile" / "lookup_table.py"
PRINTS_SEED = SUBMISSIONS / "hostile" / "prints_seed.py"
MODULE = "exercise1_convolution"
LECTURE_POINTS = 4  # the most exercise 1's fixed examples are worth: what a lookup table may keep


@functools.cache
def recorded_table() -> str:
    """LOOKUP_TABLE's text with its TABLE filled: every call a correct file gets in a practice run
    (seed 0) through the real worker, with the answer it gave."""
    import numpy as np
    import pytest

    from grader.grading import grade
    from grader.worker.client import WorkerProcess

    lookup = types.ModuleType("lookup_table")  # run from its text, not imported: no bytecode beside the submission
    exec(compile(LOOKUP_TABLE.read_text(), LOOKUP_TABLE, "exec"), vars(lookup))
    table: dict[str, str] = {}
    asked: dict = {}  # id of a call sent -> what it asked
    real_send, real_receive = WorkerProcess.send, WorkerProcess.receive

    def recording_send(self, op, args, **options):
        sent = real_send(self, op, args, **options)
        if sent is not None and op == "call":
            asked[id(sent)] = args
        return sent

    def recording_receive(self, sent, **options):
        outcome = real_receive(self, sent, **options)
        args = asked.pop(id(sent), None)
        if outcome.ok and args is not None:
            saved = io.BytesIO()
            np.save(saved, np.asarray(outcome.value), allow_pickle=False)
            table[lookup.key(args["function"], tuple(args["args"]), args["kwargs"])] = \
                base64.b64encode(saved.getvalue()).decode()
        return outcome

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WorkerProcess, "send", recording_send)
        patch.setattr(WorkerProcess, "receive", recording_receive)
        practice = grade([MODULE], submission=ROOT / "solutions" / f"{MODULE}.py", seed=seeds.PRACTICE_SEED)
    assert practice.score == practice.max_score and len(table) > 50, (practice.score, len(table))
    return LOOKUP_TABLE.read_text().replace("TABLE = {}", f"TABLE = {table!r}", 1)


def lookup_table_file(folder: Path) -> Path:
    """The recorded lookup table, as exercise 1 in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{MODULE}.py"
    path.write_text(recorded_table())
    return path


def never_shown(secret: seeds.SecretSeed) -> list[str]:
    """What no report may hold: the secret and every seed the grader draws with, in decimal and hex."""
    values = [secret.key.decode()]
    for module in catalog.module_names():
        drawn = seeds.session_seed(secret, module)
        values += [str(drawn), f"{drawn:x}"]
    return values
