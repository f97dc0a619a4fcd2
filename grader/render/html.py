"""The grade as one self-contained HTML page: ``report.html``.

The page is for a student and a TA reading it on any screen, offline: inline
CSS, no script, no font, image or other resource fetched from anywhere (its
Content-Security-Policy forbids them too). Messages, tracebacks and the
student's printed output come from student code and are hostile text: the
template is rendered with autoescaping on, so they can only ever be text.

The renderer reads the report and never recomputes a grade; its only sums
are per-part subtotals for display, counted as ``GradeReport.max_score`` is
(skipped checks excluded from the maximum). Fields that a report may gain
later are read with ``getattr`` and a default.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from .plot import Series, accuracy_chart

if TYPE_CHECKING:
    from ..report import CheckResult, GradeReport

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Badge text and mark: an outcome reads without colour.
OUTCOMES = {
    "passed": ("✓", "passed"),
    "failed": ("✗", "failed"),
    "error": ("!", "error"),
    "skipped": ("⊘", "skipped"),
}


@dataclass(frozen=True)
class Part:
    """The checks of one part of the assignment, with display subtotals."""

    name: str
    checks: tuple[CheckResult, ...]
    points: float
    max_points: float
    counts: dict[str, int]


def _num(value: float) -> str:
    """30.0 -> '30', 0.5 -> '0.5'."""
    return f"{value:g}"


def _parts(checks: tuple[CheckResult, ...]) -> list[Part]:
    """Checks grouped by part, parts in the order their first check comes."""
    grouped: dict[str, list[CheckResult]] = {}
    for c in checks:
        grouped.setdefault(str(getattr(c, "part", "") or "other"), []).append(c)
    return [
        Part(
            name=name,
            checks=tuple(cs),
            points=round(sum(c.points for c in cs), 6),
            max_points=round(sum(c.max_points for c in cs if c.outcome != "skipped"), 6),
            counts=_counts(cs),
        )
        for name, cs in grouped.items()
    ]


def _counts(checks: list[CheckResult] | tuple[CheckResult, ...]) -> dict[str, int]:
    return {o: sum(1 for c in checks if c.outcome == o) for o in OUTCOMES}


def _context(report: GradeReport) -> dict[str, Any]:
    checks: tuple[CheckResult, ...] = tuple(getattr(report, "checks", ()))
    score, max_score = report.score, report.max_score
    output = str(getattr(report, "output", "") or "")
    output_bytes = int(getattr(report, "output_bytes", 0) or 0)
    return {
        "report": report,
        "score": score,
        "max_score": max_score,
        "percent": round(100 * score / max_score) if max_score > 0 else None,
        "parts": _parts(checks),
        "counts": _counts(checks),
        "warnings": tuple(getattr(report, "warnings", ()) or ()),
        "events": tuple(getattr(report, "events", ()) or ()),
        "seed": getattr(report, "seed", None),
        "profile_reason": str(getattr(report, "profile_reason", "") or ""),
        "grader_version": str(getattr(report, "grader_version", "") or "unknown"),
        "schema_version": getattr(report, "schema_version", None),
        "output": output,
        "output_bytes": output_bytes,
        "output_shown_bytes": len(output.encode("utf-8", "replace")),
        "outcomes": OUTCOMES,
        "experiment": _experiment(report),
    }


def _label(keep: float) -> str:
    return "no dropout" if keep >= 1 else f"keep ratio {keep:g}"


def _experiment(report: GradeReport) -> dict[str, Any] | None:
    """The experiment's description, charts and final accuracies, if it ran.

    The charts are SVG built by grader/render/plot.py from the accuracies the
    grader measured (numbers) and fixed labels, escaped there; they are the
    one piece of markup the template does not escape.
    """
    found = getattr(report, "experiment", None)
    if found is None:
        return None
    runs = tuple(found.runs)
    charts = [
        Markup(accuracy_chart(title, [Series(_label(r.keep), getattr(r, split)) for r in runs]))
        for title, split in (("Training accuracy", "train"), ("Validation accuracy", "val"))
    ]
    rows = [
        {"label": _label(r.keep), "train": r.train[-1], "val": r.val[-1]}
        for r in runs
        if r.train and r.val
    ]
    return {
        "description": found.description,
        "error": found.error,
        "seconds": found.seconds,
        "pairs": getattr(found, "pairs", 1),
        "charts": charts if runs else [],
        "rows": rows,
    }


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # Always on: the template's name ends in .j2, which select_autoescape
        # would not recognise as HTML.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    env.globals["attr"] = getattr
    return env


def render(report: GradeReport) -> str:
    """The report as a complete HTML document."""
    return _environment().get_template("report.html.j2").render(_context(report))
