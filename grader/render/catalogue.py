"""The catalogue of checks and misconceptions, as Markdown, read from the
registry: docs/checks.md is this text (``make docs`` rewrites it, and a
test fails when it is out of date)."""

from __future__ import annotations

from itertools import groupby

from ..registry import MISCONCEPTIONS, load_all, ordered_checks

HEADER = """\
# Checks and misconceptions

Generated from the registry by `make docs` (`python -m grader docs`); do not
edit by hand. Each check is a pytest test in `grader/checks/`; each
misconception is recognised from the evidence when one of the checks it
lists fails. `python -m grader checks` and `python -m grader misconceptions`
print the same tables.
"""


def markdown() -> str:
    load_all()
    checks = ordered_checks()
    lines = [HEADER, "## Checks", ""]
    total = sum(spec.points for spec in checks)
    lines.append(f"{len(checks)} checks, {total:g} points in all.")
    for part, specs in groupby(checks, key=lambda spec: spec.part):
        group = list(specs)
        lines += ["", f"### {part} ({sum(s.points for s in group):g} points)", ""]
        lines += ["| check | points | visibility | what it checks |", "|---|---|---|---|"]
        for spec in group:
            visibility = "public" if spec.public else "hidden"
            lines.append(f"| `{spec.id}` | {spec.points:g} | {visibility} | {spec.title} |")
    lines += ["", "## Misconceptions", ""]
    lines.append(f"{len(MISCONCEPTIONS)} named mistakes.")
    for item in sorted(MISCONCEPTIONS.values(), key=lambda m: m.code):
        lines += ["", f"### `{item.code}`: {item.title}", ""]
        lines.append(item.explanation)
        lines += ["", f"**Hint:** {item.hint}", ""]
        lines.append("Shown by: " + ", ".join(f"`{c}`" for c in item.checks))
    return "\n".join(lines) + "\n"
