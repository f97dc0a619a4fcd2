"""Find the inline questions of a notebook and the student's answer to each.

Formats, tried in this order:

1. our template's marker: a cell whose first line is ``<!-- question: ID -->``
   and a cell whose first line is ``<!-- answer: ID -->`` (docs/inline_questions.md);
2. the course's historic formats: a markdown cell with an "Inline Question N"
   heading (``## Inline Question 1``, ``**Inline Question 1:**``, in HTML or
   LaTeX), whose answer follows an answer label (``**Your Answer:**``,
   ``$\\color{blue}{\\textit Your Answer:}$``, ``<b>Your answer:</b>``, ...)
   in the same cell or in the next markdown cell.

An answer that is empty or still a placeholder is *unanswered*; a question
with no answer label anywhere is *missing*. Neither is an empty string to be
graded wrong. Notebooks are read with nbformat's reader and converted to
version 4 without validation, so old versions and missing metadata do not
matter; nothing in a notebook is ever run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import SubmissionError

Status = Literal["answered", "unanswered", "missing"]

MARK_QUESTION = re.compile(r"^\s*<!--\s*question:\s*([a-z0-9_]+)\s*-->", re.IGNORECASE)
MARK_ANSWER = re.compile(r"^\s*<!--\s*answer:\s*([a-z0-9_]+)\s*-->", re.IGNORECASE)
HEADING = re.compile(
    r"inline\s+question\s*(\d+)",
    re.IGNORECASE,
)
#: "Your Answer:" as the course wrote it over the years: bold, italic, LaTeX
#: colour, HTML bold or span; the label itself ends at its colon.
LABEL = re.compile(
    r"(?:\*\*|__|\*|_|<b>|<strong>|<span[^>]*>|<font[^>]*>|\$\\color\{[a-z]+\}\{\\textit\s*)?"
    r"[ \t]*your\s+answer[ \t]*"
    r"(?::[ \t]*(?:\*\*|__|\*|_|</b>|</strong>|</span>|</font>|\}\$)?"
    r"|(?:\*\*|__|\*|_|</b>|</strong>|</span>|</font>|\}\$)[ \t]*:)",
    re.IGNORECASE,
)
LEADING_MARKUP = re.compile(r"^(?:[\s:*_#]|</?[a-z][^>]*>)*", re.IGNORECASE)
PLACEHOLDERS = {
    "",
    "fill this in",
    "fill this in.",
    "your answer here",
    "your answer here.",
    "write your answer here",
    "type your answer here",
    "todo",
    "answer here",
}


@dataclass(frozen=True)
class Answer:
    """One inline question of one notebook, and what the student wrote."""

    notebook: str
    question_id: str  # the marker's ID, or "inline_question_N" for historic formats
    number: int | None  # N of "Inline Question N", when the heading gives it
    question: str  # the question's text, for the TA
    text: str  # the answer as written (markdown), "" when none
    status: Status
    format: str  # marker | historic-same-cell | historic-next-cell
    cell: int  # index of the cell that holds (or should hold) the answer


@dataclass(frozen=True)
class Extraction:
    notebook: str
    answers: tuple[Answer, ...]
    warnings: tuple[str, ...] = ()

    def by_id(self) -> dict[str, Answer]:
        return {a.question_id: a for a in self.answers}


def read_cells(content: bytes, name: str) -> list[dict[str, Any]]:
    """The cells of a notebook of any nbformat version, as plain dictionaries
    with ``cell_type`` and ``source`` (a string)."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(
            f"{name} is not a readable notebook ({type(exc).__name__}: {exc}); open it in "
            "Jupyter, save it again, and resubmit"
        ) from None
    if not isinstance(data, dict):
        raise SubmissionError(f"{name} is not a notebook: its JSON is not an object")
    cells: list[Any]
    if isinstance(data.get("cells"), list):  # nbformat 4
        cells = data["cells"]
    elif isinstance(data.get("worksheets"), list):  # nbformat 3 and older
        cells = [
            c for ws in data["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])
        ]
    else:
        raise SubmissionError(
            f"{name} is not a notebook: it has no cells. Submit the .ipynb file Jupyter saved"
        )
    found = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        kind = cell.get("cell_type", "")
        if kind == "heading":  # nbformat 3's heading cells are markdown headings
            kind, source = "markdown", "#" * int(cell.get("level", 1) or 1) + " " + str(source)
        found.append({"cell_type": str(kind), "source": str(source)})
    return found


def clean(text: str) -> str:
    """The answer without markdown emphasis around it and surrounding space."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL).strip()
    return text


def _is_placeholder(text: str) -> bool:
    bare = re.sub(r"[*_`$\\{}]|</?[a-z][^>]*>|textit|color|blue", "", text, flags=re.IGNORECASE)
    return bare.strip().lower().rstrip(".") in {p.rstrip(".") for p in PLACEHOLDERS}


def _after_label(source: str) -> str | None:
    """What follows the first answer label in source, or None without one."""
    match = LABEL.search(source)
    if match is None:
        return None
    return clean(source[match.end() :])


def _status(text: str | None) -> Status:
    if text is None:
        return "missing"
    return "unanswered" if _is_placeholder(text) else "answered"


def extract(content: bytes, name: str) -> Extraction:
    """Every inline question of the notebook ``name`` and its answer."""
    cells = read_cells(content, name)
    markdown = [(i, c["source"]) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]
    marked_questions = {
        m.group(1).lower(): (i, s) for i, s in markdown if (m := MARK_QUESTION.match(s))
    }
    if marked_questions:
        return _marked(name, markdown, marked_questions)
    return _historic(name, markdown)


def _marked(
    name: str, markdown: list[tuple[int, str]], questions: dict[str, tuple[int, str]]
) -> Extraction:
    answers_by_id: dict[str, tuple[int, str]] = {}
    for i, source in markdown:
        match = MARK_ANSWER.match(source)
        if match and match.group(1).lower() not in answers_by_id:
            answers_by_id[match.group(1).lower()] = (i, source)
    found, warnings = [], []
    for qid, (qcell, qsource) in questions.items():
        question = clean(MARK_QUESTION.sub("", qsource, count=1))
        number = _number(question)
        if qid in answers_by_id:
            acell, asource = answers_by_id[qid]
            body = MARK_ANSWER.sub("", asource, count=1)
            text = _after_label(body)
            if text is None:  # the label was deleted: the whole cell is the answer
                text = clean(body)
            found.append(Answer(name, qid, number, question, text, _status(text), "marker", acell))
            continue
        # The answer marker was deleted: look for a label right after the question.
        text, acell, fmt = _label_near(markdown, qcell, qsource)
        if text is None:
            warnings.append(f"{name}: no answer cell found for the question {qid}")
        found.append(Answer(name, qid, number, question, text or "", _status(text), fmt, acell))
    return Extraction(name, tuple(found), tuple(warnings))


def _number(question: str) -> int | None:
    match = HEADING.search(question)
    return int(match.group(1)) if match else None


def _label_near(
    markdown: list[tuple[int, str]], qcell: int, qsource: str
) -> tuple[str | None, int, str]:
    """An answer labelled in the question's own cell or the next markdown cell."""
    same = _after_label(qsource)
    if same is not None:
        return same, qcell, "historic-same-cell"
    following = [(i, s) for i, s in markdown if i > qcell]
    if following:
        i, source = following[0]
        if not HEADING.search(source) and not MARK_QUESTION.match(source):
            text = _after_label(source)
            if text is not None:
                return text, i, "historic-next-cell"
    return None, qcell, "historic-next-cell"


def _historic(name: str, markdown: list[tuple[int, str]]) -> Extraction:
    found: list[Answer] = []
    seen: set[int] = set()
    for position, (i, source) in enumerate(markdown):
        heading = HEADING.search(source)
        if heading is None:
            continue
        number = int(heading.group(1))
        if number in seen:
            continue
        seen.add(number)
        label = LABEL.search(source)
        question_end = label.start() if label else len(source)
        question = LEADING_MARKUP.sub("", clean(source[heading.end() : question_end]))
        text, acell, fmt = _label_near(markdown[position:], i, source)
        found.append(
            Answer(
                name,
                f"inline_question_{number}",
                number,
                question,
                text or "",
                _status(text),
                fmt,
                acell,
            )
        )
    warnings = () if found else (f"{name}: no inline question found",)
    return Extraction(name, tuple(found), warnings)
