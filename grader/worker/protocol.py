"""The wire format between the grader and its worker: JSON plus `.npy` bytes, never pickle.

A frame is `u64 body length | u32 header length | header JSON | (u64 length | .npy bytes)*`.
Values inside the header are JSON, with arrays replaced by `{"$array": index}` into the list
of arrays that follows; tuples and dicts are tagged so that they survive the trip. Anything
else the submission returns crosses as `{"$object": type name, "repr": ...}`: a description,
never the object. Both sides import this module, so it needs only the standard library and
NumPy.
"""

from __future__ import annotations

import io
import json
import os
import select
import struct
import time

import numpy as np

from grader.worker.wire import Opaque

MAX_FRAME_BYTES = 256 * 2**20
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")


class ProtocolError(Exception):
    """The other side sent something that is not a frame (or sent it too late)."""


class FrameTimeout(ProtocolError):
    """No complete frame arrived before the deadline."""


class PeerClosed(ProtocolError):
    """The other side closed its end (it exited or crashed)."""


def encode(value, arrays: list) -> object:
    """Turn `value` into JSON-able data, appending its arrays to `arrays`."""
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        arrays.append(value)
        return {"$array": len(arrays) - 1}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"$tuple": [encode(item, arrays) for item in value]}
    if isinstance(value, list):
        return [encode(item, arrays) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"$dict": {key: encode(item, arrays) for key, item in value.items()}}
    try:
        text = repr(value)[:300]
    except Exception:  # a hostile __repr__ must not break the worker
        text = "<unprintable>"
    return {"$object": type(value).__name__, "repr": text}


def decode(data, arrays: list) -> object:
    """Inverse of `encode`."""
    if isinstance(data, list):
        return [decode(item, arrays) for item in data]
    if not isinstance(data, dict):
        return data
    if "$array" in data:
        return arrays[data["$array"]]
    if "$tuple" in data:
        return tuple(decode(item, arrays) for item in data["$tuple"])
    if "$dict" in data:
        return {key: decode(item, arrays) for key, item in data["$dict"].items()}
    if "$object" in data:
        return Opaque(str(data["$object"]), str(data.get("repr", "")))
    raise ProtocolError(f"unknown tagged value {sorted(data)}")


def pack(header: dict, arrays: list) -> bytes:
    """One frame holding `header` (JSON) and `arrays` (.npy)."""
    header_bytes = json.dumps({**header, "n_arrays": len(arrays)}).encode()
    parts = [_U32.pack(len(header_bytes)), header_bytes]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        parts += [_U64.pack(buffer.tell()), buffer.getvalue()]
    body = b"".join(parts)
    return _U64.pack(len(body)) + body


def unpack(body: bytes) -> tuple[dict, list]:
    """Header and arrays of a frame's body; raises ProtocolError on anything malformed."""
    try:
        (header_length,) = _U32.unpack_from(body, 0)
        offset = _U32.size + header_length
        header = json.loads(body[_U32.size:offset])
        arrays = []
        for _ in range(int(header["n_arrays"])):
            (length,) = _U64.unpack_from(body, offset)
            offset += _U64.size
            arrays.append(np.load(io.BytesIO(body[offset:offset + length]), allow_pickle=False))
            offset += length
    except Exception as error:
        raise ProtocolError(f"malformed frame: {error}") from None
    if not isinstance(header, dict) or offset != len(body):
        raise ProtocolError("malformed frame: trailing bytes or a header that is not an object")
    return header, arrays


def write_frame(fd: int, frame: bytes, deadline: float | None = None) -> None:
    """Write all of `frame` to `fd`; with a deadline, `fd` must be non-blocking."""
    view = memoryview(frame)
    while view:
        if deadline is not None:
            _wait(fd, deadline, writable=True)
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        except BrokenPipeError:
            raise PeerClosed("the other side closed the pipe") from None
        view = view[written:]


def read_frame(fd: int, deadline: float | None = None, max_bytes: int = MAX_FRAME_BYTES) -> tuple[dict, list]:
    """Read one frame from `fd`; with a deadline, `fd` must be non-blocking."""
    (length,) = _U64.unpack(_read_exactly(fd, _U64.size, deadline))
    if length > max_bytes:
        raise ProtocolError(f"a reply of {length} bytes is larger than the limit of {max_bytes}")
    return unpack(_read_exactly(fd, length, deadline))


def _read_exactly(fd: int, count: int, deadline: float | None) -> bytes:
    chunks, missing = [], count
    while missing:
        if deadline is not None:
            _wait(fd, deadline, writable=False)
        try:
            chunk = os.read(fd, min(missing, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise PeerClosed("the other side closed the pipe")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _wait(fd: int, deadline: float, *, writable: bool) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FrameTimeout("deadline passed")
    ready = select.select([], [fd], [], remaining) if writable else select.select([fd], [], [], remaining)
    if not any(ready):
        raise FrameTimeout("deadline passed")
