"""The TA's gradebook of inline answers: one SQLite file.

A TA grades one question across the class at once. Answers are grouped by
what the rubric found in them (the same key points and contradictions, or
unanswered), largest group first; one score and comment applies to a whole
group and can be changed for one student afterwards. Every write is one
transaction in WAL mode, so two TAs (two processes) can work at once, a
closed session resumes where it stopped, and a per-student score is never
overwritten by a later group score.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .._db import locked, transaction
from ..errors import UsageError
from .extract import Answer
from .suggest import Suggestion, for_answer, load, max_points

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    student TEXT NOT NULL,
    question TEXT NOT NULL,
    notebook TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    suggested REAL NOT NULL,
    max_points REAL NOT NULL,
    evidence TEXT NOT NULL,
    auto INTEGER NOT NULL,
    group_key TEXT NOT NULL,
    PRIMARY KEY (student, question)
);
CREATE TABLE IF NOT EXISTS scores (
    student TEXT NOT NULL,
    question TEXT NOT NULL,
    points REAL NOT NULL,
    comment TEXT NOT NULL,
    grader TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('auto', 'group', 'student')),
    updated TEXT NOT NULL,
    PRIMARY KEY (student, question)
);
CREATE TABLE IF NOT EXISTS prompts (
    student TEXT NOT NULL,
    question TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (student, question)
);
"""


@dataclass(frozen=True)
class Group:
    key: str
    description: str
    students: tuple[str, ...]
    sample: str
    suggested: float
    max_points: float
    scored: int  # students of the group with a score already


@dataclass(frozen=True)
class Member:
    """One student's answer in a group, and their score if they have one."""

    student: str
    text: str
    contradictions: tuple[str, ...]  # what the rubric found wrong: "what it says: the clause"
    points: float | None  # None: not scored yet
    comment: str
    grader: str
    source: str  # auto | group | student, "" when not scored
    updated: str


@dataclass(frozen=True)
class Tally:
    """Where one question stands, in students."""

    students: int
    by_ta: int  # a group score or an override
    by_rubric: int  # scored by the rubric without a TA
    no_answer: int  # unanswered or missing: 0 points without a TA
    left: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def connect(path: Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """The gradebook at ``path``, made when there is none; with ``create``
    False (the commands that only read or score) a missing one is an error.
    UsageError, naming the file, when it cannot be used."""
    if not create and not path.is_file():
        raise UsageError(
            f"{path}: no such gradebook. Import the submissions first: "
            f"python -m grader questions import DIR --db {path}"
        )
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.DatabaseError as exc:  # "unable to open database file"
        raise UsageError(
            f"{path}: the gradebook cannot be opened ({exc}); give --db a file in a folder "
            "that exists and can be written"
        ) from None
    try:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            if locked(exc):
                raise  # another TA's long write: said as such by the caller
            raise UsageError(
                f"{path}: not a gradebook ({exc}); give --db the gradebook file that "
                "questions import made, or a new file name to import into"
            ) from None
        yield db
    finally:
        db.close()


def group_key(answer: Answer, suggestion: Suggestion | None) -> str:
    if answer.status != "answered":
        return answer.status
    if suggestion is None:
        return "answered"
    found = [f.key_point for f in suggestion.findings if f.found]
    wrong = ["wrong"] if suggestion.contradictions else []
    return "+".join(found + wrong) or "none of the key points"


def describe(key: str) -> str:
    if key in ("unanswered", "missing"):
        return f"{key}: no answer to grade"
    parts = key.split("+")
    text = (
        "finds " + ", ".join(p for p in parts if p != "wrong")
        if key != "none of the key points"
        else key
    )
    return text + ("; states something wrong" if "wrong" in parts else "")


def add(db: sqlite3.Connection, student: str, answers: list[Answer]) -> None:
    """Store (or refresh) a student's answers; scores already given stay."""
    rubric = load()
    with transaction(db):
        for a in answers:
            s = for_answer(a, rubric)
            evidence = (
                {
                    "found": {f.key_point: f.evidence for f in s.findings if f.found},
                    "contradictions": list(s.contradictions),
                }
                if s is not None
                else {}
            )
            db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    student, a.question_id, a.notebook, a.text, a.status,
                    s.points if s else 0.0, max_points(a.question_id, rubric),
                    json.dumps(evidence, ensure_ascii=False),
                    int(bool(s and s.auto)), group_key(a, s),
                ),
            )  # fmt: skip
            db.execute(
                "INSERT OR REPLACE INTO prompts VALUES (?,?,?)",
                (student, a.question_id, a.question),
            )
            # Scored without a TA: what the rubric may score, and no answer at all.
            auto = (s.points, "scored by the rubric") if s is not None and s.auto else None
            if a.status != "answered":
                auto = (0.0, a.status)
            if auto is not None:
                db.execute(
                    "INSERT OR IGNORE INTO scores VALUES (?,?,?,?,?,?,?)",
                    (student, a.question_id, *auto, "grader", "auto", _now()),
                )


def groups(db: sqlite3.Connection, question: str) -> list[Group]:
    rows = db.execute(
        "SELECT a.group_key, a.student, a.text, a.suggested, a.max_points, s.student IS NOT NULL "
        "FROM answers a LEFT JOIN scores s ON s.student = a.student AND s.question = a.question "
        "WHERE a.question = ? ORDER BY a.student",
        (question,),
    ).fetchall()
    by_key: dict[str, list[tuple[str, str, float, float, int]]] = {}
    for key, student, text, suggested, most, scored in rows:
        by_key.setdefault(key, []).append((student, text, suggested, most, scored))
    found = [
        Group(
            key,
            describe(key),
            tuple(m[0] for m in members),
            min((m[1] for m in members), key=len),
            members[0][2],
            members[0][3],
            sum(m[4] for m in members),
        )
        for key, members in by_key.items()
    ]
    return sorted(found, key=lambda g: (-len(g.students), g.key))


def members(db: sqlite3.Connection, question: str, key: str) -> list[Member]:
    """The students of one group with their answers and scores, by name."""
    rows = db.execute(
        "SELECT a.student, a.text, a.evidence, s.points, s.comment, s.grader, s.source, s.updated "
        "FROM answers a LEFT JOIN scores s ON s.student = a.student AND s.question = a.question "
        "WHERE a.question = ? AND a.group_key = ? ORDER BY a.student",
        (question, key),
    ).fetchall()
    return [
        Member(
            student,
            text,
            tuple(json.loads(evidence).get("contradictions", [])),
            points,
            comment or "",
            grader or "",
            source or "",
            updated or "",
        )
        for student, text, evidence, points, comment, grader, source, updated in rows
    ]


def questions(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT question FROM answers ORDER BY question")]


def prompt(db: sqlite3.Connection, question: str) -> str:
    """The question's text as most students' notebooks have it; "" when the
    answers were imported before the gradebook kept it."""
    row = db.execute(
        "SELECT text FROM prompts WHERE question = ? AND text != '' "
        "GROUP BY text ORDER BY COUNT(*) DESC, text LIMIT 1",
        (question,),
    ).fetchone()
    return str(row[0]) if row else ""


def tally(db: sqlite3.Connection, question: str) -> Tally:
    rows = db.execute(
        "SELECT a.status, s.source FROM answers a LEFT JOIN scores s "
        "ON s.student = a.student AND s.question = a.question WHERE a.question = ?",
        (question,),
    ).fetchall()
    auto = [status for status, source in rows if source == "auto"]
    return Tally(
        students=len(rows),
        by_ta=sum(source in ("group", "student") for _, source in rows),
        by_rubric=auto.count("answered"),
        no_answer=len(auto) - auto.count("answered"),
        left=sum(source is None for _, source in rows),
    )


def _check_points(db: sqlite3.Connection, question: str, points: float) -> None:
    """UsageError unless the gradebook has answers to ``question`` and
    ``points`` is a number from 0 to its maximum: a score outside it would go
    into the export as it is."""
    found = db.execute(
        "SELECT MAX(max_points) FROM answers WHERE question = ?", (question,)
    ).fetchone()[0]
    if found is None:
        known = [r[0] for r in db.execute("SELECT DISTINCT question FROM answers ORDER BY 1")]
        raise UsageError(
            f"no answers to {question} in the gradebook; the questions in it: "
            + (", ".join(known) or "none (import the submissions first)")
        )
    if not (math.isfinite(points) and 0 <= points <= found):
        raise UsageError(f"{points:g} points is out of range for {question}: give 0-{found:g}")


def score_group(
    db: sqlite3.Connection, question: str, key: str, points: float, comment: str, grader: str
) -> int:
    """Score every student of the group whose score is not their own; returns how many."""
    _check_points(db, question, points)
    with transaction(db):
        students = [
            r[0]
            for r in db.execute(
                "SELECT a.student FROM answers a LEFT JOIN scores s "
                "ON s.student = a.student AND s.question = a.question "
                "WHERE a.question = ? AND a.group_key = ? "
                "AND (s.source IS NULL OR s.source != 'student')",
                (question, key),
            )
        ]
        for student in students:
            db.execute(
                "INSERT OR REPLACE INTO scores VALUES (?,?,?,?,?,?,?)",
                (student, question, points, comment, grader, "group", _now()),
            )
    return len(students)


def score_student(
    db: sqlite3.Connection, question: str, student: str, points: float, comment: str, grader: str
) -> None:
    _check_points(db, question, points)
    if (
        db.execute(
            "SELECT 1 FROM answers WHERE question = ? AND student = ?", (question, student)
        ).fetchone()
        is None
    ):
        raise UsageError(
            f"no student {student!r} in the gradebook for {question}; the names are those "
            "`questions import` gave (the submission's name without .zip), as the export lists"
        )
    with transaction(db):
        db.execute(
            "INSERT OR REPLACE INTO scores VALUES (?,?,?,?,?,?,?)",
            (student, question, points, comment, grader, "student", _now()),
        )


def export_csv(db: sqlite3.Connection, path: Path) -> int:
    """One row per student, a points and a comment column per question. Names
    and comments a spreadsheet could take for a formula get a leading '."""
    from ..batch.exports import spreadsheet_safe

    questions = [
        r[0] for r in db.execute("SELECT DISTINCT question FROM answers ORDER BY question")
    ]
    students = [r[0] for r in db.execute("SELECT DISTINCT student FROM answers ORDER BY student")]
    scores = {
        (s, q): (p, c)
        for s, q, p, c in db.execute("SELECT student, question, points, comment FROM scores")
    }
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["student", *(f"{q}{suffix}" for q in questions for suffix in ("", " comment"))]
        )
        for s in students:
            row: list[object] = [spreadsheet_safe(s)]
            for q in questions:
                points, comment = scores.get((s, q), ("", "not graded yet"))
                row += [points, spreadsheet_safe(str(comment))]
            writer.writerow(row)
    return len(students)
