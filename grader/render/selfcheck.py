"""A self-check (grader.selfcheck) as text for a terminal, and as HTML for
a notebook's output cell.

Both only read the result. Messages come from student code (an exception's
text), so the HTML escapes every string it shows. A check whose expected
answer the student release does not carry shows as "N/A" (not available
here), apart from the checks that fail.
"""

from __future__ import annotations

import html as _html
import textwrap
from typing import TYPE_CHECKING

from ..oracle import UNAVAILABLE

if TYPE_CHECKING:
    from ..report import CheckResult
    from ..selfcheck import SelfCheck

WIDTH = 96
MARKS = {"passed": "PASS", "failed": "FAIL", "error": "FAIL", "skipped": "SKIP", "n/a": "N/A "}
COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "error": "#cf222e",
    "skipped": "#6e7781",
    "n/a": "#9a6700",
}


def status(check: CheckResult) -> str:
    """passed, failed, error, skipped, or n/a (no recorded answer for it)."""
    if check.outcome == "skipped" and check.message == UNAVAILABLE:
        return "n/a"
    return check.outcome


def _counts(result: SelfCheck) -> dict[str, int]:
    counts = {"passed": 0, "failing": 0, "n/a": 0, "skipped": 0}
    for c in result.checks:
        kind = status(c)
        counts["failing" if kind in ("failed", "error") else kind] += 1
    return counts


def summary(result: SelfCheck) -> list[str]:
    """The closing lines: how many pass, the points, what is graded later."""
    report = result.report
    if report is None:
        return []
    n = _counts(result)
    ran = n["passed"] + n["failing"]
    what = f"{result.selection}: public checks" if result.selection else "Public checks"
    line = f"{what}: {n['passed']} of {ran} pass"
    if n["failing"]:
        line += f", {n['failing']} fail"
    if n["n/a"]:
        line += f"; {n['n/a']} not available here (graded after the deadline)"
    line += f". Points so far: {report.score:g} of {report.max_score:g}."
    later = "Graded after the deadline only: "
    if result.hidden:
        plural = "s" if result.hidden != 1 else ""
        later += f"{result.hidden} hidden check{plural} ({result.hidden_points:g} points), and "
    later += "the inline questions."
    sandbox = {"bwrap": "bubblewrap", "process": "a separate process"}.get(
        report.isolation, report.isolation
    )
    return [
        line,
        later,
        "The grade runs these checks again on new random inputs; here the inputs are fixed "
        f"(seed {report.seed}). Sandbox: {sandbox}; {report.seconds:.1f} s.",
    ]


def text(result: SelfCheck) -> str:
    if result.report is None:
        return f"Self-check: {result.problem}"
    report = result.report
    lines = [f"Self-check of {report.submission} (the public checks, at fixed inputs)", ""]
    previous = ""
    for c in report.checks:
        kind = status(c)
        lines.append(f"  {MARKS[kind]} {c.points:4g}/{c.max_points:<3g} {c.id}: {c.title}")
        if c.message and c.message == previous:
            lines.append("        (the same reason as above)")
        elif c.message and kind != "passed":
            lines += textwrap.wrap(
                c.message, WIDTH, initial_indent=" " * 8, subsequent_indent=" " * 8
            )
        previous = c.message
        for d in c.diagnoses:
            lines.append(f"        likely cause [{d.code}]: {d.title}")
            lines += textwrap.wrap(
                d.explanation, WIDTH, initial_indent=" " * 10, subsequent_indent=" " * 10
            )
            lines += textwrap.wrap(
                f"hint: {d.hint}", WIDTH, initial_indent=" " * 10, subsequent_indent=" " * 16
            )
    experiment = report.experiment
    if experiment is not None and experiment.runs:
        lines += ["", "Regularization experiment (accuracy after the last epoch):"]
        for run in experiment.runs:
            label = "no dropout" if run.keep >= 1 else f"keep ratio {run.keep:g}"
            lines.append(
                f"  {label:<16} train {run.train[-1]:.2f}  val {run.val[-1]:.2f}"
                f"  gap {run.train[-1] - run.val[-1]:+.2f}"
            )
    for warning in report.warnings:
        lines += textwrap.wrap(f"Note: {warning}", WIDTH, subsequent_indent="  ")
    return "\n".join([*lines, "", *summary(result)])


def _e(value: object) -> str:
    return _html.escape(str(value), quote=True)


def html(result: SelfCheck) -> str:
    """A block of HTML with inline styles (a notebook cell's output)."""
    box = "font-family: system-ui, sans-serif; font-size: 14px; line-height: 1.4; max-width: 60em"
    if result.report is None:
        return f'<div style="{box}"><b>Self-check:</b> {_e(result.problem)}</div>'
    report = result.report
    rows = []
    for c in report.checks:
        kind = status(c)
        badge = (
            f'<span style="color: white; background: {COLOURS[kind]}; border-radius: 3px; '
            f'padding: 0 0.4em; font-weight: 600">{_e(MARKS[kind].strip())}</span>'
        )
        body = f"<code>{_e(c.id)}</code> {_e(c.title)}"
        if c.message and kind != "passed":
            body += f'<div style="margin: 0.2em 0 0 1em">{_e(c.message)}</div>'
        for d in c.diagnoses:
            body += (
                '<div style="margin: 0.3em 0 0 1em; padding-left: 0.5em; '
                'border-left: 3px solid #9a6700">'
                f"<b>Likely cause</b> <code>{_e(d.code)}</code>: {_e(d.title)}<br>"
                f"{_e(d.explanation)}<br><b>Hint:</b> {_e(d.hint)}</div>"
            )
        if c.detail and kind in ("failed", "error"):
            body += (
                '<details style="margin-left: 1em"><summary>where in your code</summary>'
                f'<pre style="white-space: pre-wrap">{_e(c.detail)}</pre></details>'
            )
        rows.append(
            f'<tr style="vertical-align: top"><td style="padding: 0.2em 0.5em">{badge}</td>'
            f'<td style="padding: 0.2em 0.5em; white-space: nowrap">'
            f"{c.points:g}/{c.max_points:g}</td>"
            f'<td style="padding: 0.2em 0.5em; text-align: left">{body}</td></tr>'
        )
    closing = "".join(f"<p style='margin: 0.3em 0'>{_e(line)}</p>" for line in summary(result))
    notes = "".join(f"<p style='margin: 0.3em 0'>Note: {_e(w)}</p>" for w in report.warnings)
    return (
        f'<div style="{box}"><p><b>Self-check</b> of <code>{_e(report.submission)}</code> '
        "(the public checks, at fixed inputs)</p>"
        f'<table style="border-collapse: collapse">{"".join(rows)}</table>'
        f"{notes}{closing}</div>"
    )
