"""The batch's closing summary, for the terminal and a CI log."""

from __future__ import annotations

import statistics
from pathlib import Path

from .runner import Summary


def render_summary(summary: Summary, out: Path) -> str:
    rate = summary.graded / summary.seconds if summary.seconds > 0 else 0.0
    lines = [
        f"{summary.submissions} submissions in {summary.seconds:.1f} s: "
        f"{summary.graded} graded now ({rate:.1f}/s), {summary.cached} already in the store, "
        f"{summary.unreadable} unreadable, {len(summary.failed)} failed in the grader"
    ]
    scores = [r.score for r in summary.results]
    if scores:
        top = max(r.max_score for r in summary.results)
        lines.append(
            f"scores: mean {statistics.fmean(scores):.1f}, median {statistics.median(scores):g}, "
            f"out of {top:g}"
        )
    for line in summary.failed:
        lines.append(f"FAILED {line} (the grader's fault, not the student's; run again)")
    for line in summary.skipped:
        lines.append(f"skipped {line}")
    for line in summary.notes:
        lines.append(f"note {line}")
    lines.append(f"reports: {out / 'reports'}/<student>/report.html")
    for path in summary.written:
        lines.append(f"wrote {path}")
    return "\n".join(lines)
