"""SQLite helpers shared by the batch's store and the TAs' gradebook."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


def locked(exc: sqlite3.Error) -> bool:
    """Did ``exc`` come from another process holding the database (a lock that
    outlasted the busy timeout), rather than from the file itself?"""
    return "locked" in str(exc) or "busy" in str(exc)


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on a connection in autocommit mode: taken at
    once (BEGIN IMMEDIATE, so a second writer waits for the busy timeout
    instead of failing midway), committed, or rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
