"""dashboard.html in a real headless Chromium, on a phone and on a desktop.

The page is written as the batch writes it, ``OUT/dashboard.html`` beside
``OUT/reports/<student>/report.html``, for the class of test_dashboard.py.
One browser for the module. Without Chromium these tests fail, saying how
to install it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from grader.batch.results import StudentResult
from grader.render.dashboard import render_dashboard
from grader.render.html import render
from grader.report import GradeReport

from .browser import DESKTOP, MISSING, PHONE, Browser, find_chromium
from .test_dashboard import CSV_NAME, SCRIPT_NAME, build_class, template_report

TITLE = "Grades: cs231n 2024"

# Measured from outside the page: its width against the screen's, every
# element wider than its box other than the tables' own scrolling boxes and
# the shapes inside a chart (whose <svg> box is measured),
# the size of every chart, and what hostile text could have changed.
PROBE = """(() => {
  const root = document.documentElement;
  const boxed = e => e.closest('.table-wrap') !== null;
  return JSON.stringify({
    title: document.title,
    text: document.body.innerText,
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
      .filter(e => !boxed(e) && !e.classList.contains('table-wrap'))
      .filter(e => !(e instanceof SVGElement) || e.tagName === 'svg')
      .map(e => e.tagName + '.' + e.className),
    wraps: [...document.querySelectorAll('.table-wrap')].map(e => getComputedStyle(e).overflowX),
    tableOverflow: [...document.querySelectorAll('.table-wrap')]
      .map(e => e.getBoundingClientRect().right <= root.clientWidth + 0.5),
    charts: [...document.querySelectorAll('svg')].map(e => {
      const r = e.getBoundingClientRect();
      return [e.id || e.closest('[id]').id, r.width, r.height];
    }),
    scripts: document.querySelectorAll('script, img, iframe, object, embed').length,
    handlers: [...document.querySelectorAll('*')]
      .flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on')),
    links: [...document.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), a.href]),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    background: getComputedStyle(document.body).backgroundColor,
  });
})()"""

ROWS = """JSON.stringify([...document.querySelectorAll('#students tbody tr')]
  .map(tr => [tr.getBoundingClientRect().top, tr.querySelector('th').innerText]))"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail(MISSING, pytrace=False)
    with Browser(executable, tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


@pytest.fixture(scope="module")
def results(reference_report: GradeReport, no_rescale_report: GradeReport) -> list[StudentResult]:
    return build_class(
        {
            "reference": json.loads(reference_report.to_json()),
            "no_rescale": json.loads(no_rescale_report.to_json()),
            "template": json.loads(template_report()),
        }
    )


@pytest.fixture(scope="module")
def out(results: list[StudentResult], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch's output folder: the dashboard and each student's report.html."""
    folder = tmp_path_factory.mktemp("batch-out")
    for r in results:
        page = folder / r.report_html
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render(GradeReport.from_dict(r.report)), encoding="utf-8")
    html = render_dashboard(results, title=TITLE, generated="2024-05-01 12:00")
    (folder / "dashboard.html").write_text(html, encoding="utf-8")
    return folder


def _probe(browser: Browser, page: Path, device: dict[str, Any]) -> dict[str, Any]:
    logged = browser.open_logged(page, device)
    assert logged == [], "the page logged errors (a CSP violation, a failed load...)"
    seen: dict[str, Any] = json.loads(browser.evaluate(PROBE))
    return seen


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dashboard_browser_fits_the_screen_with_every_chart_drawn(
    device: dict[str, Any], browser: Browser, out: Path, tmp_path: Path
) -> None:
    seen = _probe(browser, out / "dashboard.html", device)
    assert seen["wide"] == [], "these elements are wider than their box: a line does not wrap"
    # The width of the page, not counting a desktop's vertical scroll bar.
    assert seen["innerWidth"] == device["width"]
    assert seen["scrollWidth"] == seen["clientWidth"] > device["width"] - 20, (
        "the page scrolls sideways: something is wider than the screen"
    )
    # The wide tables scroll inside their own box, which fits the screen.
    assert seen["wraps"] == ["auto", "auto"] and all(seen["tableOverflow"])
    charts = seen["charts"]
    assert len(charts) == 1 + 47 + 2 + 5  # histogram, checks, misconceptions, questions
    assert [c for c in charts if not (c[1] > 0 and c[2] > 0)] == []
    histogram = next(c for c in charts if c[0] == "histogram")
    assert histogram[1] >= 300 and histogram[2] >= 150  # readable on a phone too
    shot = browser.screenshot(tmp_path / "dashboard.png", full_page=False)
    scale = device["deviceScaleFactor"]
    assert _png_size(shot) == (device["width"] * scale, device["height"] * scale)


def test_dashboard_browser_links_open_each_students_report(
    browser: Browser, out: Path, results: list[StudentResult]
) -> None:
    seen = _probe(browser, out / "dashboard.html", DESKTOP)
    pages = {}
    for raw, resolved in seen["links"]:
        if raw.startswith("#"):
            assert raw[1:] in seen["ids"], f"{raw} points at nothing on the page"
            continue
        url = urlparse(resolved)
        assert url.scheme == "file" and not url.query and not url.fragment, resolved
        path = Path(unquote(url.path))
        assert path.is_file(), f"{raw} opens {path}, which does not exist"
        pages[path] = raw
    # Every student's own report is linked (from the table, at least).
    assert set(pages) == {(out / r.report_html).resolve() for r in results}
    # Following a hostile name's link opens that student's report.
    for name in (SCRIPT_NAME, CSV_NAME, "Zoë 李雷"):
        (r,) = [r for r in results if r.student == name]
        browser.open(out / r.report_html, DESKTOP)
        expected = f"Grade {r.score:g} / {r.max_score:g}: {r.report['submission']}"
        assert browser.evaluate("document.title") == expected


def test_dashboard_browser_hostile_names_stay_text(browser: Browser, out: Path) -> None:
    seen = _probe(browser, out / "dashboard.html", PHONE)
    assert seen["title"] == TITLE
    assert seen["scripts"] == 0 and seen["handlers"] == []
    for name in (SCRIPT_NAME, CSV_NAME, "<img src=x onerror=alert(2)>"):
        assert name in seen["text"]


def test_dashboard_browser_would_see_a_csp_violation(browser: Browser, out: Path) -> None:
    """The control for "nothing logged": the same page with an inline script
    and an external image pasted in logs both as refused."""
    html = (out / "dashboard.html").read_text(encoding="utf-8")
    bad = out / "bad.html"
    bad.write_text(
        html.replace("</main>", "<script>1</script><img src='http://127.0.0.1:9/x.png'></main>"),
        encoding="utf-8",
    )
    try:
        logged = browser.open_logged(bad, DESKTOP)
    finally:
        bad.unlink()
    texts = [m["params"]["entry"]["text"] for m in logged if m["method"] == "Log.entryAdded"]
    assert len(texts) == 2 and all("Content Security Policy" in t for t in texts), texts


def _click(browser: Browser, selector: str) -> None:
    """A real mouse click (no script in the page runs it: it has none)."""
    box = browser.evaluate(
        f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
        e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2]; }})()"""
    )
    for kind in ("mousePressed", "mouseReleased"):
        browser.send(
            "Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1
        )


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_dashboard_browser_sorts_the_students_without_script(
    device: dict[str, Any], browser: Browser, out: Path, results: list[StudentResult]
) -> None:
    browser.open(out / "dashboard.html", device)
    by_name = {r.student: r for r in results}

    def shown() -> list[str]:
        rows = sorted(json.loads(browser.evaluate(ROWS)))
        return [name for _, name in rows]

    def share(name: str) -> float:
        return by_name[name].score / by_name[name].max_score

    def to_fix(name: str) -> int:
        return sum(c["outcome"] in ("failed", "error") for c in by_name[name].report["checks"])

    def codes(name: str) -> int:
        checks = by_name[name].report["checks"]
        return len({d["code"] for c in checks for d in c["diagnoses"]})

    first = shown()
    assert [share(n) for n in first] == sorted(share(n) for n in first)
    _click(browser, "label[for=by-top]")
    assert shown() == first[::-1]
    _click(browser, "label[for=by-name]")
    assert shown() == sorted(by_name, key=str.casefold)
    _click(browser, "label[for=by-failed]")
    assert [to_fix(n) for n in shown()] == sorted((to_fix(n) for n in first), reverse=True)
    _click(browser, "label[for=by-misc]")
    assert [codes(n) for n in shown()] == sorted((codes(n) for n in first), reverse=True)
    _click(browser, "label[for=by-score]")
    assert shown() == first


def test_dashboard_browser_follows_a_dark_colour_scheme(browser: Browser, out: Path) -> None:
    light = _probe(browser, out / "dashboard.html", DESKTOP)["background"]
    browser.send(
        "Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark"}]
    )
    try:
        dark = _probe(browser, out / "dashboard.html", DESKTOP)["background"]
    finally:
        browser.send("Emulation.setEmulatedMedia", features=[])
    assert (light, dark) == ("rgb(246, 247, 249)", "rgb(13, 17, 23)")
