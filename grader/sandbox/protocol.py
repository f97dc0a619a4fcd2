"""The wire format between the trusted process and the sandboxed worker.

Only plain data crosses: ``None``, booleans, integers, floats, strings,
lists, tuples, dictionaries with string keys, and numpy arrays of a fixed
set of numeric dtypes, sent as dtype + shape + raw bytes. Nothing is
pickled and nothing that arrives can run code when it is touched.

A message is one frame::

    4 bytes  big-endian length H of the header
    H bytes  the header, UTF-8 JSON: {"body": ..., "blobs": [n0, n1, ...]}
    n0 + n1 + ... bytes  the raw bytes of the arrays, in order

Inside ``body`` an array is ``{"__nd__": i, "dtype": "float64", "shape": [..]}``
(its bytes are blob ``i``), numpy's scalar type ``np.float32`` is
``{"__dtype__": "float32"}``, a tuple is ``{"__tuple__": [...]}``, and a
dictionary is ``{"__dict__": {...}}`` so that no user key can pose as a
marker. The same module is imported by the worker, which is why it depends
on numpy and the standard library only.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any, BinaryIO

import numpy as np

#: The only dtypes an array may have on the wire.
DTYPES = frozenset(
    [
        *("bool", "int8", "int16", "int32", "int64"),
        *("uint8", "uint16", "uint32", "uint64"),
        *("float16", "float32", "float64"),
    ]
)
#: numpy's scalar types (np.float32, ...) travel by name, e.g. as a dtype argument.
SCALAR_TYPES = {np.dtype(name).type: name for name in DTYPES}
MAX_HEADER = 16 * 1024 * 1024
MAX_MESSAGE = 512 * 1024 * 1024
MAX_DEPTH = 32


class ProtocolError(Exception):
    """A frame that is not well-formed plain data."""


class Ref:
    """Names an object the worker keeps (a handle number), so the trusted
    process can pass it as an argument, e.g. a net to a Solver."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number

    def __eq__(self, other: object) -> bool:
        return type(other) is Ref and other.number == self.number

    def __hash__(self) -> int:
        return hash(("Ref", self.number))

    def __repr__(self) -> str:
        return f"Ref({self.number})"


class Opaque:
    """Stands for a value the worker could not send as plain data (a student
    function returned an object of its own, say). Only its type name and a
    short, already-rendered description cross."""

    __slots__ = ("description", "type_name")

    def __init__(self, type_name: str, description: str) -> None:
        self.type_name = type_name
        self.description = description

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.description}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and (self.type_name, self.description) == (
            other.type_name,
            other.description,
        )

    def __hash__(self) -> int:
        return hash((self.type_name, self.description))


def _encode(value: Any, blobs: list[memoryview], depth: int) -> Any:
    # The marker sits at MAX_DEPTH, the deepest level _decode accepts: a value
    # nested deeper arrives as an Opaque instead of failing the whole frame.
    if depth >= MAX_DEPTH:
        return {"__opaque__": "nested", "repr": "nested deeper than the grader reads"}
    # Exact type checks: a subclass of int or str may override anything.
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if -(2**63) <= value < 2**64 else float(value)
    if kind is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if kind is Ref:
        return {"__ref__": int(value.number)}
    if kind is type and value in SCALAR_TYPES:
        return {"__dtype__": SCALAR_TYPES[value]}
    if isinstance(value, np.generic) and value.dtype.name in DTYPES:
        return _encode(value.item(), blobs, depth)
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(np.asarray(value).view(np.ndarray))
        if array.dtype.name not in DTYPES:
            return {"__opaque__": f"ndarray of {array.dtype.name}", "repr": str(array.shape)}
        blobs.append(array.reshape(-1).view(np.uint8).data)  # no copy
        return {"__nd__": len(blobs) - 1, "dtype": array.dtype.name, "shape": list(array.shape)}
    if kind is tuple:
        return {"__tuple__": [_encode(v, blobs, depth + 1) for v in value]}
    if kind is list:
        return [_encode(v, blobs, depth + 1) for v in value]
    if kind is dict and all(type(k) is str for k in value):
        return {"__dict__": {k: _encode(v, blobs, depth + 1) for k, v in value.items()}}
    return {"__opaque__": type(value).__name__, "repr": _safe_repr(value)}


def _safe_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a hostile __repr__
        text = f"(repr failed: {type(exc).__name__})"
    return str(text)[:200]


def encode_parts(body: Any) -> list[bytes | memoryview]:
    """One frame holding ``body``, in pieces to write one after the other:
    the length and header, then each array's bytes as a view of the array
    itself (a 2 MB array is not copied before it is written)."""
    blobs: list[memoryview] = []
    encoded = _encode(body, blobs, 0)
    header = json.dumps({"body": encoded, "blobs": [b.nbytes for b in blobs]}).encode()
    return [struct.pack(">I", len(header)) + header, *blobs]


def encode(body: Any) -> bytes:
    """One frame holding ``body``, as one bytes object."""
    return b"".join(encode_parts(body))


def write_parts(stream: BinaryIO, parts: list[bytes | memoryview]) -> None:
    """Write a frame's pieces (``encode_parts``) to a blocking stream, each
    whole even where one write takes only part of it."""
    for part in parts:
        view = memoryview(part)
        while view.nbytes:
            view = view[stream.write(view) or 0 :]


def write_frame(stream: BinaryIO, body: Any) -> None:
    """Write one frame to a blocking stream, piece by piece."""
    write_parts(stream, encode_parts(body))


def _decode(value: Any, blobs: _Blobs, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ProtocolError("nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode(v, blobs, depth + 1) for v in value]
    if type(value) is not dict or len(value) == 0:
        raise ProtocolError(f"unexpected value of type {type(value).__name__}")
    if "__nd__" in value:
        return _decode_array(value, blobs)
    if set(value) == {"__tuple__"} and type(value["__tuple__"]) is list:
        return tuple(_decode(v, blobs, depth + 1) for v in value["__tuple__"])
    if set(value) == {"__dict__"} and type(value["__dict__"]) is dict:
        return {str(k): _decode(v, blobs, depth + 1) for k, v in value["__dict__"].items()}
    if set(value) == {"__dtype__"} and value["__dtype__"] in DTYPES:
        return np.dtype(value["__dtype__"]).type
    if set(value) == {"__float__"} and value["__float__"] in ("nan", "inf", "-inf"):
        return float(value["__float__"])
    if set(value) == {"__ref__"} and type(value["__ref__"]) is int:
        return Ref(value["__ref__"])
    if set(value) == {"__opaque__", "repr"}:
        return Opaque(str(value["__opaque__"])[:100], str(value["repr"])[:200])
    raise ProtocolError("unknown marker")


class _Blobs:
    """The arrays' bytes of one frame. ``owned`` buffers were read into fresh
    memory for this frame alone (``read_frame``, the launcher), so the first
    array made from each is a view of it, with no copy. Any other buffer (a
    slice of a frame's bytes), and any second array made from the same
    buffer, is copied: no two decoded arrays ever share memory."""

    def __init__(self, buffers: list[Any], owned: bool) -> None:
        self.buffers = buffers
        self.owned = owned
        self.used: set[int] = set()

    def __len__(self) -> int:
        return len(self.buffers)

    def array(self, index: int, dtype: str, shape: list[int]) -> np.ndarray:
        array = np.frombuffer(self.buffers[index], dtype=dtype).reshape(shape)
        if not self.owned or index in self.used:
            return array.copy()
        self.used.add(index)
        return array


def _decode_array(value: dict[str, Any], blobs: _Blobs) -> np.ndarray:
    index, dtype, shape = value.get("__nd__"), value.get("dtype"), value.get("shape")
    if type(index) is not int or not 0 <= index < len(blobs):
        raise ProtocolError("array refers to a missing blob")
    if dtype not in DTYPES:
        raise ProtocolError(f"array dtype {dtype!r} is not allowed")
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise ProtocolError("array shape is not a list of sizes")
    if len(shape) > MAX_DEPTH:
        raise ProtocolError("array has too many dimensions")
    itemsize = np.dtype(dtype).itemsize
    if math.prod(shape) * itemsize != memoryview(blobs.buffers[index]).nbytes:
        raise ProtocolError("array bytes do not match its dtype and shape")
    return blobs.array(index, dtype, shape)


def parse_header(header: bytes) -> tuple[Any, list[int]]:
    try:
        parsed = json.loads(header)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"header is not JSON: {exc}") from None
    if type(parsed) is not dict or set(parsed) != {"body", "blobs"}:
        raise ProtocolError("header is not {body, blobs}")
    sizes = parsed["blobs"]
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("blob sizes are not a list of sizes")
    if sum(sizes) > MAX_MESSAGE:
        raise ProtocolError("message too large")
    return parsed["body"], sizes


def decode_body(body: Any, buffers: list[Any], *, owned: bool = False) -> Any:
    """The value of a parsed header's body, given each blob's bytes (see
    ``_Blobs`` for ``owned``)."""
    try:
        return _decode(body, _Blobs(buffers, owned), 0)
    except RecursionError:
        raise ProtocolError("nested too deeply") from None


def _decode_body(body: Any, sizes: list[int], payload: memoryview) -> Any:
    if sum(sizes) != payload.nbytes:
        raise ProtocolError("blob sizes do not add up to the payload")
    blobs, offset = [], 0
    for n in sizes:
        blobs.append(payload[offset : offset + n])
        offset += n
    return decode_body(body, blobs)


def decode(frame: bytes) -> Any:
    """The body of one whole frame, as made by ``encode``."""
    if len(frame) < 4:
        raise ProtocolError("frame too short")
    (header_len,) = struct.unpack(">I", frame[:4])
    if header_len > MAX_HEADER or 4 + header_len > len(frame):
        raise ProtocolError("header length out of range")
    body, sizes = parse_header(frame[4 : 4 + header_len])
    return _decode_body(body, sizes, memoryview(frame)[4 + header_len :])


def read_exactly(stream: BinaryIO, n: int) -> bytes:
    """n bytes from stream; EOFError if it ends first."""
    chunks, remaining = [], n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO) -> Any:
    """Read and decode one frame from a blocking binary stream. Each array's
    bytes are read straight into the memory of the array it becomes."""
    (header_len,) = struct.unpack(">I", read_exactly(stream, 4))
    if header_len > MAX_HEADER:
        raise ProtocolError("header too large")
    body, sizes = parse_header(read_exactly(stream, header_len))
    buffers = []
    for n in sizes:
        buffer = np.empty(n, dtype=np.uint8)
        view, got = buffer.data, 0
        while got < n:
            chunk = stream.readinto(view[got:])  # type: ignore[attr-defined]
            if not chunk:
                raise EOFError("the other side closed the channel")
            got += chunk
        buffers.append(buffer)
    return decode_body(body, buffers, owned=True)
