"""report.html as text: escaped, self-contained, faithful to the report.

What the page does in a browser is tested in test_html_browser.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from grader.cli import main
from grader.render.html import render
from grader.report import CheckResult, GradeReport

from .conftest import CLOSE_PRE, IMG, LONG_LINE, NON_ASCII, SCRIPT, SUBMISSIONS, SVG

RESOURCE_ATTRIBUTES = (
    "src",
    "href",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
)
EXTERNAL = re.compile(r"^\s*(https?:|//|file:|ftp:|data:text/html|javascript:)", re.IGNORECASE)


class _Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def test_html_hostile_text_is_escaped_never_markup(hostile_report: GradeReport) -> None:
    html = render(hostile_report)
    tags = [tag for tag, _ in _parse(html).tags]
    assert "script" not in tags
    assert "img" not in tags and "svg" not in tags
    assert not any(name.startswith("on") for _, attrs in _parse(html).tags for name in attrs)
    for payload in (SCRIPT, IMG, SVG, CLOSE_PRE):
        assert payload not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert NON_ASCII in html and LONG_LINE in html


@pytest.mark.parametrize("name", ["reference", "no_rescale", "hostile"])
def test_html_references_no_external_resource(name: str, reports: dict[str, GradeReport]) -> None:
    parsed = _parse(render(reports[name]))
    linked = [
        (tag, attr, value)
        for tag, attrs in parsed.tags
        for attr, value in attrs.items()
        if attr in RESOURCE_ATTRIBUTES
    ]
    assert [x for x in linked if EXTERNAL.match(x[2])] == []
    assert all(value.startswith("#") for _, _, value in linked), linked  # in-page links only
    assert not {"link", "script", "iframe", "object", "embed", "base"} & {t for t, _ in parsed.tags}
    css = "\n".join(parsed.styles)
    assert css and "url(" not in css and "@import" not in css and "@font-face" not in css
    csp = [a["content"] for t, a in parsed.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]


def test_html_shows_the_header_the_warnings_and_the_events(hostile_report: GradeReport) -> None:
    html = render(hostile_report)
    assert "1.5 / 5" in html and "30%" in html  # skipped check's 5 points left out
    for text in ("template", "bwrap", "1.50 s", "--seed 42", "0.1.0", "evil.zip"):
        assert text in html, text
    assert "Warnings (1)" in html and "Contained by the sandbox (1)" in html
    assert html.index("Contained by the sandbox") < html.index('id="part-1"')


def test_html_groups_checks_by_part_with_subtotals(no_rescale_report: GradeReport) -> None:
    html = render(no_rescale_report)
    headings = re.findall(r'<h2 id="part-\d+-h" class="mono">([^<]+)</h2>', html)
    parts = list(dict.fromkeys(c.part for c in no_rescale_report.checks))
    assert headings == parts
    for part in parts:
        checks = [c for c in no_rescale_report.checks if c.part == part]
        got = sum(c.points for c in checks)
        top = sum(c.max_points for c in checks if c.outcome != "skipped")
        assert f'{part}</h2>\n    <span class="subtotal">{got:g} / {top:g} points' in html
    for c in no_rescale_report.checks:
        assert f'id="check-{c.id}"' in html


def test_html_labels_outcomes_causes_hidden_and_details(hostile_report: GradeReport) -> None:
    html = render(hostile_report)
    for label in ("✗ failed", "✓ passed", "! error", "⊘ skipped"):
        assert f">{label}</span>" in html, label
    assert html.count("Likely cause") >= 2  # one cause, and the legend
    assert "DROPOUT_UNSCALED" in html and "<strong>Hint:</strong>" in html
    assert html.count('<span class="badge hidden"') == 2  # the hidden check, and the legend
    assert html.count("<details>") == 3  # two checks' details and the printed output
    shown = len(hostile_report.output.encode())
    assert f"{hostile_report.output_bytes} bytes printed; the first {shown} are shown" in html


def test_html_reads_a_report_without_the_newer_fields() -> None:
    """A report from before seed, profile_reason, output... still renders."""
    check = SimpleNamespace(
        id="a.b", part="a", title="t", outcome="passed", points=1.0, max_points=1.0, message=""
    )
    old: Any = SimpleNamespace(
        submission="s.zip",
        profile="p",
        isolation="bwrap",
        checks=(check,),
        seconds=0.25,
        score=1.0,
        max_score=1.0,
    )
    html = render(cast(GradeReport, old))
    assert "1 / 1" in html and "Nothing (0 bytes)" in html and "Seed" not in html


def test_html_renders_an_empty_report() -> None:
    empty = GradeReport(submission="s", profile="p", isolation="bwrap", checks=(), seconds=0)
    html = render(empty)
    assert "0 / 0" in html and "%" not in html.split("<main>")[1].split("</header>")[0]


def test_html_score_comes_from_the_report(hostile_report: GradeReport) -> None:
    extra = CheckResult("z.z", "z", "z", "passed", 2.25, 3, "", True, 0.0)
    report = GradeReport(**{**vars(hostile_report), "checks": (*hostile_report.checks, extra)})
    assert f"{report.score:g} / {report.max_score:g}" in render(report)


def test_cli_grade_writes_report_html_beside_report_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(SUBMISSIONS / "no_rescale.zip"), "--out", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "DROPOUT_UNSCALED" in html
    assert f"Report: {tmp_path / 'report.html'}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json"]
