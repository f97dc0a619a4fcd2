"""The wire format: plain data round-trips; anything else arrives inert."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from grader.sandbox.protocol import DTYPES, Opaque, ProtocolError, decode, encode


def test_protocol_round_trips_plain_data() -> None:
    body = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": (1, 2.5, "x", None, True),
        "c": [np.int64(7), float("nan"), float("-inf")],
        "d": {"nested": {"e": np.zeros((0, 4))}},
    }
    back = decode(encode(body))
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], body["a"])
    assert back["b"] == (1, 2.5, "x", None, True)
    assert back["c"][0] == 7 and np.isnan(back["c"][1]) and back["c"][2] == float("-inf")
    assert back["d"]["nested"]["e"].shape == (0, 4)


@pytest.mark.parametrize("name", sorted(DTYPES))
def test_protocol_sends_numpy_scalar_types_by_name(name: str) -> None:
    scalar_type = np.dtype(name).type
    assert decode(encode({"dtype": scalar_type})) == {"dtype": scalar_type}


def test_protocol_makes_unknown_objects_opaque() -> None:
    class Liar:
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    back = decode(encode([Liar(), np.array(["text"]), object]))
    assert all(isinstance(v, Opaque) for v in back)


def _frame(body: object, blobs: list[int], payload: bytes = b"") -> bytes:
    header = json.dumps({"body": body, "blobs": blobs}).encode()
    return struct.pack(">I", len(header)) + header + payload


@pytest.mark.parametrize(
    "frame",
    [
        _frame({"__dtype__": "object"}, []),
        _frame({"__nd__": 0, "dtype": "object", "shape": [1]}, [8], b"\0" * 8),
        _frame({"__nd__": 0, "dtype": "float64", "shape": [2]}, [8], b"\0" * 8),
    ],
    ids=["object scalar type", "object array", "short array"],
)
def test_protocol_rejects_forged_markers(frame: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(frame)
