"""The comparison's table and its headline, from verified rows.

Each other tool's row is set against ours driven the same way (a process
per submission, or one command for the class) with the same number of
jobs, grading the same scope (the dropout parts). The headline sets each
tool's fastest way against our fastest, the figure the target is about.
"""

from __future__ import annotations

import statistics
from typing import Any

from .results import DROPOUT, Row

OURS = "ours"
# The target: at least 30 times faster per submission than each tool.
TARGET = 30.0


def counterpart(row: Row, rows: list[Row]) -> Row | None:
    """Our row driven the way ``row`` was, with its jobs, on the dropout parts."""
    for other in rows:
        if (other.tool, other.way, other.jobs, other.scope) == (OURS, row.way, row.jobs, DROPOUT):
            return other
    return None


def ratio(theirs: Row, ours: Row) -> float:
    """How many times faster per submission ``ours`` is than ``theirs``."""
    return theirs.per_submission / ours.per_submission


def render(rows: list[Row]) -> str:
    """A Markdown table, readable as it is in a terminal."""
    head = (
        "| tool | version | way | jobs | graded | total s | s / submission "
        "| ours the same way, s / submission | ours faster by | correct: full marks "
        "| buggy: failing |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in rows:
        ours = None if row.tool == OURS else counterpart(row, rows)
        same = f"{ours.per_submission:.3f}" if ours else "-"
        times = f"{ratio(row, ours):.1f}x" if ours else "-"
        lines.append(
            f"| {row.tool} | {row.version} | {row.way} | {row.jobs} | {row.scope} "
            f"| {row.seconds:.1f} | {row.per_submission:.3f} | {same} | {times} "
            "| {}/{} | {}/{} |".format(*row.full_marks(), *row.failing())
        )
    return "\n".join(lines)


def headline(rows: list[Row], target: float = TARGET) -> list[str]:
    """Per other tool: its fastest row against our fastest on the same scope,
    and whether that meets ``target``."""
    mine = [r for r in rows if r.tool == OURS and r.scope == DROPOUT]
    if not mine:
        return []
    ours = min(mine, key=lambda r: r.per_submission)
    lines = []
    for tool in dict.fromkeys(r.tool for r in rows if r.tool != OURS):
        theirs = min((r for r in rows if r.tool == tool), key=lambda r: r.per_submission)
        times = ratio(theirs, ours)
        verdict = "met" if times >= target else "not met"
        lines.append(
            f"{tool}: {theirs.per_submission:.3f} s per submission at best "
            f"({theirs.way}, {theirs.jobs} at a time); ours {ours.per_submission:.3f} s "
            f"({ours.way}, {ours.jobs} at a time): ours {times:.1f}x faster; "
            f"target {target:g}x {verdict}"
        )
    return lines


def margin(small: list[Row], big: list[Row]) -> dict[str, Any]:
    """What each further submission costs ours: batches of two class sizes,
    each run several times (medians), the difference over the difference in
    size. A class's fixed cost (starting Python, the pool and its sandboxes,
    the exports) is paid once however large it is, so for a class of
    hundreds this is the cost per submission."""
    n_small, n_big = len(small[0].expected), len(big[0].expected)
    small_s = statistics.median(r.seconds for r in small)
    big_s = statistics.median(r.seconds for r in big)
    return {
        "sizes": [n_small, n_big],
        "runs": len(small),
        "jobs": small[0].jobs,
        "seconds": [round(small_s, 3), round(big_s, 3)],
        "all_seconds": [[round(r.seconds, 3) for r in small], [round(r.seconds, 3) for r in big]],
        "per_further_submission": (big_s - small_s) / (n_big - n_small),
    }


def margin_lines(
    found: dict[str, Any],
    rows: list[Row],
    others: dict[str, dict[str, Any]] | None = None,
    target: float = TARGET,
) -> list[str]:
    """The margin, and per other tool its own margin against it: for a tool
    that grades the class in one command, ``others[tool]`` (``margin`` of its
    runs over the same two class sizes); for one that runs a process per
    submission, its fastest such run, whose time per submission has no part
    paid once per class. A tool that grades the class in one command and whose
    margin was not measured is not set against ours: its time per submission
    holds its start, spread over the class."""
    each = found["per_further_submission"]
    lines = [f"ours at the margin: {each:.3f} s per further submission ({_sizes(found)})"]
    for tool in dict.fromkeys(r.tool for r in rows if r.tool != OURS):
        alone = [r for r in rows if r.tool == tool and r.way == "a process per submission"]
        if alone:
            best = min(alone, key=lambda r: r.per_submission)
            theirs = best.per_submission
            how = f"per submission at best (a process per submission, {best.jobs} at a time)"
        elif others and tool in others:
            theirs = others[tool]["per_further_submission"]
            how = f"per further submission ({_sizes(others[tool])})"
        else:
            lines.append(
                f"{tool}: grades the class in one command, its start included in its time per "
                "submission; not set against our margin"
            )
            continue
        times = theirs / each if each > 0 else float("inf")
        verdict = "met" if times >= target else "not met"
        lines.append(
            f"{tool}: {theirs:.3f} s {how}; ours at the margin {each:.3f} s: "
            f"{times:.1f}x less; target {target:g}x {verdict}"
        )
    return lines


def _sizes(found: dict[str, Any]) -> str:
    """How a margin was measured: the two classes, their median times."""
    (n_small, n_big), (small_s, big_s) = found["sizes"], found["seconds"]
    way = "one command for the class, " + (
        f"{found['jobs']} at a time" if found["jobs"] > 1 else "one at a time"
    )
    return (
        f"{way}, dropout parts: {n_small} in {small_s:.2f} s, {n_big} in {big_s:.2f} s, "
        f"medians of {found['runs']}"
    )
