"""Practice seeds and graded secrets (grader/seeds.py): does nothing that leaves the grader tell
the secret, and do graded runs draw differently from practice ones, and alike on reruns?"""

import pytest

from grader import seeds
from grader.errors import GraderError
from grader.grading import grade
from tests.conftest import SUBMISSIONS

SECRET = seeds.SecretSeed(b"0123456789abcdef0123456789abcdef")


def test_the_derived_seeds_differ_by_label_and_by_secret_and_repeat():
    other = seeds.SecretSeed(b"fedcba9876543210fedcba9876543210")
    assert seeds.derive(SECRET, "session exercise1") == seeds.derive(SECRET, "session exercise1")
    assert seeds.derive(SECRET, "session exercise1") != seeds.derive(SECRET, "session exercise2")
    assert seeds.derive(SECRET, "session exercise1") != seeds.derive(other, "session exercise1")
    assert seeds.session_seed(SECRET, "m") != seeds.worker_seed(SECRET, "m")
    assert 0 <= seeds.derive(SECRET, "x") < 2**63


def test_practice_seeds_are_themselves():
    assert seeds.session_seed(7, "m") == seeds.worker_seed(7, "m") == seeds.shown(7) == 7


def test_the_secret_never_shows_in_its_text():
    """str, repr, an f-string, a cache key: is it always the fingerprint?"""
    key = SECRET.key.decode()
    for text in (str(SECRET), repr(SECRET), f"{SECRET}", f"{SECRET!r}", str([SECRET]), str(seeds.shown(SECRET))):
        assert key not in text and seeds.fingerprint(SECRET) in text


def test_a_short_or_unreadable_secret_is_one_clear_error(tmp_path):
    with pytest.raises(GraderError, match="at least 16 characters"):
        seeds.SecretSeed(b"31337")
    with pytest.raises(GraderError, match="cannot read the secret seed"):
        seeds.read(tmp_path / "nope")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(GraderError, match="is empty"):
        seeds.read(tmp_path / "empty")


def test_the_worker_gets_a_derived_seed_and_the_report_the_fingerprint():
    """Graded through the real worker, does the hunter see only the worker's derived seed, and the
    report show the fingerprint, with the hidden check run?"""
    result = grade(["exercise1"], submission=SUBMISSIONS / "hostile" / "prints_seed.py", seed=SECRET).exercises[0]
    printed = "\n".join(test.output + test.stdout for test in result.tests)
    assert f"found: worker config seed: {seeds.worker_seed(SECRET, 'exercise1_convolution')}" in printed
    assert SECRET.key.decode() not in printed
    assert str(seeds.session_seed(SECRET, "exercise1_convolution")) not in printed
    assert result.seed == str(SECRET) and any(test.visibility == "hidden" for test in result.tests)
