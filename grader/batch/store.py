"""The batch's results store: one SQLite file.

A result is keyed by the submission's content hash, the engine version
(a hash of the grader's code, rubric and templates, the student template it
completes submissions from, numpy's version and the assignment config's
digest) and the seed, so a re-run grades only what changed, and a change to
any check, or to the config's points, visibility, parts, limits or rubric,
grades everything again. Every result is written in one transaction together with its line
in the grading log; in WAL mode with a busy timeout, a ``kill -9`` at any
moment leaves either the whole result or none of it, and several batch
processes can write the same file at once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .._db import transaction
from .._package import REPO_ROOT

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    engine TEXT NOT NULL,
    seed INTEGER NOT NULL,
    report TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    seconds REAL NOT NULL,
    graded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY,
    entry TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    key TEXT NOT NULL,
    notes TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grading_log (
    key TEXT NOT NULL,
    student TEXT NOT NULL,
    worker TEXT NOT NULL,
    graded_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def engine_version(config_digest: str = "") -> str:
    """A short hash of everything that decides a grade besides the submission:
    the grader's code, and the assignment config (``AssignmentConfig.digest``)."""
    code = _code_version()
    if not config_digest:
        return code
    return hashlib.sha256(f"{code}\0{config_digest}".encode()).hexdigest()[:16]


@functools.cache
def _code_version() -> str:
    digest = hashlib.sha256(f"numpy {np.__version__}\0".encode())
    roots = [REPO_ROOT / "grader", REPO_ROOT / "student_template" / "cs231n"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml", ".j2") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def seed_for(content_hash: str) -> int:
    """The seed a submission is graded with unless one is given: fixed by its
    content, so an interrupted and resumed batch grades exactly as one run."""
    return int(content_hash[:8], 16)


def key_for(content_hash: str, seed: int, config_digest: str = "") -> str:
    return f"{content_hash}:{engine_version(config_digest)}:{seed}"


@dataclass(frozen=True)
class Stored:
    key: str
    report: dict[str, Any]


def lock_timeout() -> float:
    """Seconds to wait for another process's write to finish (GRADER_DB_TIMEOUT,
    at least 0.1; a value it cannot use stops the command first:
    config.check_environment)."""
    from ..config import environment_seconds

    return max(environment_seconds("GRADER_DB_TIMEOUT") or 60.0, 0.1)


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    timeout = lock_timeout()
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        # Two processes opening a new file at once can find it locked while
        # the other switches it to WAL, before any busy handler applies.
        attempts = max(int(timeout / 0.1), 1)
        for attempt in range(attempts):
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.1)
        yield db
    finally:
        db.close()


def done(db: sqlite3.Connection, keys: set[str]) -> set[str]:
    """Which of ``keys`` already have a result."""
    found: set[str] = set()
    listed = sorted(keys)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(f"SELECT key FROM results WHERE key IN ({marks})", chunk)
        found.update(k for (k,) in rows)
    return found


def put(db: sqlite3.Connection, key: str, student: str, report_json: str) -> bool:
    """Store one result and its log line, atomically. False when another
    process stored the same key first (the result is then left as it was)."""
    data = json.loads(report_json)
    content_hash, engine, seed = key.split(":")
    worker = f"{socket.gethostname()}:{os.getpid()}"
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                content_hash,
                engine,
                int(seed),
                report_json,
                float(data.get("score", 0.0)),
                float(data.get("max_score", 0.0)),
                float(data.get("seconds", 0.0)),
                _now(),
            ),
        )
        if cursor.rowcount == 0:
            return False
        db.execute("INSERT INTO grading_log VALUES (?, ?, ?, ?)", (key, student, worker, _now()))
    return True


def record_submissions(db: sqlite3.Connection, rows: list[tuple[str, str, str, str, str]]) -> None:
    """(student, entry, content_hash, key, notes as JSON) for every submission
    of this run, in one transaction."""
    now = _now()
    with transaction(db):
        db.executemany(
            "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
            [(*row, now) for row in rows],
        )


def get(db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    row = db.execute("SELECT report FROM results WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    found: dict[str, Any] = json.loads(row[0])
    return found


def gradings(db: sqlite3.Connection) -> dict[str, int]:
    """How many times each key was graded and stored (the log), for audits."""
    return dict(db.execute("SELECT key, COUNT(*) FROM grading_log GROUP BY key").fetchall())
