"""The wire format between the grader and its worker: JSON plus `.npy` bytes, never pickle.

A frame is `u64 body length | u32 header length | header JSON | (u64 length | .npy bytes)*`.
Values inside the header are JSON, with arrays replaced by `{"$array": index}` into the list
of arrays that follows; tuples and dicts are tagged so that they survive the trip. Anything
else the submission returns crosses as `{"$object": type name, "repr": ...}`: a description,
never the object. Both sides import this module, so it needs only the standard library and
NumPy.

The grader trusts no reply: the submission runs in the worker and can write to the reply
descriptor itself. `read_reply` takes only a well-formed answer to the request just sent (its
`id` echoed), with every field of the expected type, and refuses a frame longer than the
caller allows after reading a few hundred bytes of it.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import select
import struct
import time

import numpy as np

from grader.worker.wire import Opaque

MAX_FRAME_BYTES = 256 * 2**20
_IOV_MAX = 1024  # pieces one writev takes on Linux
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")


class ProtocolError(Exception):
    """The other side sent something that is not a frame (or sent it too late)."""


class FrameTimeout(ProtocolError):
    """No complete frame arrived before the deadline."""


class PeerClosed(ProtocolError):
    """The other side closed its end (it exited or crashed)."""


class ReplyTooLarge(ProtocolError):
    """A frame longer than the reader allows: refused after reading only its first bytes.

    `shape` is what its first array announced ("shape (2000, 2000), float64"), or "not an
    array"; the rest of the frame is never kept (read and thrown away when `drained`).
    """

    def __init__(self, length: int, shape: str, drained: bool = False):
        super().__init__(f"{shape}, {_megabytes(length)}")
        self.length = length
        self.shape = shape
        self.drained = drained  # the rest was read and thrown away: the pipe is ready for the next frame


class Reply:
    """A worker's answer, checked field by field: what `read_reply` returns."""

    def __init__(self, ok: bool, value: object, error: dict | None, stdout: str):
        self.ok, self.value, self.error, self.stdout = ok, value, error, stdout


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
    """Inverse of `encode`; raises ProtocolError on anything `encode` cannot have made."""
    if isinstance(data, list):
        return [decode(item, arrays) for item in data]
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict) or not data:
        raise ProtocolError(f"a value of type {type(data).__name__}")
    tag = next(iter(data))
    if tag == "$array" and len(data) == 1:
        index = data[tag]
        if type(index) is not int or not 0 <= index < len(arrays):
            raise ProtocolError(f"an array index {str(index)[:20]} with {len(arrays)} arrays")
        return arrays[index]
    if tag == "$tuple" and len(data) == 1 and isinstance(data[tag], list):
        return tuple(decode(item, arrays) for item in data[tag])
    if tag == "$dict" and len(data) == 1 and isinstance(data[tag], dict):
        return {key: decode(item, arrays) for key, item in data[tag].items()}
    if tag == "$object" and set(data) <= {"$object", "repr"} and isinstance(data[tag], str) \
            and isinstance(data.get("repr", ""), str):
        return Opaque(data[tag][:100], data.get("repr", "")[:300])
    raise ProtocolError(f"an unknown tagged value {sorted(data)[:3]}")


def read_reply(fd: int, *, request_id: int, deadline: float | None = None,
               max_bytes: int = MAX_FRAME_BYTES) -> Reply:
    """The reply to request `request_id`, every field checked.

    The submission runs in the worker and knows the reply descriptor, so it can write frames
    of its own: a frame that is not a well-formed answer to this very request raises
    ProtocolError (ReplyTooLarge past `max_bytes`), and the caller restarts the worker.
    """
    header, arrays = read_frame(fd, deadline, max_bytes)
    try:
        return _reply(header, arrays, request_id)
    except RecursionError:
        raise ProtocolError("a value nested too deeply") from None


def _reply(header: dict, arrays: list, request_id: int) -> Reply:
    unknown = set(header) - {"ok", "value", "error", "stdout", "id", "n_arrays"}
    if unknown:
        raise ProtocolError(f"unexpected fields {sorted(unknown)[:3]}")
    if header.get("id") != request_id or type(header.get("id")) is not int:
        raise ProtocolError(f"an answer to request {str(header.get('id'))[:20]}, not to request {request_id}")
    ok, stdout, error = header.get("ok"), header.get("stdout", ""), header.get("error")
    if not isinstance(ok, bool) or not isinstance(stdout, str):
        raise ProtocolError("no ok flag, or output that is not text")
    if ok != (error is None):
        raise ProtocolError("an error in a successful reply, or a failed reply without one")
    if error is not None:
        error = _error(error)
    elif any(array.dtype.kind not in "biufc" for array in arrays):
        raise ProtocolError("an array that is not numeric")
    return Reply(ok, decode(header.get("value"), arrays) if ok else None, error, stdout)


def _error(error: object) -> dict:
    """The submission's exception as the worker describes it: type, message, line, source."""
    if not isinstance(error, dict) or set(error) - {"type", "message", "line", "source"} \
            or not isinstance(error.get("type"), str) or not isinstance(error.get("message", ""), str) \
            or not isinstance(error.get("source", ""), str) \
            or not (error.get("line") is None or type(error.get("line")) is int):
        raise ProtocolError("an error that is not {type, message, line, source}")
    return {"type": error["type"][:100], "message": error.get("message", "")[:500], "line": error.get("line"),
            "source": error.get("source", "")[:300]}


def pack(header: dict, arrays: list) -> bytes:
    """One frame holding `header` (JSON) and `arrays` (.npy, as np.save writes them)."""
    return b"".join(frame_parts(header, arrays))


def frame_parts(header: dict, arrays: list) -> list:
    """`pack`'s frame as the pieces it is joined from, for `write_frame` to send as they are: an
    array's values are a view, never copied on this side (np.save into a buffer copied AlexNet's
    34 MB of weights four times, each into fresh memory; joining the pieces, once)."""
    header_bytes = json.dumps({**header, "n_arrays": len(arrays)}).encode()
    parts: list = [_U32.pack(len(header_bytes)), header_bytes]
    for array in arrays:
        npy_header, values = _npy(np.asarray(array))
        parts += [_U64.pack(len(npy_header) + values.nbytes), npy_header, values]
    length = sum(part.nbytes if isinstance(part, np.ndarray) else len(part) for part in parts)
    return [_U64.pack(length), *parts]


def frame_size(parts: list) -> int:
    """The bytes of a frame made by `frame_parts`: its length field and what it counts."""
    return _U64.size + _U64.unpack(parts[0])[0]


def _npy(array: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The .npy header of a numeric `array` and its values as bytes in the order the header
    says (a view where it can be one)."""
    fortran = array.flags.f_contiguous and not array.flags.c_contiguous
    ordered = array.T if fortran else np.ascontiguousarray(array)
    if array.dtype.kind in "biufc":  # a plain number type: its .npy description is its `str`
        header = _npy_header(array.dtype.str, fortran, array.shape)
    else:
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, np.lib.format.header_data_from_array_1_0(array))
        header = buffer.getvalue()
    return header, ordered.reshape(-1).view(np.uint8)


@functools.lru_cache(maxsize=1024)
def _npy_header(descr: str, fortran: bool, shape: tuple) -> bytes:
    """np.save's header for a plain array (10 us to write; a call sends the same few again and again)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buffer.getvalue()


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
            arrays.append(load_npy(memoryview(body)[offset:offset + length]))
            offset += length
    except Exception as error:
        raise ProtocolError(f"malformed frame: {error}") from None
    if not isinstance(header, dict) or offset != len(body):
        raise ProtocolError("malformed frame: trailing bytes or a header that is not an object")
    return header, arrays


# The header np.save writes for a plain array: its dtype, its order, its shape, then spaces and a newline.
_NPY_HEADER = re.compile(rb"\{'descr': '([<>|=]?[biufc]\d+)', 'fortran_order': (True|False), 'shape': \(([\d, ]*)\), \} *\n")


def load_npy(data: memoryview) -> np.ndarray:
    """One `.npy` array, as np.load(allow_pickle=False) reads it. A plain numeric array's header
    is read here (np.load parses it as Python source, a tenth of a millisecond per array, which
    thousands of calls per student add up); anything else goes to np.load."""
    version = data[6] if len(data) > 9 and data[:6] == b"\x93NUMPY" else 0
    start = 10 if version == 1 else 12
    size = int.from_bytes(data[8:start], "little") if version in (1, 2) else 0
    plain = _plain_header(bytes(data[start:start + size])) if 0 < size <= _PLAIN_HEADER_BYTES else None
    if plain is None:
        return np.load(io.BytesIO(data), allow_pickle=False)
    dtype, shape, count, fortran = plain
    body = data[start + size:]
    if len(body) != count * dtype.itemsize:
        raise ValueError(f"{len(body)} bytes of data for {count} values of {dtype}")
    array = np.frombuffer(bytearray(body), dtype=dtype)
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)


_PLAIN_HEADER_BYTES = 4096  # longer headers (np.save's are 128 bytes for up to 9 dimensions) go to np.load


@functools.lru_cache(maxsize=1024)
def _plain_header(header: bytes) -> tuple[np.dtype, tuple, int, bool] | None:
    """(dtype, shape, number of values, Fortran order) of a plain array's .npy header, else None."""
    found = _NPY_HEADER.fullmatch(header)
    if found is None:
        return None
    shape = tuple(int(side) for side in found[3].split(b",") if side.strip())
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    return np.dtype(found[1].decode()), shape, count, found[2] == b"True"


def write_frame(fd: int, frame: bytes | list, deadline: float | None = None) -> None:
    """Write all of `frame` (bytes, or `frame_parts`'s pieces, gathered by writev) to `fd`; with a
    deadline, `fd` must be non-blocking."""
    parts = [frame] if isinstance(frame, (bytes, bytearray)) else frame
    if len(parts) > _IOV_MAX:  # thousands of small arrays: joined, they go quicker than piece by piece
        parts = [b"".join(parts)]
    views = [view for view in (memoryview(part).cast("B") for part in parts) if len(view)]
    first = 0  # the first piece not yet sent whole
    while first < len(views):
        _check(deadline)
        try:
            written = os.writev(fd, views[first:first + _IOV_MAX])
        except BlockingIOError:  # the pipe is full: wait until it is not (no select before: it seldom is)
            _wait(fd, deadline, writable=True)
            continue
        except BrokenPipeError:
            raise PeerClosed("the other side closed the pipe") from None
        while written:  # step past what went, keep the rest of a piece sent in part
            if written >= len(views[first]):
                written -= len(views[first])
                first += 1
            else:
                views[first], written = views[first][written:], 0


def read_frame(fd: int, deadline: float | None = None, max_bytes: int = MAX_FRAME_BYTES) -> tuple[dict, list]:
    """Read one frame from `fd`; with a deadline, `fd` must be non-blocking."""
    (length,) = _U64.unpack(_read_exactly(fd, _U64.size, deadline, waiting=True))
    if length > max_bytes:
        counted = _Counted(fd)
        shape = _announced_shape(counted, deadline)
        drained = counted.count <= length <= MAX_FRAME_BYTES and _discard(fd, length - counted.count, deadline)
        raise ReplyTooLarge(length, shape, drained)
    return unpack(_read_exactly(fd, length, deadline))


class _Counted(int):
    """A descriptor that counts the bytes read through `_read_exactly`."""

    count: int

    def __new__(cls, fd: int):
        counted = super().__new__(cls, fd)
        counted.count = 0
        return counted


def _discard(fd: int, count: int, deadline: float | None) -> bool:
    """Read `count` bytes and keep none of them; False when the deadline or the peer cut it short."""
    try:
        while count > 0:
            count -= len(_read_exactly(fd, min(count, 1 << 20), deadline))
    except ProtocolError:
        return False
    return True


def _announced_shape(fd: _Counted, deadline: float | None) -> str:
    """'shape (2000, 2000), float64': what the frame's first array announces in its .npy header
    (a few hundred bytes are read), or "not an array" when there is none to read (a long list)."""
    try:
        (header_length,) = _U32.unpack(_read_exactly(fd, _U32.size, deadline))
        if header_length > 65536:
            raise ValueError("a long header")
        if int(json.loads(_read_exactly(fd, header_length, deadline))["n_arrays"]) < 1:
            raise ValueError("no arrays: a long list, say")
        _read_exactly(fd, _U64.size, deadline)  # the array's length
        magic = _read_exactly(fd, 8, deadline)  # \x93NUMPY, major and minor version
        size_bytes = _read_exactly(fd, 2 if magic[6] == 1 else 4, deadline)
        size = int.from_bytes(size_bytes, "little")
        if size > 4096:
            raise ValueError("a long .npy header")
        read_header = np.lib.format.read_array_header_1_0 if magic[6] == 1 else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(io.BytesIO(size_bytes + _read_exactly(fd, size, deadline)))
    except Exception:  # noqa: BLE001 - a header that cannot be read is described by the frame's size
        return "not an array"
    return f"shape {tuple(shape)}, {dtype}"


def _megabytes(length: int) -> str:
    return f"{length / 2**20:.1f} MB" if length >= 2**20 else f"{length:,} bytes"


def _read_exactly(fd: int, count: int, deadline: float | None, *, waiting: bool = False) -> bytes:
    """`count` bytes; `waiting`: they are not there yet (select first, not after a read that fails)."""
    chunks, missing = [], count
    while missing:
        _check(deadline)
        if waiting:
            _wait(fd, deadline, writable=False)
        try:
            chunk = os.read(fd, min(missing, 1 << 20))
        except BlockingIOError:
            waiting = True
            continue
        if not chunk:
            raise PeerClosed("the other side closed the pipe")
        chunks.append(chunk)
        missing -= len(chunk)
    if isinstance(fd, _Counted):
        fd.count += count
    return b"".join(chunks)


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise FrameTimeout("deadline passed")


def _wait(fd: int, deadline: float | None, *, writable: bool) -> None:
    if deadline is None:  # a blocking descriptor: the read or write itself waits
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FrameTimeout("deadline passed")
    ready = select.select([], [fd], [], remaining) if writable else select.select([fd], [], [], remaining)
    if not any(ready):
        raise FrameTimeout("deadline passed")
