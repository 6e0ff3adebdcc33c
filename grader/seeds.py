"""Which inputs a run draws: practice seeds anyone may know, and a secret that graded runs keep.

- **Practice** (the student kit, `grade EXERCISE`, the GitHub workflow in the student's own
  repository): a plain number (`--seed`, default 0), shown in every report as itself, so that a
  student can rerun the very same counterexamples.
- **Graded** (`grade batch`, the Gradescope autograder, Dask workers): a `SecretSeed`, made once
  per RESULTS folder (kept there as `seed.secret`, readable by the grader's user only) or given
  by staff (`--secret-file FILE`, or the secret itself in `CNN_GRADER_SECRET`). Never on a
  command line: /proc/*/cmdline is readable by every user, the unprivileged fallback's worker
  included.

The secret never leaves the grader. Everything that depends on it is derived one way, by
HMAC-SHA256 keyed with the secret (`derive`): the seed hypothesis and the model checks draw
from (`session_seed`, one per exercise) and the seed the worker reseeds its own random numbers
with (`worker_seed`). Reports show `fingerprint(secret)`, never the secret nor what is derived
from it: a draw recorded in a practice run, or seen in a report, says nothing of the next one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError

PRACTICE_SEED = 0
ENVIRONMENT = "CNN_GRADER_SECRET"
SECRET_FILE = "seed.secret"  # in RESULTS, beside the gradebook
_BITS = 63  # a non-negative int that torch, NumPy and hypothesis all take


@dataclass(frozen=True)
class SecretSeed:
    """A graded run's secret. Its text (`str`, `repr`, an f-string, a fingerprint in a cache
    key) is its fingerprint, never the key."""

    key: bytes = field(repr=False)

    def __post_init__(self):
        if len(self.key) < 16:
            raise GraderError("a secret seed needs at least 16 characters: `grade batch` makes one for you "
                              f"(RESULTS/{SECRET_FILE}), or use "
                              "`python -c 'import secrets; print(secrets.token_hex())'`")

    def __str__(self) -> str:
        return f"secret {fingerprint(self)}"

    __repr__ = __str__


Seed = int | SecretSeed


def derive(secret: SecretSeed, label: str) -> int:
    """A number for `label` ("session exercise1_convolution"), computed from the secret one way."""
    digest = hmac.new(secret.key, label.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - _BITS)


def fingerprint(secret: SecretSeed) -> str:
    """Twelve hex digits that tell two secrets apart in a report, and tell nothing of the draws."""
    return hmac.new(secret.key, b"cnn-grader fingerprint", hashlib.sha256).hexdigest()[:12]


def is_graded(seed: Seed) -> bool:
    return isinstance(seed, SecretSeed)


def session_seed(seed: Seed, module: str) -> int:
    """The seed of the grader's own draws for `module` (hypothesis, the model checks' weights)."""
    return derive(seed, f"session {module}") if isinstance(seed, SecretSeed) else seed


def worker_seed(seed: Seed, module: str) -> int:
    """The seed the worker reseeds `random`, NumPy and torch with before every call."""
    return derive(seed, f"worker {module}") if isinstance(seed, SecretSeed) else seed


def shown(seed: Seed) -> int | str:
    """What a report says of the seed: a practice seed as itself, a secret as its fingerprint."""
    return str(seed) if isinstance(seed, SecretSeed) else seed


def given(secret_file: Path | None = None) -> SecretSeed | None:
    """The secret staff gave: the file `secret_file`, else the environment's CNN_GRADER_SECRET, else None."""
    if secret_file is not None:
        return read(secret_file)
    text = os.environ.get(ENVIRONMENT, "").strip()
    return SecretSeed(text.encode("utf-8")) if text else None


def read(path: Path) -> SecretSeed:
    """The secret in the file `path` (its first line, white space stripped)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise GraderError(f"cannot read the secret seed in {path}: {reason}") from None
    if not text:
        raise GraderError(f"{path} is empty: it should hold the secret seed (one line)")
    return SecretSeed(text.encode("utf-8"))


def for_results(results: Path) -> SecretSeed:
    """The graded seed of the RESULTS folder `results`: the one in CNN_GRADER_SECRET, else the one
    kept in RESULTS/seed.secret, made there on the first run (mode 0600), so that reruns draw alike."""
    staff = given()
    if staff is not None:
        return staff
    path = results / SECRET_FILE
    if not path.exists():
        results.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run made it a moment ago
            return read(path)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(new().key.decode() + "\n")
    return read(path)


def new() -> SecretSeed:
    """A fresh secret: 64 random hex digits."""
    return SecretSeed(secrets.token_hex(32).encode())
