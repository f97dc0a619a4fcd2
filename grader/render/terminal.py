"""The grade as text for a terminal."""

from __future__ import annotations

import re
import textwrap

from ..report import GradeReport

MARKS = {"passed": "PASS", "failed": "FAIL", "error": "ERR ", "skipped": "SKIP"}

#: Characters a terminal acts on instead of showing: C0 controls but the tab
#: and the newline, DEL, C1 controls, and the bidirectional overrides and isolates.
#: A student's exception message holding ESC [1A ESC [2K could otherwise
#: erase its FAIL line on the TA's screen and print a PASS line in its place.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every character a terminal would act on shown as U+FFFD."""
    return _CONTROL.sub("\ufffd", text)


def render(report: GradeReport) -> str:
    lines = [f"Grade of {report.submission}", ""]
    previous = ""
    for c in report.checks:
        hidden = "" if c.public else " [hidden]"
        lines.append(
            f"  {MARKS[c.outcome]} {c.points:4g}/{c.max_points:<3g} {c.id}: {c.title}{hidden}"
        )
        if c.message and c.message == previous:
            lines.append("        (the same reason as above)")
        elif c.message:
            lines += textwrap.wrap(c.message, 96, initial_indent=" " * 8, subsequent_indent=" " * 8)
        previous = c.message
        for d in c.diagnoses:
            lines.append(f"        likely cause [{d.code}]: {d.title}")
            lines += textwrap.wrap(
                f"hint: {d.hint}", 96, initial_indent=" " * 10, subsequent_indent=" " * 16
            )
    experiment = report.experiment
    if experiment is not None and experiment.runs:
        lines += [
            "",
            "Regularization experiment (accuracy after the last epoch; plot in report.html):",
        ]
        for run in experiment.runs:
            label = "no dropout" if run.keep >= 1 else f"keep ratio {run.keep:g}"
            lines.append(
                f"  {label:<16} train {run.train[-1]:.2f}  val {run.val[-1]:.2f}"
                f"  gap {run.train[-1] - run.val[-1]:+.2f}"
            )
    if report.answers:
        lines += ["", "Inline questions (graded apart from the checks):"]
    for a in report.answers:
        if a.status != "answered":
            lines.append(f"  {a.question} ({a.notebook}): {a.status}, 0 / {a.max_points:g}")
            continue
        who = "scored by the rubric" if a.auto else "for a TA to grade"
        lines.append(
            f"  {a.question} ({a.notebook}): suggested {a.suggested:g} / {a.max_points:g}, {who}"
        )
        for wrong in a.contradictions:
            lines.append(f"      says: {wrong}")
    lines += ["", f"Score: {report.score:g} / {report.max_score:g}"]
    lines.append(f"Profile: {report.profile} ({report.profile_reason})")
    lines.append(f"Isolation: {report.isolation}; graded in {report.seconds:.2f} s")
    if report.seed is not None:
        lines.append(f"Seed: {report.seed} (the same inputs again: --seed {report.seed})")
    for warning in report.warnings:
        lines.append(f"Warning: {warning}")
    for event in report.events:
        lines.append(f"Contained: {event}")
    return printable("\n".join(lines))
