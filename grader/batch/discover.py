"""What in a batch folder is a submission, and under which student name.

Each direct child of the folder is one candidate: a zip, a folder, a
notebook or a module file. Everything else (a spreadsheet, a README, a
hidden file, a symbolic link) is reported and left alone. The student's
name is the entry's name without its suffix; when two entries share it
(``alice.zip`` and ``alice/``), each is graded under its full entry name and
both carry a note, so neither result overwrites the other.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SubmissionError, UsageError
from ..submission import read_files

SUFFIXES = (".zip", ".ipynb", ".py")


@dataclass(frozen=True)
class Entry:
    """One submission found in the folder."""

    student: str
    path: Path
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """Something in the folder that is not graded, and why."""

    name: str
    reason: str


@dataclass
class Found:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def class_folder(folder: Path) -> Path:
    """``folder``, or UsageError saying what to give when it is not a folder."""
    if not folder.is_dir():
        raise UsageError(
            f"{folder}: not a folder. Give the folder that holds one zip, folder or "
            "notebook per student."
        )
    return folder


def discover(folder: Path) -> Found:
    """The submissions in ``folder``, sorted by student name."""
    found = Found()
    candidates: list[Path] = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith(".") or name == "__MACOSX":
            continue  # hidden files and archive litter: not worth a line each
        if not _is_text(name):
            found.skipped.append(
                Skipped(
                    _printable(name),
                    "its name is not UTF-8 text, which the reports, the store and the exports "
                    "need; rename it (to the student's id, say) and run again",
                )
            )
        elif path.is_symlink():
            found.skipped.append(Skipped(name, "a symbolic link; links are not followed"))
        elif path.is_dir() or (path.is_file() and path.suffix.lower() in SUFFIXES):
            candidates.append(path)
        else:
            found.skipped.append(
                Skipped(name, "not a submission (a zip, a folder, a notebook or a module)")
            )
    stems = Counter(_stem(p) for p in candidates)
    for path in candidates:
        stem = _stem(path)
        if stems[stem] > 1:
            others = ", ".join(p.name for p in candidates if _stem(p) == stem and p != path)
            note = (
                f"name clash: {path.name} and {others} are both named {stem}; "
                f"graded separately as {path.name}"
            )
            found.entries.append(Entry(path.name, path, (note,)))
        else:
            found.entries.append(Entry(stem, path))
    found.entries.sort(key=lambda e: e.student)
    return found


def _is_text(name: str) -> bool:
    """Is the file name valid UTF-8? (Python gives the bytes it could not
    decode as lone surrogates, which cannot be written as text anywhere.)"""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _stem(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


@dataclass(frozen=True)
class Content:
    """A submission's files as grading reads them, and their hash; or why
    they cannot be read."""

    files: dict[tuple[str, ...], bytes] | None
    hash: str
    error: SubmissionError | None = None


def read(entry: Entry) -> Content:
    """Read and hash one entry. The hash covers what grading reads (paths and
    bytes of modules and notebooks), so re-zipping the same files, or a
    changed timestamp, is the same content."""
    try:
        files = read_files(entry.path)
    except SubmissionError as exc:
        why = str(exc).encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(b"unreadable\0" + _raw(entry.path) + why)
        return Content(None, digest.hexdigest(), exc)
    digest = hashlib.sha256()
    for parts, content in sorted(files.items()):
        name = "/".join(parts).encode("utf-8", "surrogateescape")
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(content).to_bytes(8, "big") + content)
    return Content(files, digest.hexdigest())


def _raw(path: Path) -> bytes:
    """Bytes standing for an unreadable entry: its content when it is a file."""
    try:
        return path.read_bytes() if path.is_file() else bytes(path.name, "utf-8", "surrogateescape")
    except OSError:
        return bytes(path.name, "utf-8", "surrogateescape")
