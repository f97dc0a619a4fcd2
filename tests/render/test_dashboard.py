"""dashboard.html as text: the numbers it shows, escaped, self-contained.

The class is built from real reports (the reference and a buggy example,
shared with test_html.py, and the student template, each graded once per
test session) and synthetic variations of them:
copies with checks flipped, a hostile name, sandbox events, weaker
isolation, stale notebook outputs, notes from the batch, an unreadable
submission. Every number the page shows is checked against a count made
here from the reports. What the page does in a browser is tested in
test_dashboard_browser.py.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from grader import config, template_root
from grader.batch.results import StudentResult
from grader.errors import SubmissionError
from grader.grade import grade, unreadable
from grader.registry import MISCONCEPTIONS, CheckSpec, load_all
from grader.render.dashboard import href, percent, render_dashboard
from grader.report import GradeReport

SCRIPT_NAME = "<script>alert(1)</script>"
CSV_NAME = "=cmd|' /C calc'!A0"
EVENT = "fc_net.gradients: the worker timed out after 10 s <img src=x onerror=alert(2)>"
NOTE = "same content as <b>reference</b>: graded once"
STALE_WARNING = "Dropout.ipynb: stale outputs, cell 12 shows 0.25 but the code gives 0.5"
MISMATCH: dict[str, Any] = {
    "notebook": "Dropout.ipynb",
    "cell": 7,
    "label": "train zeros (p = 0.3)",
    "printed": "0.3000",
    "rerun": "0.7000",
    "verdict": "mismatch",
    "note": "<i>0.3</i>",
}
MAX_PAGE_BYTES = 1_500_000


@functools.cache
def assignment_checks() -> list[CheckSpec]:
    """The checks of the default assignment (the function flavour's)."""
    return [spec for spec, _ in config.current().specs()]


def template_report() -> str:
    """report.json of the student template as handed out (every check an
    error but the given sgd's), graded once per session."""
    return grade(template_root(), seed=1).to_json()


def result(student: str, report: dict[str, Any], notes: tuple[str, ...] = ()) -> StudentResult:
    return StudentResult(
        student=student,
        entry=f"{student}.zip",
        content_hash=hashlib.sha256(student.encode()).hexdigest(),
        report=report,
        report_html=f"reports/{student}/report.html",
        notes=notes,
    )


def flipped(base: dict[str, Any], outcomes: dict[str, str]) -> dict[str, Any]:
    """A copy of a report with some checks' outcomes changed, its score
    recomputed as the grader computes it."""
    report = copy.deepcopy(base)
    for c in report["checks"]:
        if c["id"] in outcomes:
            c["outcome"] = outcomes[c["id"]]
            c["points"] = c["max_points"] if c["outcome"] == "passed" else 0.0
            if c["outcome"] != "failed":
                c["diagnoses"] = []
    report["score"] = round(sum(c["points"] for c in report["checks"]), 6)
    report["max_score"] = round(
        sum(c["max_points"] for c in report["checks"] if c["outcome"] != "skipped"), 6
    )
    return report


def diagnosed(base: dict[str, Any], check: str, code: str) -> dict[str, Any]:
    """A copy of a report where ``check`` failed with the registry's
    misconception ``code`` as its likely cause."""
    report = flipped(base, {check: "failed"})
    load_all()
    m = MISCONCEPTIONS[code]
    (c,) = [c for c in report["checks"] if c["id"] == check]
    c["message"] = "the velocity was not kept between calls"
    c["diagnoses"] = [
        {"code": code, "title": m.title, "explanation": m.explanation, "hint": m.hint}
    ]
    return report


def build_class(reports: dict[str, dict[str, Any]]) -> list[StudentResult]:
    """40 students: the real reports and variations of them."""
    ref, no_rescale, template = reports["reference"], reports["no_rescale"], reports["template"]
    momentum = diagnosed(ref, "optim.sgd_momentum.multi_step", "OPTIM_STATE_NOT_SAVED")
    broken = json.loads(unreadable(Path("broken.zip"), SubmissionError("not a zip file")).to_json())
    timeout = flipped(ref, {"fc_net.gradients": "error"})
    timeout["events"] = [EVENT]
    course_2017 = flipped(ref, {c["id"]: "skipped" for c in ref["checks"] if "adagrad" in c["id"]})
    course_2017["profile"] = "course-2017"
    answered = copy.deepcopy(ref)
    answered["answers"][0].update(status="answered", auto=True, suggested=2.0)
    answered["answers"][1].update(status="missing", text="", suggested=0.0)
    future = copy.deepcopy(ref)
    future["outputs"] = [MISMATCH, {**MISMATCH, "cell": 8, "verdict": "consistent"}]
    students = [
        result("reference", ref),
        result("no_rescale", no_rescale),
        result("momentum", momentum),
        result("template", template),
        result("broken", broken, ("unreadable: not a zip file",)),
        result(SCRIPT_NAME, copy.deepcopy(no_rescale), (NOTE,)),
        result(CSV_NAME, copy.deepcopy(momentum)),
        result("timeout", timeout),
        result("nobwrap", {**copy.deepcopy(ref), "isolation": "process"}),
        result("stale", {**copy.deepcopy(ref), "warnings": [STALE_WARNING]}),
        result("future", future),
        result("course_2017", course_2017),
        result("Zoë 李雷", answered),
    ]
    rng = random.Random(0)
    ids = [c["id"] for c in ref["checks"]]
    for i in range(40 - len(students)):
        base = rng.choice([ref, no_rescale, momentum])
        broken_checks = rng.sample(ids, rng.choice([0, 1, 3, 8, 20]))
        outcomes = {cid: rng.choice(["failed", "failed", "error"]) for cid in broken_checks}
        students.append(result(f"student{i:02d}", flipped(base, outcomes)))
    return students


@pytest.fixture(scope="module")
def reports(reference_report: GradeReport, no_rescale_report: GradeReport) -> dict[str, Any]:
    return {
        "reference": json.loads(reference_report.to_json()),
        "no_rescale": json.loads(no_rescale_report.to_json()),
        "template": json.loads(template_report()),
    }


@pytest.fixture(scope="module")
def results(reports: dict[str, Any]) -> list[StudentResult]:
    return build_class(reports)


@pytest.fixture(scope="module")
def html(results: list[StudentResult]) -> str:
    return render_dashboard(results, title="Grades: <b>CS231n</b> 2024", generated="2024-05-01")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw for c in self.children)

    @property
    def text(self) -> str:
        return " ".join(self.raw.split())

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def all(self, tag: str = "", cls: str = "") -> list[Node]:
        return [
            n
            for n in self.walk()
            if (not tag or n.tag == tag) and (not cls or cls in n.attrs.get("class", "").split())
        ]

    def find(self, id: str) -> Node:
        found = [n for n in self.walk() if n.attrs.get("id") == id]
        assert len(found) == 1, f"{len(found)} elements with id {id!r}"
        return found[0]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Tree(HTMLParser):
    """The page as a tree of elements (enough of HTML for our own pages)."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def _stat(page: Node, key: str) -> str:
    (value,) = page.find(f"stat-{key}").all("span", "value")
    return value.text


def test_dashboard_headline_numbers(html: str, results: list[StudentResult]) -> None:
    page = parse(html)
    scores = [r.score for r in results]
    assert _stat(page, "submissions") == "40"
    assert _stat(page, "unreadable") == "1"  # broken.zip: isolation "not run"
    assert _stat(page, "graded") == "39"
    tops = sorted({r.max_score for r in results})
    assert tops == [49, 54]  # course-2017 has no AdaGrad
    assert _stat(page, "mean") == f"{statistics.fmean(scores):.1f}"
    assert _stat(page, "median") == f"{statistics.median(scores):g}"
    shares = [100 * r.score / r.max_score for r in results]
    mean = page.find("stat-mean").text
    assert "maximum 49 to 54 by course year" in mean
    assert f"{statistics.fmean(shares):.0f}% of the maximum on average" in mean
    assert f"{statistics.median(shares):.0f}% of the maximum" in page.find("stat-median").text
    seconds = sum(r.report["seconds"] for r in results)
    assert seconds > 1
    minutes, secs = divmod(round(seconds), 60)
    expected = f"{seconds:.1f} s" if seconds < 60 else f"{minutes} min {secs:02d} s"
    assert _stat(page, "time") == expected
    assert f"{seconds / 40:.2f} s each" in page.find("stat-time").text
    assert _stat(page, "flagged") == str(len(_flagged(results)))


def test_dashboard_histogram_counts_scores_by_tenths(
    html: str, results: list[StudentResult]
) -> None:
    page = parse(html)
    expected = [0] * 10
    for r in results:
        expected[min(int(10 * r.score / r.max_score + 1e-9), 9)] += 1
    shown = [int(page.find(f"bin-{i}").all("text")[0].text) for i in range(10)]
    assert shown == expected
    assert expected[9] >= 10 and expected[0] >= 2  # the full marks, the template and broken.zip
    chart = page.find("histogram")
    (desc,) = chart.all("desc")
    assert "90-100%: " + str(expected[9]) in desc.text and "0 to under 10%: " in desc.text


def test_dashboard_check_pass_rates_in_the_assignment_order(
    html: str, results: list[StudentResult]
) -> None:
    page = parse(html)
    rows = page.find("checks").all("li", "rate")
    order = [spec.id for spec in assignment_checks()]
    assert [r.attrs["id"] for r in rows] == [f"check-{cid}" for cid in order]
    ran_students = [r for r in results if r.report["isolation"] != "not run"]
    for spec in assignment_checks():
        outcomes = [
            c["outcome"] for r in ran_students for c in r.report["checks"] if c["id"] == spec.id
        ]
        passed = outcomes.count("passed")
        ran = len(outcomes) - outcomes.count("skipped")
        text = page.find(f"check-{spec.id}").text
        assert f"{percent(passed, ran)}% {passed} / {ran}" in text, (spec.id, text)
        badges = [b.text for b in page.find(f"check-{spec.id}").all("span", "badge")]
        assert badges == ([] if spec.public else ["hidden"])
        assert ("1 skipped" in text) == ("adagrad" in spec.id)
        assert spec.title in text
    # Parts as headings, in the order their checks come.
    headings = [h.all("span", "mono")[0].text for h in page.find("checks").all("h3")]
    assert headings == list(dict.fromkeys(spec.part for spec in assignment_checks()))


def test_dashboard_percentages_never_round_to_all_or_nothing() -> None:
    assert (percent(699, 700), percent(1, 700), percent(700, 700), percent(0, 700)) == (
        99,
        1,
        100,
        0,
    )
    assert percent(1, 3) == 33 and percent(0, 0) is None


def test_dashboard_misconceptions_counted_once_per_student(
    html: str, results: list[StudentResult]
) -> None:
    page = parse(html)
    students: dict[str, set[str]] = {}
    checks: dict[str, set[str]] = {}
    for r in results:
        for c in r.report["checks"]:
            for d in c["diagnoses"]:
                students.setdefault(d["code"], set()).add(r.student)
                checks.setdefault(d["code"], set()).add(c["id"])
    assert {"DROPOUT_UNSCALED", "OPTIM_STATE_NOT_SAVED"} <= set(students)
    items = page.find("misconceptions").all("li")
    codes = [li.attrs["id"].removeprefix("misconception-") for li in items]
    assert sorted(codes) == sorted(students)
    counts = [len(students[c]) for c in codes]
    assert counts == sorted(counts, reverse=True)
    by_name = {r.student: r for r in results}
    for li, code in zip(items, codes, strict=True):
        n = len(students[code])
        assert li.all("strong", "count")[0].text == str(n)
        assert f"{percent(n, 40)}% of the class" in li.text
        shown = [a.attrs["href"].removeprefix("#check-") for a in li.all("a", "mono")]
        assert sorted(shown) == sorted(checks[code])
        examples = [a for a in li.all("a") if "mono" not in a.attrs.get("class", "")]
        assert 1 <= len(examples) == min(3, n)
        for a in examples:
            assert a.text in students[code]
            assert a.attrs["href"] == href(by_name[a.text].report_html)


def test_dashboard_inline_questions(html: str, results: list[StudentResult]) -> None:
    page = parse(html)
    rows = page.find("questions").all("tbody")[0].all("tr")
    questions = [a["question"] for a in results[0].report["answers"]]
    assert len(questions) == 5 and [r.all("th")[0].all("span")[0].text for r in rows] == questions
    for row, q in zip(rows, questions, strict=True):
        answers = [a for r in results for a in r.report["answers"] if a["question"] == q]
        statuses = [a["status"] for a in answers]
        answered = [a["suggested"] for a in answers if a["status"] == "answered"]
        cells = [td.text for td in row.all("td")]
        expected = [
            statuses.count("answered"),
            statuses.count("unanswered"),
            statuses.count("missing"),
            40 - len(answers),
            sum(a["auto"] for a in answers),
        ]
        assert [int(c) for c in cells[:5]] == expected
        assert cells[5] == f"{statistics.fmean(answered):.2f} / 2"
    first = [int(c.text) for c in rows[0].all("td")[:5]]
    assert first[1] >= 1 and first[3] == 1 and first[4] == 1  # template; broken.zip; Zoë
    assert int(rows[1].all("td")[2].text) == 1  # Zoë's missing answer cell


def _flagged(results: list[StudentResult]) -> set[str]:
    """Who should be flagged: the variations made for it, and any report
    graded without bubblewrap (every one, on a machine without it)."""
    weaker = {r.student for r in results if r.report["isolation"] != "bwrap"}
    return weaker | {"timeout", "broken", "nobwrap", "stale", "future", SCRIPT_NAME}


def test_dashboard_flags_each_reason(html: str, results: list[StudentResult]) -> None:
    page = parse(html)
    items = page.find("flagged").all("ul", "flags")[0].children
    flagged = {
        n.all("strong")[0].text: n.all("ul")[0].text
        for n in items
        if isinstance(n, Node) and n.tag == "li"
    }
    assert set(flagged) == _flagged(results)
    assert EVENT in flagged["timeout"] and "stopped its code" in flagged["timeout"]
    assert "not run: the submission could not be read" in flagged["broken"]
    assert "unreadable: not a zip file" in flagged["broken"]
    assert "process: bubblewrap was missing" in flagged["nobwrap"]
    assert STALE_WARNING in flagged["stale"]
    assert "Dropout.ipynb" in flagged["future"] and "cell 7" in flagged["future"]
    assert "cell 8" not in flagged["future"]  # an output that matches is no flag
    assert NOTE in flagged[SCRIPT_NAME]
    # The most urgent first: what the sandbox stopped.
    names = [n.all("strong")[0].text for n in items if isinstance(n, Node) and n.tag == "li"]
    assert names[0] == "timeout"


def test_dashboard_students_lowest_score_first_each_linked(
    html: str, results: list[StudentResult]
) -> None:
    page = parse(html)
    rows = page.find("students").all("tbody")[0].all("tr")
    assert len(rows) == 40
    by_name = {r.student: r for r in results}
    names = [row.all("th")[0].text for row in rows]
    assert sorted(names) == sorted(by_name)
    shares = [by_name[n].score / by_name[n].max_score for n in names]
    assert shares == sorted(shares)
    assert names[:2] == ["broken", "template"] or names[:2] == ["template", "broken"]
    for row, name in zip(rows, names, strict=True):
        r = by_name[name]
        (link,) = row.all("a")[:1]
        assert link.text == name and link.attrs["href"] == href(r.report_html)
        cells = [td.text for td in row.all("td")]
        assert cells[0] == f"{r.score:g} / {r.max_score:g}"
        assert cells[1] == f"{percent(r.score, r.max_score)}%"
        to_fix = sum(c["outcome"] in ("failed", "error") for c in r.report["checks"])
        assert cells[2] == str(to_fix)
        codes = {d["code"] for c in r.report["checks"] for d in c["diagnoses"]}
        assert set(filter(None, cells[3].split(", "))) == codes
        # The ranks the CSS sorts by: name, checks to fix, misconceptions.
        style = dict(kv.split(":") for kv in row.attrs["style"].split(";"))
        assert style["--f"] == str(to_fix) and style["--m"] == str(len(codes))
        assert int(style["--n"]) == sorted(by_name, key=str.casefold).index(name)
    assert {row.all("th")[0].text for row in rows if row.all("td")[4].text} == _flagged(results)


def test_dashboard_hostile_text_is_escaped(html: str) -> None:
    page = parse(html)
    tags = {n.tag for n in page.walk()}
    assert not {"script", "img", "iframe", "object", "embed", "base", "link", "b", "i"} & tags
    assert not [a for n in page.walk() for a in n.attrs if a.startswith("on")]
    for raw in (SCRIPT_NAME, EVENT, NOTE, "<b>CS231n</b>", MISMATCH["note"]):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "=cmd|&#39; /C calc&#39;!A0" in html  # shown as text, nothing to evaluate here
    assert page.all("title")[0].text == "Grades: <b>CS231n</b> 2024"
    assert "Zoë 李雷" in html


def test_dashboard_is_self_contained(html: str) -> None:
    page = parse(html)
    links = [
        (n.tag, k, v)
        for n in page.walk()
        for k, v in n.attrs.items()
        if k in ("href", "src", "srcset", "action", "formaction", "data", "xlink:href", "poster")
    ]
    assert links and all(k == "href" for _, k, _ in links)
    assert "://" not in html and "javascript:" not in html.lower()
    for _, _, value in links:
        assert value.startswith("#") or (value.startswith("reports/") and ":" not in value)
    css = " ".join(n.text for n in page.all("style"))
    assert css and "url(" not in css and "@import" not in css and "@font-face" not in css
    csp = [n.attrs["content"] for n in page.all("meta") if "http-equiv" in n.attrs]
    assert csp == [
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'"
    ]
    # Every in-page link has its target.
    ids = {n.attrs["id"] for n in page.walk() if "id" in n.attrs}
    assert {v[1:] for _, _, v in links if v.startswith("#")} <= ids


def test_dashboard_charts_are_labelled(html: str) -> None:
    page = parse(html)
    svgs = page.all("svg")
    misconceptions = page.find("misconceptions").all("li")
    # The histogram, a bar per check, per misconception and per question.
    assert len(svgs) == 1 + 47 + len(misconceptions) + 5
    for svg in svgs:
        assert svg.attrs["role"] == "img"
        first = next(c for c in svg.children if isinstance(c, Node))
        assert first.tag == "title" and first.text
    assert svgs[0].all("desc")[0].text.startswith("Students per score band")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("reports/alice/report.html", "reports/alice/report.html"),
        ("reports/a#b?c%d e/report.html", "reports/a%23b%3Fc%25d%20e/report.html"),
        ("javascript:alert(1)", "javascript%3Aalert%281%29"),
        ("//evil.example/x", "evil.example/x"),
        ("reports\\win\\report.html", "reports/win/report.html"),
        ("reports/Zoë/report.html", "reports/Zo%C3%AB/report.html"),
    ],
)
def test_dashboard_links_are_relative_paths_whatever_the_name(path: str, expected: str) -> None:
    assert href(path) == expected


def test_dashboard_reads_reports_missing_fields() -> None:
    """A report with next to nothing in it (an older grader) and one with
    fields it does not know still render."""
    bare = StudentResult("bare", "bare.zip", "0" * 64, {"score": 1, "max_score": 2})
    odd = result(
        "odd", {"score": 0, "max_score": 0, "isolation": "bwrap", "new": [1], "checks": []}
    )
    page = parse(render_dashboard([bare, odd], title="t", generated="g"))
    assert _stat(page, "submissions") == "2" and _stat(page, "mean") == "0.5"
    assert "maximum 0 to 2" in page.find("stat-mean").text
    rows = page.find("students").all("tbody")[0].all("tr")
    assert [r.all("th")[0].text for r in rows] == ["odd", "bare"]
    assert rows[1].all("th")[0].all("a") == []  # no report_html: nothing to link
    assert "1 report(s) with a maximum of 0" in page.find("distribution").text
    assert "unknown: the report does not say" in page.find("flagged").text


def test_dashboard_of_an_empty_class() -> None:
    page = parse(render_dashboard([], title="Nobody yet", generated="now"))
    assert _stat(page, "submissions") == "0" and _stat(page, "mean") == "—"
    assert [int(page.find(f"bin-{i}").all("text")[0].text) for i in range(10)] == [0] * 10
    assert "No checks ran." in page.find("checks").text


def test_dashboard_of_700_students_stays_small(results: list[StudentResult]) -> None:
    """A class of 700, as big as the courses this is for: the page stays
    under 1.5 MB and renders in well under a second."""
    cls = [
        StudentResult(
            f"{r.student}-{i}",
            "x.zip",
            r.content_hash,
            r.report,
            f"reports/{r.student}-{i}/report.html",
            r.notes,
        )
        for i in range(700 // len(results) + 1)
        for r in results
    ][:700]
    start = time.perf_counter()
    page = render_dashboard(cls, title="Grades", generated="2024-05-01 12:00")
    seconds = time.perf_counter() - start
    size = len(page.encode())
    print(f"700 students: {size} bytes, rendered in {seconds:.2f} s")
    assert size < MAX_PAGE_BYTES
    assert len(parse(page).find("students").all("tbody")[0].all("tr")) == 700


def test_dashboard_shows_the_maximum_when_it_is_one(reports: dict[str, Any]) -> None:
    two = [result("a", reports["reference"]), result("b", reports["no_rescale"])]
    page = parse(render_dashboard(two, title="t", generated="g"))
    scores = (reports["reference"]["score"], reports["no_rescale"]["score"])
    assert _stat(page, "mean") == f"{statistics.fmean(scores):.1f} / 54"
    assert _stat(page, "median") == f"{statistics.median(scores):g} / 54"
    assert "by course year" not in page.find("stat-mean").text


def test_dashboard_names_the_checks_with_the_lowest_pass_rates(
    html: str, results: list[StudentResult]
) -> None:
    ran = [r for r in results if r.report["isolation"] != "not run"]
    counts = {}
    for spec in assignment_checks():
        outcomes = [c["outcome"] for r in ran for c in r.report["checks"] if c["id"] == spec.id]
        passed, runs = outcomes.count("passed"), len(outcomes) - outcomes.count("skipped")
        if passed < runs:
            counts[spec.id] = (passed, runs)
    hardest = parse(html).find("hardest")
    named = [a.attrs["href"].removeprefix("#check-") for a in hardest.all("a")]
    assert len(named) == 5
    rates = [counts[c][0] / counts[c][1] for c in named]
    assert rates == sorted(p / n for p, n in counts.values())[:5]
    for c in named:
        assert f"{c} {percent(*counts[c])}%" in hardest.text


def test_dashboard_other_warnings_are_no_stale_outputs(reports: dict[str, Any]) -> None:
    """The grader's own warnings (weaker isolation, part of the package
    handed in, a docstring at odds with the signature) are not about stale
    notebook outputs."""
    warnings = [
        "isolation: bubblewrap was not available, so the student's code ran as a plain "
        "process with resource limits only (no network or file-system isolation)",
        "only part of the package was handed in: cs231n/layers.py. Every other file of "
        "cs231n/ is the unfinished student template",
        "your dropout_forward docstring says p is the probability of dropping a unit, but "
        "your FullyConnectedNet signature (dropout_keep_ratio=1) is that of template",
        "Dropout.ipynb: no answer cell found for the question dropout_no_rescale",
    ]
    report = {**reports["reference"], "warnings": warnings}
    page = parse(render_dashboard([result("w", report)], title="t", generated="g"))
    assert page.find("flagged").all("ul", "flags") == []
    assert _stat(page, "flagged") == "0"
