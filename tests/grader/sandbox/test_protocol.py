"""The wire format: plain data round-trips; anything else arrives inert."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest

from grader.sandbox.protocol import (
    DTYPES,
    Opaque,
    ProtocolError,
    decode,
    encode,
    encode_parts,
    read_frame,
    write_frame,
)


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


def test_protocol_refs_round_trip_and_reach_the_worker_object(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A Handle passed as an argument arrives in the worker as the object it names."""
    from grader import REPO_ROOT
    from grader.proxy import StudentProxy
    from grader.sandbox.protocol import Ref
    from grader.submission import open_submission

    assert decode(encode([Ref(3)])) == [Ref(3)]
    staged = open_submission(REPO_ROOT / "examples/submissions/reference.zip", tmp_path / "s")
    proxy = StudentProxy(staged.root)
    try:
        rng = np.random.default_rng(0)
        net = proxy.new(
            "classifiers.fc_net.FullyConnectedNet", [8], input_dim=6, num_classes=3,
            dtype=np.float64, weight_scale=0.1,
        )  # fmt: skip
        data = {
            "X_train": rng.normal(size=(40, 6)), "y_train": rng.integers(0, 3, 40),
            "X_val": rng.normal(size=(10, 6)), "y_val": rng.integers(0, 3, 10),
        }  # fmt: skip
        solver = proxy.new(
            "solver.Solver", net.ref(), data, num_epochs=2, batch_size=10, verbose=False,
            optim_config={"learning_rate": 0.1}, seed=1,
        )  # fmt: skip
        solver.method("train")
        history = solver.get("train_acc_history")
    finally:
        proxy.close()
    assert isinstance(history, list) and len(history) == 3
    assert all(0.0 <= a <= 1.0 for a in history)


def _header_frame(body: object, blobs: list[bytes]) -> bytes:
    header = json.dumps({"body": body, "blobs": [len(b) for b in blobs]}).encode()
    return struct.pack(">I", len(header)) + header + b"".join(blobs)


def test_protocol_read_frame_reads_arrays_in_place_and_round_trips() -> None:
    body = {"x": np.arange(12.0).reshape(3, 4), "m": np.array([True, False]), "e": np.zeros(0)}
    stream = io.BytesIO()
    write_frame(stream, body)
    assert stream.getvalue() == encode(body)  # the pieces make the same frame
    stream.seek(0)
    back = read_frame(stream)
    assert np.array_equal(back["x"], body["x"]) and back["x"].flags.writeable
    assert back["m"].dtype == np.bool_ and back["e"].shape == (0,)
    back["x"][0, 0] = 99.0  # the arrays are the reader's own
    assert body["x"][0, 0] == 0.0


@pytest.mark.parametrize("reader", ["read_frame", "decode"])
def test_protocol_two_arrays_on_one_blob_never_share_memory(reader: str) -> None:
    # A forged frame pointing two arrays at the same bytes: each still gets
    # memory of its own, so a check that changes one never changes the other.
    one = {"__nd__": 0, "dtype": "float64", "shape": [2]}
    frame = _header_frame({"__tuple__": [one, one]}, [np.ones(2).tobytes()])
    a, b = read_frame(io.BytesIO(frame)) if reader == "read_frame" else decode(frame)
    a[0] = 5.0
    assert b[0] == 1.0 and not np.shares_memory(a, b)


def test_protocol_encode_does_not_copy_the_array() -> None:
    array = np.arange(4.0)
    parts = encode_parts({"a": array})
    assert len(parts) == 2 and np.shares_memory(np.frombuffer(parts[1], np.uint8), array)
