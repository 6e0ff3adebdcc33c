"""Does the wire format carry arrays and plain data, and refuse everything else?"""

import io

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
