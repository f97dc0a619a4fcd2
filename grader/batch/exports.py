"""The batch's class-level exports, and Gradescope's results for one submission.

- ``write_csv`` / ``read_csv``: grades.csv, one row per student, for a
  spreadsheet or the course's grade book.
- ``write_junit``: junit.xml, one test suite per student and one test case per
  check, for CI dashboards (Jenkins, GitLab, GitHub checks).
- ``gradescope_results``: Gradescope's results.json for one report.
- ``markdown_summary``: one report as Markdown, for a CI job summary.

They only read report.json's content (docs/report_schema.md), through
``StudentResult`` for the class files; they never grade and never recompute
a score. Text from student code (messages, tracebacks) and from the class
folder (names, notes) is made safe for each format: spreadsheet formulas are
defused, characters XML forbids are dropped, Markdown is escaped.
docs/batch_exports.md documents every column and field.
"""

from __future__ import annotations

import csv
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .results import StudentResult

Report = Mapping[str, Any]

# -- grades.csv ----------------------------------------------------------------

FIXED = ("student", "entry", "content_hash", "score", "max_score")
TEXT = frozenset(("student", "entry", "content_hash", "notes"))
STATUS = ".status"

#: What a spreadsheet may take for the start of a formula (OWASP's list), and
#: the quote that defuses it, itself escaped so that ``read_csv`` undoes it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "'")

Cell = float | str | None


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START)


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ' when a spreadsheet could read it as a formula
    (also after leading spaces). Reversible: see ``spreadsheet_text``."""
    return "'" + text if _formula_like(text) else text


def spreadsheet_text(cell: str) -> str:
    """The text ``spreadsheet_safe`` was given."""
    return cell[1:] if cell[:1] == "'" and _formula_like(cell[1:]) else cell


def csv_columns(results: Sequence[StudentResult]) -> list[str]:
    """student, entry, content_hash, score, max_score, the checks in the
    assignment's order, each inline question with its status, notes."""
    from ..questions.suggest import load
    from ..registry import ordered_checks

    checks = _union([s.id for s in ordered_checks()], _seen(results, "checks", "id"))
    questions = _union(list(load().questions), _seen(results, "answers", "question"))
    return [*FIXED, *checks, *(c for q in questions for c in (q, q + STATUS)), "notes"]


def write_csv(results: Sequence[StudentResult], path: Path) -> None:
    """grades.csv: one row per student. Numbers are written exactly (``repr``);
    a check that did not run, or was skipped for the student's course year, is
    an empty cell; so is a question with no answer cell."""
    columns = csv_columns(results)
    rows: list[list[str]] = [[spreadsheet_safe(c) for c in columns]]
    for r in results:
        values: dict[str, Cell] = {
            "student": r.student,
            "entry": r.entry,
            "content_hash": r.content_hash,
            "score": r.score,
            "max_score": r.max_score,
            "notes": "; ".join(r.notes),
        }
        for check in r.report.get("checks", ()):
            if check.get("outcome") != "skipped":
                values[check["id"]] = float(check["points"])
        for answer in r.report.get("answers", ()):
            values[answer["question"]] = float(answer["suggested"])
            values[answer["question"] + STATUS] = _answer_status(answer)
        rows.append([_cell(values.get(c)) for c in columns])
    _write_atomic(path, rows)


def read_csv(path: Path) -> list[dict[str, Cell]]:
    """The rows of a grades.csv, by column: numbers as floats, empty cells as
    None, text as it was before ``write_csv`` defused it."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        columns = [spreadsheet_text(c) for c in next(reader)]
        names = set(columns)
        text = {
            c for c in columns if c in TEXT or (c.endswith(STATUS) and c[: -len(STATUS)] in names)
        }
        rows = []
        for line in reader:
            row: dict[str, Cell] = {}
            for column, cell in zip(columns, line, strict=True):
                if column in text:
                    row[column] = spreadsheet_text(cell)
                else:
                    row[column] = float(cell) if cell else None
            rows.append(row)
    return rows


def _answer_status(answer: Mapping[str, Any]) -> str:
    """auto (scored by the rubric: the points are final), answered (the
    points are the rubric's suggestion for a TA), unanswered or missing."""
    status = str(answer.get("status", ""))
    return "auto" if status == "answered" and answer.get("auto") else status


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    # A file name that is not UTF-8 comes with lone surrogates, which no file can hold.
    return spreadsheet_safe(SURROGATE.sub("\ufffd", value))


def _seen(results: Sequence[StudentResult], key: str, field: str) -> list[str]:
    return [str(item[field]) for r in results for item in r.report.get(key, ())]


def _union(first: Iterable[str], then: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*first, *then]))


def _write_atomic(path: Path, rows: list[list[str]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    # utf-8-sig: the byte-order mark is how Excel knows the file is UTF-8.
    with tmp.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    os.replace(tmp, path)


# -- junit.xml -------------------------------------------------------------------

#: Characters XML 1.0 does not allow in a document (its production Char).
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SURROGATE = re.compile("[\ud800-\udfff]")
MESSAGE_CHARS = 1000
TEXT_CHARS = 8000


def safe_text(text: str, limit: int = TEXT_CHARS) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters
    other than tab and newlines, lone surrogates), cut to ``limit``. Used for
    every text from student code that an export carries."""
    clean = XML_FORBIDDEN.sub("", text)
    return clean if len(clean) <= limit else clean[:limit] + " [cut]"


def write_junit(results: Sequence[StudentResult], path: Path) -> None:
    """junit.xml: a <testsuite> per student (its name) and a <testcase> per
    check (classname ``student.part``, name the check id). A failed check is a
    <failure>, an error an <error>, a skipped check <skipped/>; the suite's
    properties carry the score. Valid against the junit-10.xsd that Jenkins'
    xunit plugin uses (tests/batch/schemas/)."""
    suites = [_suite(r) for r in results]
    root = ET.Element("testsuites", name="grader batch")
    for attribute in ("tests", "failures", "errors"):
        root.set(attribute, str(sum(int(s.get(attribute, "0")) for s in suites)))
    root.set("time", _seconds(sum(float(r.report.get("seconds", 0.0)) for r in results)))
    root.extend(suites)
    ET.indent(root)
    tmp = path.with_name(f".{path.name}.tmp")
    ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)


def _suite(result: StudentResult) -> ET.Element:
    report = result.report
    checks = list(report.get("checks", ()))
    outcomes = [c.get("outcome") for c in checks]
    suite = ET.Element("testsuite", name=safe_text(result.student, MESSAGE_CHARS))
    suite.set("tests", str(len(checks)))
    suite.set("failures", str(outcomes.count("failed")))
    suite.set("errors", str(outcomes.count("error")))
    suite.set("skipped", str(outcomes.count("skipped")))
    suite.set("time", _seconds(float(report.get("seconds", 0.0))))
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("score", repr(result.score)),
        ("max_score", repr(result.max_score)),
        ("entry", result.entry),
        ("content_hash", result.content_hash),
        ("profile", report.get("profile", "")),
        ("isolation", report.get("isolation", "")),
        ("seed", report.get("seed", "")),
        ("grader_version", report.get("grader_version", "")),
        ("report_html", result.report_html),
    ):
        text = "" if value is None else str(value)
        ET.SubElement(properties, "property", name=name, value=safe_text(text, MESSAGE_CHARS))
    for check in checks:
        suite.append(_case(result.student, check))
    lines = [f"note: {n}" for n in result.notes]
    lines += [f"warning: {w}" for w in report.get("warnings", ())]
    lines += [f"event: {e}" for e in report.get("events", ())]
    if lines:
        ET.SubElement(suite, "system-out").text = safe_text("\n".join(lines))
    return suite


def _case(student: str, check: Mapping[str, Any]) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname=safe_text(f"{student}.{check['part']}", MESSAGE_CHARS),
        name=safe_text(str(check["id"]), MESSAGE_CHARS),
        time=_seconds(float(check.get("seconds", 0.0))),
    )
    outcome, message = check.get("outcome"), str(check.get("message", ""))
    if outcome == "failed":
        body = "\n\n".join([message, *_diagnoses(check)])
        ET.SubElement(case, "failure", message=safe_text(message, MESSAGE_CHARS)).text = safe_text(
            body
        )
    elif outcome == "error":
        body = "\n\n".join(part for part in (message, str(check.get("detail", ""))) if part)
        ET.SubElement(case, "error", message=safe_text(message, MESSAGE_CHARS)).text = safe_text(
            body
        )
    elif outcome == "skipped":
        ET.SubElement(case, "skipped", message=safe_text(message or "not part of this course year"))
    return case


def _seconds(value: float) -> str:
    """Seconds as junit-10.xsd's SUREFIRE_TIME allows: no exponent, 3 decimals."""
    return f"{max(value, 0.0) if math.isfinite(value) else 0.0:.3f}"


def _diagnoses(check: Mapping[str, Any]) -> list[str]:
    return [
        f"Likely cause: {d.get('title', '')}. {d.get('explanation', '')}\nHint: {d.get('hint', '')}"
        for d in check.get("diagnoses", ())
    ]


# -- Gradescope's results.json ---------------------------------------------------

#: Gradescope's visibility values (gradescope-autograders.readthedocs.io, specs).
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def gradescope_results(
    report: Report, *, hidden_visibility: str = "after_published", inline_questions: bool = True
) -> dict[str, Any]:
    """Gradescope's results.json for one report.json (docs/batch_exports.md).

    A test per check in the assignment's order, except skipped checks, which
    are not part of the course year's assignment and count nowhere. A hidden
    check (``public`` false) gets ``hidden_visibility``. Each inline question
    the rubric knows is a test too (unless ``inline_questions`` is False):
    the rubric's points where it scored the answer by itself, else 0, with
    "graded by a TA" when answered. ``score`` is the sum of the tests' scores.
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}")
    checks = list(report.get("checks", ()))
    numbers, parts = _numbers([(str(c["id"]), str(c["part"])) for c in checks])
    tests = [
        _check_test(c, numbers[c["id"]], hidden_visibility)
        for c in checks
        if c.get("outcome") != "skipped"
    ]
    if inline_questions:
        answers = [a for a in report.get("answers", ()) if float(a.get("max_points", 0)) > 0]
        tests += [_answer_test(a, f"{parts + 1}.{i}") for i, a in enumerate(answers, 1)]
    results = {
        "score": round(sum(t["score"] for t in tests), 6),
        "execution_time": math.ceil(float(report.get("seconds", 0.0))),
        "output": _overview(report, tests),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        # What ran printed, the student's prints included: they may show a
        # hidden check's inputs, so only the course staff sees it.
        "stdout_visibility": "hidden",
        "extra_data": {
            "schema_version": report.get("schema_version"),
            "grader_version": report.get("grader_version"),
            "profile": report.get("profile"),
            "isolation": report.get("isolation"),
            "seed": report.get("seed"),
            "checks_score": report.get("score"),
            "checks_max_score": report.get("max_score"),
        },
        "tests": tests,
    }
    scrubbed: dict[str, Any] = _scrub(results)
    return scrubbed


def _numbers(checks: list[tuple[str, str]]) -> tuple[dict[str, str], int]:
    """Each check's number, "part.check" counted from 1 in the assignment's
    order (the registry's, then any check only the report has), and how many
    parts there are. Every student's check has the same number, whatever ran."""
    from ..registry import ordered_checks

    everything = dict.fromkeys([*((s.id, s.part) for s in ordered_checks()), *checks])
    parts: dict[str, int] = {}
    numbers: dict[str, str] = {}
    for check_id, part in everything:
        parts[part] = parts.get(part, 0) + 1
        numbers.setdefault(check_id, f"{list(parts).index(part) + 1}.{parts[part]}")
    return numbers, len(parts)


def _scrub(value: Any) -> Any:
    """``value`` with every string free of what XML and JSON readers refuse."""
    if isinstance(value, str):
        return XML_FORBIDDEN.sub("", value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _check_test(check: Mapping[str, Any], number: str, hidden: str) -> dict[str, Any]:
    outcome = check.get("outcome")
    output = [str(check.get("message", ""))] if outcome != "passed" else []
    if outcome == "failed":
        output += _diagnoses(check)
    if outcome == "error" and check.get("detail"):
        output.append(f"What your code raised:\n{check['detail']}")
    return {
        "name": f"{check['id']}: {check.get('title', '')}",
        "number": number,
        "score": float(check["points"]),
        "max_score": float(check["max_points"]),
        "status": "passed" if outcome == "passed" else "failed",
        "output": safe_text("\n\n".join(o for o in output if o)),
        "visibility": "visible" if check.get("public", True) else hidden,
        "tags": [str(check["part"])],
        "extra_data": {"id": check["id"], "outcome": outcome},
    }


def _answer_test(answer: Mapping[str, Any], number: str) -> dict[str, Any]:
    status, maximum = answer.get("status"), float(answer["max_points"])
    if status != "answered":
        score, text = 0.0, "No answer: the answer cell is missing, empty or still the placeholder."
    elif answer.get("auto"):
        score = float(answer["suggested"])
        found = ", ".join(answer.get("found", ()))
        text = f"Scored by the rubric: every key point was found ({found})."
    else:
        score = 0.0
        text = (
            "Graded by a TA: this answer was received and is not scored by the "
            "autograder, so it shows 0 until a TA has graded it."
        )
    return {
        "name": f"Inline question {answer['question']} ({answer.get('notebook', '')})",
        "number": number,
        "score": score,
        "max_score": maximum,
        "status": "passed" if score >= maximum else "failed",
        "output": text,
        "visibility": "visible",
        "tags": ["inline_questions"],
        "extra_data": {
            "question": answer["question"],
            "status": status,
            "auto": bool(answer.get("auto")),
            "suggested": answer.get("suggested"),
        },
    }


def _overview(report: Report, tests: list[dict[str, Any]]) -> str:
    """The text above the tests. It never gives a total that includes hidden
    checks: Gradescope shows those only when their visibility allows."""
    checks = list(report.get("checks", ()))
    public = [c for c in checks if c.get("public", True) and c.get("outcome") != "skipped"]
    hidden = [c for c in checks if not c.get("public", True) and c.get("outcome") != "skipped"]
    skipped = [str(c["id"]) for c in checks if c.get("outcome") == "skipped"]
    earned = round(sum(float(c["points"]) for c in public), 6)
    worth = round(sum(float(c["max_points"]) for c in public), 6)
    lines = [f"Public checks: {earned:g} / {worth:g} points."]
    if hidden:
        points = round(sum(float(c["max_points"]) for c in hidden), 6)
        lines.append(
            f"{len(hidden)} hidden checks ({points:g} points) count too; their results show "
            "when grades are published."
        )
    ta = [t["extra_data"] for t in tests if t["tags"] == ["inline_questions"]]
    ta = [str(e["question"]) for e in ta if e["status"] == "answered" and not e["auto"]]
    if ta:
        lines.append(f"Inline questions a TA grades (0 until then): {', '.join(ta)}.")
    profile, reason = report.get("profile", ""), report.get("profile_reason", "")
    lines.append(f"Graded as course year {profile}" + (f" ({reason})." if reason else "."))
    if skipped:
        lines.append(f"Not part of that year's assignment, so not graded: {', '.join(skipped)}.")
    warnings = list(report.get("warnings", ()))
    if warnings:
        lines += ["", "Warnings:", *(f"- {w}" for w in warnings)]
    return safe_text("\n".join(lines))


# -- Markdown, for a CI job summary ----------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def markdown_text(text: str, limit: int = 500) -> str:
    """Student text as inert Markdown on one line: no links, images, HTML or
    table breaks."""
    one_line = " ".join(safe_text(text, limit).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


def markdown_summary(report: Report, *, title: str = "Self-check") -> str:
    """A report as Markdown (GitHub's job summary): the score of the checks
    that ran, then a row per check with what went wrong."""
    checks = list(report.get("checks", ()))
    counted = [c for c in checks if c.get("outcome") != "skipped"]
    earned = round(sum(float(c["points"]) for c in counted), 6)
    worth = round(sum(float(c["max_points"]) for c in counted), 6)
    lines = [
        f"## {markdown_text(title, 100)}: {earned:g} / {worth:g} points",
        "",
        f"Course year: {markdown_text(str(report.get('profile', '')), 100)}. "
        f"Seed: {markdown_text(str(report.get('seed', '')), 30)}.",
        "",
        "| check | outcome | points | what went wrong |",
        "|---|---|---|---|",
    ]
    for c in checks:
        points = f"{float(c['points']):g} / {float(c['max_points']):g}"
        lines.append(
            f"| {markdown_text(str(c['id']), 100)} | {markdown_text(str(c.get('outcome')), 20)} "
            f"| {points} | "
            f"{markdown_text(str(c.get('message', '')))} |"
        )
    for w in report.get("warnings", ()):
        lines += ["", f"> {markdown_text(str(w))}"]
    return "\n".join(lines) + "\n"
