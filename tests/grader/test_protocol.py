"""Does the wire format carry arrays and plain data, and refuse everything else?"""

import io
import os
import threading
import time

import numpy as np
import pytest

from grader.worker import protocol


def roundtrip(value):
    arrays = []
    data = protocol.encode(value, arrays)
    header, received = protocol.unpack(protocol.pack({"value": data}, arrays)[8:])
    return protocol.decode(header["value"], received)


def test_arrays_tuples_dicts_and_scalars_survive():
    value = {"x": np.arange(6, dtype=np.uint8).reshape(2, 3), "pad": (1, 2), "b": None, "s": np.float32(1.5)}
    back = roundtrip(value)
    assert back["x"].dtype == np.uint8 and back["x"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back["pad"] == (1, 2) and back["b"] is None and back["s"] == 1.5


@pytest.mark.parametrize("array", [
    np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4).T, np.arange(24).reshape(2, 3, 4)[:, ::2],
    np.asarray(2.5), np.zeros((0, 3)), np.zeros((3, 0), order="F"), np.array([True, False]), np.array([1 + 2j]),
    np.arange(6, dtype=">i4"), np.float16([1, 2]), np.arange(10)[::3]], ids=repr)
def test_an_array_crosses_as_the_bytes_np_save_writes_and_comes_back_as_np_load_reads_them(array):
    """pack writes the .npy header and the values itself (one copy); the bytes are np.save's."""
    saved = io.BytesIO()
    np.save(saved, array, allow_pickle=False)
    frame = protocol.pack({}, [array])
    assert frame.endswith(saved.getvalue())
    (back,) = protocol.unpack(frame[8:])[1]
    loaded = np.load(io.BytesIO(saved.getvalue()))
    assert back.dtype == loaded.dtype and back.shape == loaded.shape and np.array_equal(back, loaded)
    assert (back.flags.c_contiguous, back.flags.f_contiguous) == (loaded.flags.c_contiguous, loaded.flags.f_contiguous)


def test_an_array_with_a_long_header_is_read_as_np_load_reads_it():
    """A header np.save would not write (5,000 bytes of padding, format 2.0) is np.load's to read,
    not kept among the plain headers the worker sends again and again."""
    values = np.arange(6.0)
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
    header = header + b" " * (5000 - len(header)) + b"\n"
    npy = b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header + values.tobytes()
    json_header = b'{"n_arrays": 1}'
    body = protocol._U32.pack(len(json_header)) + json_header + protocol._U64.pack(len(npy)) + npy
    (back,) = protocol.unpack(body)[1]
    assert back.shape == (2, 3) and np.array_equal(back.ravel(), values)


@pytest.mark.parametrize("small", [300, 600])  # 909 pieces, gathered; 1,809, more than a writev takes: joined
def test_a_frame_written_in_pieces_arrives_as_pack_joins_it(small):
    """Does write_frame gather frame_parts' pieces (the arrays' own memory, never joined) into the
    frame pack makes, through a small non-blocking pipe that takes them a part at a time?"""
    arrays = [np.arange(300_000, dtype=np.float32).reshape(600, 500).T, np.zeros(0), *[np.full(3, i) for i in range(small)]]
    expected = protocol.pack({"op": "load"}, arrays)
    assert b"".join(bytes(memoryview(part).cast("B")) for part in protocol.frame_parts({"op": "load"}, arrays)) == expected
    read, write = os.pipe()
    os.set_blocking(write, False)
    received: list = []
    reader = threading.Thread(target=lambda: received.append(protocol.read_frame(read, time.monotonic() + 10)))
    reader.start()
    try:
        protocol.write_frame(write, protocol.frame_parts({"op": "load"}, arrays), deadline=time.monotonic() + 10)
        reader.join(10)
    finally:
        os.close(write)
        os.close(read)
    header, back = received[0]
    assert header["op"] == "load" and len(back) == len(arrays)
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(arrays, back))


def test_objects_cross_as_descriptions_never_as_objects():
    back = roundtrip([object(), np.array([object()], dtype=object)])
    assert all(isinstance(item, protocol.Opaque) for item in back)


def test_a_pickled_array_is_refused():
    """Could a worker smuggle a pickle in? np.load runs with allow_pickle=False."""
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    payload = buffer.getvalue()
    header = b'{"n_arrays": 1}'
    body = protocol._U32.pack(len(header)) + header + protocol._U64.pack(len(payload)) + payload
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(body)


@pytest.mark.parametrize("body", [b"", b"\x05\x00\x00\x00{}", b"\x02\x00\x00\x00[]", b"\x02\x00\x00\x00{}extra"])
def test_malformed_frames_raise_protocol_error(body):
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(body)


@pytest.mark.parametrize("data", [
    {"$array": 3}, {"$array": "0"}, {"$array": True}, {"$tuple": 5}, {"$dict": []}, {"$object": 1},
    {"$array": 0, "extra": 1}, {"plain": "dict"}, {}, {"$set": [1]},
])
def test_values_encode_cannot_make_are_refused(data):
    """Does decoding refuse every tagged value that is not exactly what `encode` writes?"""
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(data, [np.zeros(1)])


def reply(header, arrays=(), *, request_id=1, max_bytes=protocol.MAX_FRAME_BYTES):
    read, write = os.pipe()
    frame = protocol.pack(header, list(arrays))
    writer = threading.Thread(target=protocol.write_frame, args=(write, frame), daemon=True)
    writer.start()
    try:
        return protocol.read_reply(read, request_id=request_id, deadline=time.monotonic() + 5, max_bytes=max_bytes)
    finally:
        os.close(read)
        writer.join(5)
        os.close(write)


def test_a_well_formed_reply_to_this_request_is_taken():
    answer = reply({"ok": True, "value": {"$array": 0}, "stdout": "hi", "id": 1}, [np.arange(3.0)])
    assert answer.ok and answer.value.tolist() == [0, 1, 2] and answer.stdout == "hi"


@pytest.mark.parametrize("header", [
    {"ok": True, "value": 1, "id": 2},  # an answer to another request (a forged or stale frame)
    {"ok": True, "value": 1},  # no request at all
    {"ok": "yes", "value": 1, "id": 1},
    {"ok": False, "error": "not a dict", "id": 1},
    {"ok": False, "error": {"type": 5}, "id": 1},
    {"ok": True, "value": 1, "error": {"type": "X", "message": ""}, "id": 1},
    {"ok": True, "value": 1, "stdout": 5, "id": 1},
    {"ok": True, "value": {"$dict": []}, "id": 1},
    {"ok": True, "value": 1, "id": 1, "score": 10},
])
def test_a_malformed_or_forged_reply_is_refused(header):
    """Is every reply that is not a well-formed answer to this very request a ProtocolError?"""
    with pytest.raises(protocol.ProtocolError):
        reply(header)


def test_a_reply_far_larger_than_allowed_is_refused_with_its_shape_and_thrown_away():
    """Is a 32 MB reply refused from its first bytes, described by its shape, and the pipe left clean?"""
    with pytest.raises(protocol.ReplyTooLarge) as refused:
        reply({"ok": True, "value": {"$array": 0}, "id": 1}, [np.ones((2000, 2000))], max_bytes=2**20)
    assert refused.value.shape == "shape (2000, 2000), float64" and refused.value.drained
    assert str(refused.value) == "shape (2000, 2000), float64, 30.5 MB"
