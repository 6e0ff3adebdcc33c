"""Hostile: a lookup table, no implementation. Its author graded a correct file in practice runs,
recorded every input each function received and the answer, and now returns the recorded answer
for an input it has seen, and nothing for any other.

`TABLE` is empty here: tests/staff/test_graded_runs.py fills a copy with the answers recorded
from the practice draws (seed 0), through the real worker. In a practice run at that seed the
copy scores full marks; in a graded run (a secret seed) only the fixed lecture examples match.
"""
import base64
import hashlib
import io

import numpy as np

TABLE = {}  # key(function, args, kwargs) -> the answer as base64 .npy bytes


def key(function, args, kwargs):
    """The same text for the same call, on the recording side and here."""
    digest = hashlib.sha256(function.encode())
    for name, value in [*enumerate(args), *sorted(kwargs.items())]:
        if isinstance(value, np.ndarray):
            digest.update(f"|{name}:{value.dtype.str}{value.shape}|".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        else:
            digest.update(f"|{name}:{value!r}|".encode())
    return digest.hexdigest()


def _recorded(function, args, kwargs):
    answer = TABLE.get(key(function, args, kwargs))
    if answer is None:
        return None  # never seen: a lookup table has nothing to say
    return np.load(io.BytesIO(base64.b64decode(answer)), allow_pickle=False)


def correlate2d(*args, **kwargs):
    return _recorded("correlate2d", args, kwargs)


def conv2d(*args, **kwargs):
    return _recorded("conv2d", args, kwargs)
