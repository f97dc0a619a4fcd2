"""The class at a glance: ``dashboard.html``, for the instructor.

``python -m grader batch`` writes it as ``OUT/dashboard.html`` beside
``OUT/reports/<student>/report.html``, from the batch's ``StudentResult``
values: headline numbers, the distribution of scores, each check's pass
rate, the most frequent misconceptions, the inline questions, the
submissions that need a person's eye, and every student, lowest score first,
each linked to their own report.

Like report.html the page is one file that fetches nothing: inline CSS, no
script (its Content-Security-Policy forbids both), charts as inline SVG
drawn by the template from numbers computed here, each with a ``<title>``
and a ``<desc>`` and with its numbers written beside it, so that no chart is
read by colour alone. Student names, notes, events and warnings are hostile
text: the template autoescapes everything, and links to reports are
relative paths, percent-encoded one segment at a time.

The student table sorts without script: radio buttons before it, and CSS
that reorders the rows (``order``) by the ranks each row carries in custom
properties. The document order, which a screen reader follows, is the
default one: score ascending.

Nothing here grades: every number is a count or a mean of what the reports
say. Reports are read as the dictionaries report.json holds, with ``.get``,
so a report from an older grader or one with fields added later (such as
``outputs``, the notebook outputs compared with the code) still renders.
"""

from __future__ import annotations

import functools
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2

from ..registry import ordered_checks

if TYPE_CHECKING:
    from ..batch.results import StudentResult

TEMPLATES = Path(__file__).resolve().parent / "templates"

BINS = 10  # score histogram: 0-10%, 10-20%, ..., 90-100% (100% in the last)
EXAMPLES = 3  # students linked per misconception
HARDEST = 5  # checks named at the top of the pass rates, lowest first
TEXT_LIMIT = 300  # characters of a note, event or warning shown; the report has all

# A warning about notebook outputs that the submitted code does not produce
# (the notebook was not rerun after the code changed, or outputs were pasted).
STALE = re.compile(
    r"\bstale\b|\boutputs?\b.*\b(?:mismatch\w*|do(?:es)? not match|differ\w*)", re.IGNORECASE
)

# Why a submission is flagged, most urgent first; the label is what the page says.
FLAG_KINDS = {
    "sandbox": "the sandbox stopped its code",
    "isolation": "isolation",
    "outputs": "stale notebook outputs",
    "note": "noticed by the batch",
}
ISOLATION = {
    "not run": "not run: the submission could not be read, so none of its code ran",
    "process": "process: bubblewrap was missing, so its code ran without namespace isolation",
    "none": "none: its code ran inside the grader's own process (for benchmarks only)",
    "": "unknown: the report does not say how its code was contained",
}


@dataclass(frozen=True)
class Link:
    text: str
    href: str  # relative, percent-encoded; empty when there is no report to link


@dataclass(frozen=True)
class Tile:
    key: str  # the tile's id on the page: stat-<key>
    label: str
    value: str
    of: str = ""  # " / 54", shown smaller after the value
    detail: str = ""
    href: str = ""  # an in-page fragment


@dataclass(frozen=True)
class Segment:
    """A piece of a horizontal 100-unit bar."""

    kind: str  # a CSS class: pass, fail, error, muted...
    x: float
    width: float


@dataclass(frozen=True)
class Bin:
    low: int  # percent, included
    high: int  # percent, excluded (included for the last bin)
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bins: tuple[Bin, ...]
    y_ticks: tuple[tuple[float, int], ...]  # (y, count)
    x_ticks: tuple[tuple[float, int], ...]  # (x, percent)
    median: float | None  # percent
    median_x: float
    counted: int
    left_out: int  # reports whose maximum is 0: no percentage
    desc: str


@dataclass(frozen=True)
class CheckRate:
    id: str
    title: str
    points: float
    public: bool
    passed: int
    failed: int
    error: int
    skipped: int

    @property
    def ran(self) -> int:
        return self.passed + self.failed + self.error

    @property
    def percent(self) -> int | None:
        return percent(self.passed, self.ran)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return segments(
            self.ran, (("pass", self.passed), ("fail", self.failed), ("error", self.error))
        )


@dataclass(frozen=True)
class PartRates:
    name: str
    checks: tuple[CheckRate, ...]

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def ran(self) -> int:
        return sum(c.ran for c in self.checks)


@dataclass(frozen=True)
class MisconceptionRow:
    code: str
    title: str
    students: int
    percent: int | None  # of all submissions
    checks: tuple[str, ...]
    examples: tuple[Link, ...]
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class QuestionRow:
    question: str
    notebook: str
    answered: int
    unanswered: int
    missing: int
    absent: int  # submissions whose report does not have the question at all
    auto: int
    mean_suggested: float | None  # over the answered ones
    max_points: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Flagged:
    student: Link
    reasons: tuple[tuple[str, str], ...]  # (kind, text)


@dataclass(frozen=True)
class StudentRow:
    student: Link
    score: float
    max_score: float
    percent: int | None
    failed: int  # failed or error
    misconceptions: tuple[str, ...]
    flags: tuple[str, ...]  # kinds
    name_rank: int


def percent(part: float, whole: float) -> int | None:
    """part / whole as a whole percent that never rounds to 0% or 100% unless
    it is exactly that: 699 of 700 is 99%, 1 of 700 is 1%."""
    if whole <= 0:
        return None
    if part >= whole:
        return 100
    if part <= 0:
        return 0
    return min(max(round(100 * part / whole), 1), 99)


def segments(whole: int, parts: Iterable[tuple[str, int]]) -> tuple[Segment, ...]:
    out, x = [], 0.0
    for kind, n in parts:
        if n > 0 and whole > 0:
            width = 100 * n / whole
            out.append(Segment(kind, round(x, 3), round(width, 3)))
            x += width
    return tuple(out)


def href(path: str) -> str:
    """A report's path relative to the dashboard, as a URL that can only be a
    relative path: each segment percent-encoded (``:``, ``#``, ``?``,
    ``%``...), empty segments dropped, so no scheme, host or query."""
    return "/".join(quote(s, safe="") for s in path.replace("\\", "/").split("/") if s)


def _num(value: float) -> str:
    return f"{value:g}"


def _clip(text: object) -> str:
    s = str(text)
    return s if len(s) <= TEXT_LIMIT else s[: TEXT_LIMIT - 1] + "…"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _checks(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in report.get("checks") or () if isinstance(c, Mapping)]


def _unreadable(report: Mapping[str, Any]) -> bool:
    return report.get("isolation") == "not run"


def _pct(result: StudentResult) -> float | None:
    return 100 * result.score / result.max_score if result.max_score > 0 else None


def _bin(result: StudentResult) -> int:
    """The histogram's bar for a score: a tenth of the maximum each, with
    100% in the last (the epsilon keeps 0.3 * 54 / 54 in the band of 30%)."""
    return min(int(BINS * result.score / result.max_score + 1e-9), BINS - 1)


def _link(result: StudentResult) -> Link:
    return Link(result.student, href(result.report_html) if result.report_html else "")


def _headline(results: Sequence[StudentResult], flagged: int) -> tuple[Tile, ...]:
    n = len(results)
    unreadable = sum(1 for r in results if _unreadable(r.report))
    scores = [r.score for r in results]
    pcts = [p for p in (_pct(r) for r in results) if p is not None]
    tops = sorted({r.max_score for r in results})
    # The maximum differs between course years (skipped checks count in neither).
    of = f" / {tops[0]:g}" if len(tops) == 1 else ""
    out_of = f"; maximum {tops[0]:g} to {tops[-1]:g} by course year" if len(tops) > 1 else ""
    seconds = sum(float(r.report.get("seconds") or 0.0) for r in results)
    mean = f"{statistics.fmean(scores):.1f}" if scores else "—"
    median = f"{statistics.median(scores):g}" if scores else "—"
    mean_pct = f"{statistics.fmean(pcts):.0f}% of the maximum on average" if pcts else ""
    median_pct = f"{statistics.median(pcts):.0f}% of the maximum" if pcts else ""
    return (
        Tile("submissions", "Submissions", str(n), "", "", "#students"),
        Tile("graded", "Graded", str(n - unreadable), "", "their code ran"),
        Tile("unreadable", "Unreadable", str(unreadable), "", "isolation “not run”: no code ran"),
        Tile("mean", "Mean score", mean, of, mean_pct + out_of),
        Tile("median", "Median score", median, of, median_pct + out_of),
        Tile(
            "time",
            "Grading time",
            _duration(seconds),
            "",
            f"the sum of the reports' times; {seconds / n:.2f} s each" if n else "",
        ),
        Tile(
            "flagged", "Flagged", str(flagged), "", "events, isolation, outputs, notes", "#flagged"
        ),
    )


# Histogram geometry, in SVG user units (the chart scales to its box).
H_WIDTH, H_HEIGHT = 360, 210
H_LEFT, H_RIGHT, H_TOP, H_BOTTOM = 34, 10, 22, 42


def _nice_step(top: int) -> int:
    for base in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / base <= 5:
            return base
    return math.ceil(top / 5)


def _histogram(results: Sequence[StudentResult]) -> Histogram:
    pcts = [p for p in (_pct(r) for r in results) if p is not None]
    counts = [0] * BINS
    for r in results:
        if r.max_score > 0:
            counts[max(_bin(r), 0)] += 1
    step = _nice_step(max(counts, default=0) or 1)
    top = max(step * math.ceil((max(counts, default=0) or 1) / step), 1)
    plot_w = H_WIDTH - H_LEFT - H_RIGHT
    plot_h = H_HEIGHT - H_TOP - H_BOTTOM
    width = plot_w / BINS
    base = H_TOP + plot_h
    bins = []
    for i, count in enumerate(counts):
        height = plot_h * count / top
        bins.append(
            Bin(
                low=i * 100 // BINS,
                high=(i + 1) * 100 // BINS,
                count=count,
                x=round(H_LEFT + i * width + 1.5, 2),
                y=round(base - height, 2),
                width=round(width - 3, 2),
                height=round(height, 2),
            )
        )
    y_ticks = tuple((round(base - plot_h * v / top, 2), v) for v in range(0, top + 1, step))
    x_ticks = tuple((round(H_LEFT + i * width, 2), i * 100 // BINS) for i in range(BINS + 1))
    median = statistics.median(pcts) if pcts else None
    median_x = H_LEFT + plot_w * (median or 0) / 100
    desc = "; ".join(
        f"{b.low}{'-100' if b.high == 100 else f' to under {b.high}'}%: {b.count}" for b in bins
    )
    if median is not None:
        desc += f". Median {median:.0f}%."
    return Histogram(
        tuple(bins),
        y_ticks,
        x_ticks,
        median,
        round(median_x, 2),
        len(pcts),
        len(results) - len(pcts),
        f"Students per score band: {desc}",
    )


def _check_rates(results: Sequence[StudentResult]) -> tuple[tuple[PartRates, ...], int]:
    """Pass rates per check over the submissions whose code ran, grouped by
    part, in the assignment's order (checks the registry does not know come
    last, as the reports have them)."""
    counted = [r for r in results if not _unreadable(r.report)]
    first: dict[str, Mapping[str, Any]] = {}
    outcomes: dict[str, Counter[str]] = {}
    for r in counted:
        for c in _checks(r.report):
            cid = str(c.get("id", ""))
            first.setdefault(cid, c)
            outcomes.setdefault(cid, Counter())[str(c.get("outcome", ""))] += 1
    rank = {spec.id: i for i, spec in enumerate(ordered_checks())}
    parts: dict[str, list[CheckRate]] = {}
    for cid in sorted(first, key=lambda cid: rank.get(cid, len(rank))):  # stable
        c, n = first[cid], outcomes[cid]
        parts.setdefault(str(c.get("part") or cid.split(".", 1)[0]), []).append(
            CheckRate(
                cid,
                str(c.get("title", "")),
                float(c.get("max_points") or 0),
                bool(c.get("public", True)),
                *(n[o] for o in ("passed", "failed", "error", "skipped")),
            )
        )
    return tuple(PartRates(name, tuple(cs)) for name, cs in parts.items()), len(counted)


def _hardest(parts: Sequence[PartRates]) -> tuple[CheckRate, ...]:
    """The checks fewest passed, lowest rate first (ties in the assignment's
    order); only those some submission did not pass."""
    rated = [c for p in parts for c in p.checks if c.percent is not None and c.passed < c.ran]
    return tuple(sorted(rated, key=lambda c: c.passed / c.ran)[:HARDEST])


def _failures(report: Mapping[str, Any]) -> int:
    return sum(1 for c in _checks(report) if c.get("outcome") in ("failed", "error"))


def _diagnoses(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Every diagnosis in the report: (code, title, check id)."""
    return [
        (str(d["code"]), str(d.get("title", "")), str(c.get("id", "")))
        for c in _checks(report)
        for d in c.get("diagnoses") or ()
        if isinstance(d, Mapping) and d.get("code")
    ]


def _codes(report: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(code for code, _, _ in _diagnoses(report)))


def _misconceptions(results: Sequence[StudentResult]) -> tuple[MisconceptionRow, ...]:
    students: dict[str, list[StudentResult]] = {}
    titles: dict[str, str] = {}
    checks: dict[str, set[str]] = {}
    for r in results:
        for code, title, check in _diagnoses(r.report):
            titles.setdefault(code, title)
            checks.setdefault(code, set()).add(check)
        for code in _codes(r.report):
            students.setdefault(code, []).append(r)
    rank = {spec.id: i for i, spec in enumerate(ordered_checks())}
    rows = []
    for code, who in students.items():
        # The clearest examples: the students with the fewest other failures.
        examples = sorted(who, key=lambda r: (_failures(r.report), r.student.casefold()))
        rows.append(
            MisconceptionRow(
                code=code,
                title=titles[code],
                students=len(who),
                percent=percent(len(who), len(results)),
                checks=tuple(sorted(checks[code], key=lambda c: (rank.get(c, len(rank)), c))),
                examples=tuple(_link(r) for r in examples[:EXAMPLES]),
                segments=segments(len(results), (("fail", len(who)),)),
            )
        )
    rows.sort(key=lambda m: (-m.students, m.code))
    return tuple(rows)


def _questions(results: Sequence[StudentResult]) -> tuple[QuestionRow, ...]:
    found: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in results:
        for a in r.report.get("answers") or ():
            if isinstance(a, Mapping):
                key = (str(a.get("question", "")), str(a.get("notebook", "")))
                found.setdefault(key, []).append(a)
    n, rows = len(results), []
    for (question, notebook), answers in found.items():
        status = Counter(str(a.get("status", "")) for a in answers)
        answered, unanswered, missing = status["answered"], status["unanswered"], status["missing"]
        absent = max(n - answered - unanswered - missing, 0)
        points = [float(a.get("suggested") or 0) for a in answers if a.get("status") == "answered"]
        rows.append(
            QuestionRow(
                question=question,
                notebook=notebook,
                answered=answered,
                unanswered=unanswered,
                missing=missing,
                absent=absent,
                auto=sum(1 for a in answers if a.get("auto")),
                mean_suggested=statistics.fmean(points) if points else None,
                max_points=max(float(a.get("max_points") or 0) for a in answers),
                segments=segments(
                    n,
                    (
                        ("pass", answered),
                        ("error", unanswered),
                        ("fail", missing),
                        ("muted", absent),
                    ),
                ),
            )
        )
    return tuple(rows)


def _outputs_text(item: Mapping[str, Any]) -> str:
    where = ", ".join(
        f"{k} {item[k]}" for k in ("notebook", "cell", "label") if item.get(k) is not None
    )
    said = item.get("note") or ""
    text = "a notebook output does not match what the code computes"
    return _clip(f"{text}{f' ({where})' if where else ''}{f': {said}' if said else ''}")


def _reasons(result: StudentResult) -> tuple[tuple[str, str], ...]:
    report = result.report
    found = [("sandbox", _clip(e)) for e in report.get("events") or ()]
    isolation = str(report.get("isolation") or "")
    if isolation != "bwrap":
        found.append(("isolation", ISOLATION.get(isolation, _clip(isolation))))
    mismatches = [
        ("outputs", _outputs_text(item))
        for item in report.get("outputs") or ()
        if isinstance(item, Mapping) and item.get("verdict") == "mismatch"
    ]
    # Each mismatch is also a warning; a report without the outputs field
    # (an older grader) is flagged by its warnings.
    found += mismatches or [
        ("outputs", _clip(w)) for w in report.get("warnings") or () if STALE.search(str(w))
    ]
    found += [("note", _clip(n)) for n in result.notes]
    return tuple(found)


def _flagged(results: Sequence[StudentResult]) -> tuple[Flagged, ...]:
    order = list(FLAG_KINDS)
    flagged = [Flagged(_link(r), reasons) for r in results if (reasons := _reasons(r))]
    flagged.sort(
        key=lambda f: (min(order.index(k) for k, _ in f.reasons), f.student.text.casefold())
    )
    return tuple(flagged)


def _students(results: Sequence[StudentResult]) -> tuple[StudentRow, ...]:
    by_name = sorted(range(len(results)), key=lambda i: (results[i].student.casefold(), i))
    name_rank = {i: rank for rank, i in enumerate(by_name)}
    rows = [
        StudentRow(
            student=_link(r),
            score=r.score,
            max_score=r.max_score,
            percent=percent(r.score, r.max_score),
            failed=_failures(r.report),
            misconceptions=_codes(r.report),
            flags=tuple(dict.fromkeys(k for k, _ in _reasons(r))),
            name_rank=name_rank[i],
        )
        for i, r in enumerate(results)
    ]
    # Who needs help first: the lowest share of the points, then the lowest score.
    rows.sort(
        key=lambda s: (
            -1.0 if s.max_score <= 0 else s.score / s.max_score,
            s.score,
            s.student.text.casefold(),
        )
    )
    return tuple(rows)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # always: the template's name ends in .j2
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    return env


def render_dashboard(results: Sequence[StudentResult], *, title: str, generated: str) -> str:
    """The class dashboard as one complete HTML document.

    ``results`` are the batch's per-student results in any order; each
    ``report_html`` is linked as a path relative to the dashboard.
    """
    flagged = _flagged(results)
    parts, rated = _check_rates(results)
    return (
        _environment()
        .get_template("dashboard.html.j2")
        .render(
            title=title,
            generated=generated,
            total=len(results),
            tiles=_headline(results, len(flagged)),
            histogram=_histogram(results),
            parts=parts,
            hardest=_hardest(parts),
            rated=rated,
            misconceptions=_misconceptions(results),
            questions=_questions(results),
            flagged=flagged,
            flag_kinds=FLAG_KINDS,
            students=_students(results),
            chart={"width": H_WIDTH, "height": H_HEIGHT, "left": H_LEFT, "right": H_RIGHT},
        )
    )
