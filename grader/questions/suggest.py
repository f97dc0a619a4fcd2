"""Suggest points for an inline answer from its question's rubric, with the
evidence, and score it without a TA only where that is certain.

The rubric (grader/questions/rubric.toml) names concepts by multilingual
patterns and defines each key point as concepts that co-occur in one
clause. An answer is split into clauses at sentence ends (full-width ones
too) and at words of contrast ("but", "while", "whereas", "pero" and their
Chinese and Korean equivalents). Automatic scoring needs a
rubric that allows it (``auto = true``), every key point found, and no
contradiction; anything else goes to a TA with the suggestion.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .extract import Answer

RUBRIC = Path(__file__).with_name("rubric.toml")

# Sentence ends (also the full-width ones of Chinese and Japanese) and words
# of contrast; not commas, which join a claim to its reason.
CLAUSE = re.compile(
    "[.;!?\n\u3002\uff1b\uff01\uff1f]"
    r"|\bbut\b|\bwhile\b|\bwhereas\b|\bwhile\b|\bpero\b|\u4f46|\u800c|\ud558\uc9c0\ub9cc"
)

Confidence = Literal["high", "low"]


@dataclass(frozen=True)
class KeyPoint:
    id: str
    text: str
    points: float
    when: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Question:
    id: str
    notebook: str
    points: float
    auto: bool
    key_points: tuple[KeyPoint, ...]
    contradictions: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


@dataclass(frozen=True)
class Finding:
    key_point: str
    found: bool
    evidence: str  # the clause that showed it, "" when not found


@dataclass(frozen=True)
class Suggestion:
    question: str
    points: float  # suggested
    max_points: float
    findings: tuple[Finding, ...]
    contradictions: tuple[str, ...]  # "what it says: the clause"
    confidence: Confidence
    auto: bool  # scored without a TA

    @property
    def needs_ta(self) -> bool:
        return not self.auto


@dataclass(frozen=True)
class Rubric:
    concepts: dict[str, tuple[re.Pattern[str], ...]]
    questions: dict[str, Question]


def _conditions(raw: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(c) for c in group) for group in raw)


def load(path: Path | None = None) -> Rubric:
    """The rubric at ``path``; by default the assignment config's rubric
    (``[questions]`` of assignment.toml, see grader.config), with its
    question points."""
    if path is None:
        from ..config import current

        return current().rubric()
    return _load(path)


@cache
def _load(path: Path) -> Rubric:
    return parse(path.read_text(encoding="utf-8"))


@cache
def parse(text: str) -> Rubric:
    """The rubric written in ``text`` (TOML, as grader/questions/rubric.toml)."""
    data = tomllib.loads(text)
    concepts = {
        name: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
        for name, patterns in data["concepts"].items()
    }
    questions = {}
    for qid, q in data["questions"].items():
        questions[qid] = Question(
            qid,
            q["notebook"],
            float(q["points"]),
            bool(q.get("auto", False)),
            tuple(
                KeyPoint(k["id"], k["text"], float(k["points"]), _conditions(k["when"]))
                for k in q.get("key_points", [])
            ),
            tuple((c["text"], _conditions(c["when"])) for c in q.get("contradictions", [])),
        )
    for q in questions.values():
        named = [c.lstrip("!") for k in q.key_points for g in k.when for c in g]
        named += [c.lstrip("!") for _, when in q.contradictions for g in when for c in g]
        unknown = sorted(set(named) - set(concepts) - set(FIRST))
        if unknown:
            raise ValueError(f"rubric of {q.id} names unknown concepts {unknown}")
    return Rubric(concepts, questions)


def with_points(rubric: Rubric, points: dict[str, float]) -> Rubric:
    """``rubric`` with some questions worth other points: each key point of
    such a question is scaled by the same factor, so a complete answer still
    earns the whole question."""
    if not points:
        return rubric
    questions = dict(rubric.questions)
    for qid, new in points.items():
        q = questions[qid]
        factor = new / q.points if q.points else 1.0
        key_points = tuple(replace(k, points=k.points * factor) for k in q.key_points)
        questions[qid] = replace(q, points=new, key_points=key_points)
    return replace(rubric, questions=questions)


def clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSE.split(text) if c and c.strip()]


#: Derived concepts: which of two concepts a clause names first, its subject.
FIRST = {"train_first": ("train", "test"), "test_first": ("test", "train")}


def _position(rubric: Rubric, name: str, clause: str) -> int | None:
    found = [m.start() for p in rubric.concepts.get(name, ()) if (m := p.search(clause))]
    return min(found) if found else None


def _present(rubric: Rubric, clause: str) -> set[str]:
    present = {
        name
        for name, patterns in rubric.concepts.items()
        if any(p.search(clause) for p in patterns)
    }
    for derived, (subject, other) in FIRST.items():
        at, other_at = _position(rubric, subject, clause), _position(rubric, other, clause)
        if at is not None and (other_at is None or at < other_at):
            present.add(derived)
    return present


def _holds(group: tuple[str, ...], present: set[str]) -> bool:
    return all((c[1:] not in present) if c.startswith("!") else (c in present) for c in group)


def _first(rubric: Rubric, parts: list[str], when: tuple[tuple[str, ...], ...]) -> str:
    for clause in parts:
        present = _present(rubric, clause)
        if any(_holds(group, present) for group in when):
            return clause
    return ""


def suggest(question_id: str, answer: str, rubric: Rubric | None = None) -> Suggestion:
    rubric = rubric or load()
    q = rubric.questions[question_id]
    parts = clauses(answer)
    findings = tuple(
        Finding(k.id, bool(e := _first(rubric, parts, k.when)), e) for k in q.key_points
    )
    contradictions = tuple(
        f"{text}: {clause}"
        for text, when in q.contradictions
        if (clause := _first(rubric, parts, when))
    )
    points = sum(k.points for k, f in zip(q.key_points, findings, strict=True) if f.found)
    complete = bool(findings) and all(f.found for f in findings)
    confident = complete and not contradictions
    return Suggestion(
        question_id,
        0.0 if contradictions else points,
        q.points,
        findings,
        contradictions,
        "high" if confident else "low",
        q.auto and confident,
    )


def for_answer(answer: Answer, rubric: Rubric | None = None) -> Suggestion | None:
    """The suggestion for an extracted answer: None when it is not answered
    or its question has no rubric."""
    rubric = rubric or load()
    if answer.status != "answered" or answer.question_id not in rubric.questions:
        return None
    return suggest(answer.question_id, answer.text, rubric)


def max_points(question_id: str, rubric: Rubric | None = None) -> float:
    """The question's points in the rubric; 0 for a question it does not know."""
    question = (rubric or load()).questions.get(question_id)
    return question.points if question else 0.0
