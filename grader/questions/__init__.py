"""Inline questions: extraction from notebooks, rubric suggestions, and the
TA's gradebook."""

from __future__ import annotations

from pathlib import Path

from ..errors import SubmissionError
from ..report import InlineAnswer
from .extract import extract
from .suggest import Rubric, for_answer, load, max_points


def answers_of(
    root: Path, notebooks: tuple[str, ...], rubric: Rubric | None = None
) -> tuple[list[InlineAnswer], list[str]]:
    """The inline answers of a staged submission's notebooks, with any
    warning about a notebook that could not be read. Nothing is run.
    ``rubric``: by default the assignment config's."""
    rubric = rubric or load()
    found: list[InlineAnswer] = []
    warnings: list[str] = []
    for name in notebooks:
        try:
            extraction = extract((root / name).read_bytes(), Path(name).name)
        except (SubmissionError, OSError) as exc:
            warnings.append(f"inline questions: {exc}")
            continue
        warnings += extraction.warnings
        for a in extraction.answers:
            s = for_answer(a, rubric)
            found.append(
                InlineAnswer(
                    question=a.question_id,
                    notebook=a.notebook,
                    status=a.status,
                    text=a.text,
                    suggested=s.points if s else 0.0,
                    max_points=max_points(a.question_id, rubric),
                    auto=bool(s and s.auto),
                    found=tuple(f.key_point for f in s.findings if f.found) if s else (),
                    contradictions=s.contradictions if s else (),
                )
            )
    return found, warnings
