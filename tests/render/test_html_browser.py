"""report.html in a real headless Chromium, on a phone and on a desktop.

One browser for the module; each test opens pages in its one tab. Without
Chromium these tests fail, saying how to install it: a report nobody has
seen in a browser is not tested.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.render.html import render
from grader.report import GradeReport

from .browser import DESKTOP, MISSING, PHONE, Browser, find_chromium
from .conftest import IMG, LONG_LINE, NON_ASCII, SCRIPT, SVG

# Measured from outside the page, after opening every <details>: the page's
# width against the screen's, every element wider than its box (a line that
# does not wrap scrolls sideways inside it), and what hostile text could
# have changed.
PROBE = """(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
    .map(e => e.tagName + '.' + e.className);
  return JSON.stringify({
    title: document.title,
    text: document.body.innerText,
    scrollWidth: root.scrollWidth,
    innerWidth: window.innerWidth,
    wide: wide,
    elements: [...document.querySelectorAll('script, img, svg, iframe, object, embed')]
      .map(e => e.outerHTML.slice(0, 80)),
    handlers: [...document.querySelectorAll('*')]
      .flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on')),
    details: document.querySelectorAll('details').length,
  });
})()"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail(MISSING, pytrace=False)
    with Browser(executable, tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


@pytest.fixture(scope="module")
def pages(
    reports: dict[str, GradeReport], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("html")
    paths = {}
    for name, report in reports.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(render(report), encoding="utf-8")
    return paths


def _probe(browser: Browser, page: Path, device: dict[str, Any]) -> dict[str, Any]:
    browser.open(page, device)
    result: dict[str, Any] = json.loads(browser.evaluate(PROBE))
    return result


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("name", ["reference", "no_rescale"])
def test_html_browser_shows_the_score_of_a_real_grade(
    name: str, browser: Browser, pages: dict[str, Path], reports: dict[str, GradeReport]
) -> None:
    report = reports[name]
    seen = _probe(browser, pages[name], PHONE)
    assert f"{report.score:g} / {report.max_score:g}" in seen["text"].replace("\n", " ")
    assert seen["title"] == f"Grade {report.score:g} / {report.max_score:g}: {report.submission}"
    for c in report.checks:
        assert c.title in seen["text"]
    failed = [c for c in report.checks if c.outcome == "failed"]
    assert (name == "reference") == (not failed)
    for c in failed:
        assert c.message in seen["text"]
        for d in c.diagnoses:
            assert d.hint in seen["text"]


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_html_browser_hostile_text_never_runs(
    device: dict[str, Any], browser: Browser, pages: dict[str, Path], hostile_report: GradeReport
) -> None:
    seen = _probe(browser, pages["hostile"], device)
    expected = f"Grade 1.5 / 5: {hostile_report.submission}"
    assert seen["title"] == expected  # no payload set it
    assert seen["elements"] == [] and seen["handlers"] == []
    for payload in (SCRIPT, IMG, SVG, NON_ASCII, LONG_LINE):
        assert payload in seen["text"]  # shown as text, whole
    assert seen["details"] == 3


def test_html_browser_hostile_text_stays_text_without_the_csp(
    browser: Browser, pages: dict[str, Path], tmp_path: Path
) -> None:
    """Escaping alone keeps the payloads inert: the page's CSP is the second
    layer, so it is taken out here. The control, the same payloads pasted in
    raw, proves the probe would see them run."""
    html = pages["hostile"].read_text(encoding="utf-8")
    start = html.index('<meta http-equiv="Content-Security-Policy"')
    bare = html[:start] + html[html.index(">", start) + 1 :]
    assert "Content-Security-Policy" not in bare
    (tmp_path / "bare.html").write_text(bare, encoding="utf-8")
    raw = bare.replace("</main>", f"{SCRIPT}{IMG}</main>")
    (tmp_path / "raw.html").write_text(raw, encoding="utf-8")

    seen = _probe(browser, tmp_path / "bare.html", DESKTOP)
    assert not seen["title"].startswith("pwned") and seen["elements"] == []
    control = _probe(browser, tmp_path / "raw.html", DESKTOP)
    assert control["title"].startswith("pwned") and control["elements"]


@pytest.mark.parametrize("name", ["reference", "no_rescale", "hostile"])
def test_html_browser_fits_a_phone_without_sideways_scrolling(
    name: str, browser: Browser, pages: dict[str, Path], tmp_path: Path
) -> None:
    seen = _probe(browser, pages[name], PHONE)
    assert seen["wide"] == [], "these elements are wider than their box: a line does not wrap"
    # A phone's browser widens its layout to fit the widest content (or to
    # 980 pixels without the viewport meta tag), then zooms out.
    assert (seen["scrollWidth"], seen["innerWidth"]) == (PHONE["width"], PHONE["width"]), (
        "the page is wider than a 390-pixel phone: a line does not wrap, "
        "or the viewport meta tag is missing"
    )
    shot = browser.screenshot(tmp_path / f"{name}-phone.png", full_page=False)
    width, height = _png_size(shot)
    assert (width, height) == (PHONE["width"] * 3, PHONE["height"] * 3)
