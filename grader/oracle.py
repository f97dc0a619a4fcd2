"""The checks' expected answers, by name: computed, or looked up.

Every expected value a check compares a student's answer with (the
reference's layer outputs, the grader's own network forward and backward
pass, the update rules' steps, the variant formulas that name a
misconception) comes through ``expect(name, *args)``. The code that
computes them is the solution, so it lives in ``grader.oracles``, which the
student release does not ship. Three modes:

- **compute** (the instructors' grader): ``expect`` calls the oracle
  ``name`` of ``grader.oracles`` on copies of the arguments.
- **record** (``recording()``, used by the release builder): the same, and
  every call is kept, keyed by a digest of its name and arguments.
- **replay** (the student release, or ``replaying(answers)`` in a test):
  ``expect`` looks the call up among the recorded answers. The release runs
  its checks on the same fixed inputs (the release's seed) the builder
  recorded them on, so every call on trusted inputs is found. A call whose
  arguments were not recorded (they include what the student's code
  returned, and that differs from the reference's) raises ``NotRecordedError``:
  the check is reported as not available in the self-check, never as
  failed, and is graded after the deadline.

In record and replay modes ``offline()`` is true: measurements the grader
makes on a student's own trained weights (the regularization experiment's
accuracies) then come from the student's own net, since no recording can
answer them.

Answers travel as data only: ``save`` writes them as one ``.npz`` of plain
arrays (no pickles) with a JSON index.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from . import edition
from ._files import reproducible_zip

#: Bumped when the digest or the file format changes.
FORMAT = 1

UNAVAILABLE = (
    "not available in the self-check: its expected answer depends on what your own code "
    "returned (here it differs from what the reference returns at the self-check's fixed "
    "inputs), and the self-check carries answers for those inputs only. This check is "
    "graded after the deadline"
)


class NotRecordedError(Exception):
    """A replayed oracle call with no recorded answer."""

    def __init__(self, name: str) -> None:
        super().__init__(UNAVAILABLE)
        self.name = name
        self.message = UNAVAILABLE


class Answers:
    """Recorded answers: digest -> value."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})

    def __len__(self) -> int:
        return len(self.values)


# The mode: a recording in progress, or answers being replayed (None: compute).
_recording: list[Answers] = []
_replaying: list[Answers] = []


def is_recording() -> bool:
    """Is a recording in progress (the release builder)?"""
    return bool(_recording)


def offline() -> bool:
    """Is the grader answering from recordings (or recording them), as the
    student release does?"""
    return bool(_recording or _replaying) or _release_answers() is not None


def expect(name: str, *args: Any, **kwargs: Any) -> Any:
    """The answer of the oracle ``name`` for these arguments (see the module's
    docstring for where it comes from). Raises ``NotRecordedError`` in replay mode
    when the call was not recorded."""
    answers = _replaying[-1] if _replaying else _release_answers()
    if answers is not None and not _recording:
        try:
            key = digest(name, args, kwargs)
        except TypeError:  # an argument no recording can hold: not recorded
            raise NotRecordedError(name) from None
        if key not in answers.values:
            raise NotRecordedError(name)
        return copy.deepcopy(answers.values[key])
    value = _oracle(name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    if _recording:
        _recording[-1].values[digest(name, args, kwargs)] = copy.deepcopy(value)
    return value


def _oracle(name: str) -> Callable[..., Any]:
    from .oracles import ORACLES

    try:
        return ORACLES[name]
    except KeyError:
        raise KeyError(f"no oracle {name!r}; the oracles are: {', '.join(ORACLES)}") from None


@contextlib.contextmanager
def recording() -> Iterator[Answers]:
    """Compute every answer, and keep each call's answer in the yielded Answers."""
    answers = Answers()
    _recording.append(answers)
    try:
        yield answers
    finally:
        _recording.pop()


@contextlib.contextmanager
def replaying(answers: Answers) -> Iterator[Answers]:
    """Answer from ``answers`` only, as the student release does."""
    _replaying.append(answers)
    try:
        yield answers
    finally:
        _replaying.pop()


def _release_answers() -> Answers | None:
    """The answers the student release ships, when this grader is the release."""
    path = edition.answers_path()
    return load(path) if path is not None else None


# -- the digest of a call -------------------------------------------------------


def digest(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """A hash of the call: its name and the exact values of its arguments
    (arrays by dtype, shape and bytes; floats by their bits). Raises
    TypeError for a value of another type."""
    h = hashlib.sha256(f"oracle-call/{FORMAT}/{name}".encode())
    _feed(h, args)
    _feed(h, kwargs)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    if value is None:
        h.update(b"N")
    elif isinstance(value, bool):
        h.update(b"B1" if value else b"B0")
    elif isinstance(value, int):
        h.update(b"I%d;" % value)
    elif isinstance(value, float):
        h.update(b"F" + struct.pack("<d", value))
    elif isinstance(value, str):
        data = value.encode()
        h.update(b"S%d;" % len(data) + data)
    elif isinstance(value, np.ndarray | np.generic):
        array = np.ascontiguousarray(value)
        if array.dtype.hasobject:
            raise TypeError("an object array cannot be part of an oracle call")
        h.update(f"A{array.dtype.str}{array.shape};".encode() + array.tobytes())
    elif isinstance(value, tuple | list):
        h.update(b"T" if isinstance(value, tuple) else b"L")
        h.update(b"%d;" % len(value))
        for item in value:
            _feed(h, item)
    elif isinstance(value, dict):
        keys = sorted(value, key=repr)
        h.update(b"D%d;" % len(keys))
        for key in keys:
            _feed(h, key)
            _feed(h, value[key])
    else:
        raise TypeError(f"a {type(value).__name__} cannot be part of an oracle call")


# -- the file -------------------------------------------------------------------


def save(answers: Answers, path: Path) -> None:
    """Write ``answers`` to ``path`` as an .npz: the arrays, and a JSON index
    (an array of UTF-8 bytes) describing every value around them."""
    arrays: list[np.ndarray] = []
    index = {
        "format": FORMAT,
        "answers": {key: _encode(value, arrays) for key, value in sorted(answers.values.items())},
    }
    data = {f"a{i}": a for i, a in enumerate(arrays)}
    data["index"] = np.frombuffer(json.dumps(index, sort_keys=True).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **data)  # type: ignore[arg-type]
    path.write_bytes(_deterministic(buffer.getvalue()))


def _deterministic(npz: bytes) -> bytes:
    """The same archive with fixed timestamps, so that a release is reproducible."""
    with zipfile.ZipFile(io.BytesIO(npz)) as src:
        return reproducible_zip({i.filename: (src.read(i), 0o644) for i in src.infolist()})


_LOADED: dict[tuple[str, int, int], Answers] = {}


def load(path: Path) -> Answers:
    """The answers ``save`` wrote (cached by the file's path, size and time)."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns)
    if key not in _LOADED:
        with np.load(path, allow_pickle=False) as data:
            index = json.loads(data["index"].tobytes().decode())
            if index.get("format") != FORMAT:
                raise ValueError(
                    f"{path}: recorded answers of format {index.get('format')}, this grader "
                    f"reads format {FORMAT}; rebuild the release with this grader"
                )
            arrays = {name: data[name] for name in data.files if name != "index"}
        values = {k: _decode(v, arrays) for k, v in index["answers"].items()}
        _LOADED[key] = Answers(values)
    return _LOADED[key]


def _encode(value: Any, arrays: list[np.ndarray]) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"f": value.hex()}  # exact, and NaN and infinities too
    if isinstance(value, np.ndarray | np.generic):
        arrays.append(np.asarray(value))
        return {"a": len(arrays) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, tuple | list):
        return {"t" if isinstance(value, tuple) else "l": [_encode(v, arrays) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": {k: _encode(v, arrays) for k, v in value.items()}}
    raise TypeError(f"an oracle's answer cannot hold a {type(value).__name__}")


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if not isinstance(value, dict):
        return value
    if "f" in value:
        return float.fromhex(value["f"])
    if "a" in value:
        array = arrays[f"a{value['a']}"]
        return array[()] if value["scalar"] else array
    if "t" in value:
        return tuple(_decode(v, arrays) for v in value["t"])
    if "l" in value:
        return [_decode(v, arrays) for v in value["l"]]
    return {k: _decode(v, arrays) for k, v in value["d"].items()}
