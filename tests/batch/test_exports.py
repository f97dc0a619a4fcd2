"""The batch's exports from real grades: grades.csv round-trips and defuses
formulas, junit.xml validates against Jenkins' junit-10.xsd whatever student
code says, and the CI workflows in docs/ci/ call only what exists."""

from __future__ import annotations

import copy
import csv
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml

from grader import REPO_ROOT, template_root
from grader.batch.exports import (
    FIXED,
    csv_columns,
    markdown_summary,
    read_csv,
    spreadsheet_safe,
    spreadsheet_text,
    write_csv,
    write_junit,
)
from grader.batch.results import StudentResult
from grader.grade import grade
from grader.questions.suggest import load
from grader.registry import ordered_checks

sys.path.insert(0, str(REPO_ROOT / "examples"))
from build_submissions import Bug, Example, files_of

EXAMPLES = REPO_ROOT / "examples" / "submissions"
SCHEMA = Path(__file__).with_name("schemas") / "junit-10.xsd"
FORWARD = '    p, mode = dropout_param["p"], dropout_param["mode"]\n'
#: What student code can put in a message: characters XML forbids, an ANSI
#: escape, the end of a CDATA section, markup, and a lone surrogate.
HOSTILE_MESSAGE = (
    'nul\\x00 soh\\x01 bs\\x08 vt\\x0b esc\\x1b[31m ]]> <script>alert(1)</script> & "q" '
    "\\ud800 \\ufffe end"
)
GOOD_ANSWER = (
    "At training time the expected output is p*x, smaller than x. At test time the "
    "output is x, larger than what the next layer saw in training."
)


def _folder(tmp: Path, example: Example) -> Path:
    for name, content in files_of(example).items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(content)
    return tmp


def _with_answer(folder: Path, question: str, text: str) -> Path:
    """The folder with the answer cell of ``question`` replaced by ``text``."""
    path = folder / "Dropout.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    marker = f"<!-- answer: {question} -->"
    cell = next(c for c in notebook["cells"] if "".join(c["source"]).startswith(marker))
    cell["source"] = f"{marker}\n**Your Answer:** {text}"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return folder


@functools.cache
def graded() -> dict[str, dict[str, Any]]:
    """report.json's content of real grades, once per test run: the
    reference, two buggy submissions (one graded as course-2017, whose
    AdaGrad checks are skipped), the template (every check an error), an
    auto-scored inline answer, and code that prints and raises a hostile
    message."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hostile = Bug(
            "layers.py",
            FORWARD,
            FORWARD + f"    print('SECRET-PRINT')\n    raise ValueError('{HOSTILE_MESSAGE}')\n",
        )
        # One whole grade; the rest grade the parts they are about (-k).
        sources: dict[str, tuple[Path, dict[str, Any]]] = {
            "reference": (EXAMPLES / "reference.zip", {}),
            "no_rescale": (EXAMPLES / "no_rescale.zip", {"keyword": "dropout_forward"}),
            "course_2017": (
                EXAMPLES / "momentum_state_lost.zip",
                {"profile": "course-2017", "keyword": "optim"},
            ),
            "template": (template_root(), {"keyword": "layers"}),
            "auto_answer": (
                _with_answer(
                    _folder(root / "auto", Example("auto", "")), "dropout_no_rescale", GOOD_ANSWER
                ),
                {"keyword": "dropout_forward"},
            ),
            "hostile": (
                _folder(root / "hostile", Example("hostile", "", (hostile,))),
                {"keyword": "dropout_forward"},
            ),
        }
        return {
            name: json.loads(grade(path, seed=1, **options).to_json())
            for name, (path, options) in sources.items()
        }


def result(name: str, student: str | None = None, notes: tuple[str, ...] = ()) -> StudentResult:
    return StudentResult(
        student=student or name,
        entry=f"{student or name}.zip",
        content_hash=hashlib.sha256((student or name).encode()).hexdigest(),
        report=copy.deepcopy(graded()[name]),
        report_html=f"reports/{student or name}/report.html",
        notes=notes,
    )


#: Names and notes a class folder can hold, which a spreadsheet would run.
FORMULAS = {
    '=HYPERLINK("http://evil.example","click")': ("=cmd|' /C calc'!A0",),
    "+1+2": (),
    "-2+3": ("@SUM(A1:A9)",),
    "@SUM(1)": (),
    "'quoted": (),
    "  =1+1": (),
    "\t=1": (),
}


@pytest.fixture(scope="module")
def results() -> list[StudentResult]:
    rows = [result(name) for name in graded()]
    rows.append(result("reference", "张伟", ("same content as reference: graded once",)))
    rows += [result("no_rescale", name, notes) for name, notes in FORMULAS.items()]
    # A partial-credit check of the future: any float must survive exactly.
    odd = result("reference", "odd_points")
    odd.report["checks"][0]["points"] = 1 / 3
    odd.report["score"] = odd.report["score"] - 1 + 1 / 3
    rows.append(odd)
    return rows


# -- grades.csv ----------------------------------------------------------------


def test_csv_columns_follow_the_assignment(results: list[StudentResult]) -> None:
    columns = csv_columns(results)
    checks = [s.id for s in ordered_checks()]
    questions = list(load().questions)
    assert columns[: len(FIXED)] == list(FIXED) and columns[-1] == "notes"
    assert columns[len(FIXED) : len(FIXED) + len(checks)] == checks
    pairs = columns[len(FIXED) + len(checks) : -1]
    assert pairs == [c for q in questions for c in (q, f"{q}.status")]


def test_csv_round_trips_every_number(results: list[StudentResult], tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    write_csv(results, path)
    rows = read_csv(path)
    assert [r["student"] for r in rows] == [r.student for r in results]
    for row, r in zip(rows, results, strict=True):
        assert row["score"] == r.score and row["max_score"] == r.max_score
        assert row["entry"] == r.entry and row["content_hash"] == r.content_hash
        assert row["notes"] == "; ".join(r.notes)
        ran = {c["id"]: c for c in r.report["checks"]}
        for spec in ordered_checks():
            check = ran.get(spec.id)
            expected = None if check is None or check["outcome"] == "skipped" else check["points"]
            assert row[spec.id] == expected, (r.student, spec.id)
        for answer in r.report["answers"]:
            assert row[answer["question"]] == answer["suggested"]
    odd = next(row for row in rows if row["student"] == "odd_points")
    assert odd["layers.affine_forward"] == 1 / 3  # exact, not 0.333333


def test_csv_leaves_skipped_and_unrun_checks_empty(
    results: list[StudentResult], tmp_path: Path
) -> None:
    write_csv(results, tmp_path / "grades.csv")
    rows = {r["student"]: r for r in read_csv(tmp_path / "grades.csv")}
    skipped = [c["id"] for c in graded()["course_2017"]["checks"] if c["outcome"] == "skipped"]
    assert skipped and all(i.startswith("optim.adagrad") for i in skipped)
    assert all(rows["course_2017"][i] is None for i in skipped)
    assert rows["reference"]["optim.adagrad.one_step"] == 2.0
    assert rows["template"]["layers.affine_forward"] == 0.0  # an error earns 0, it ran
    assert rows["template"]["dropout_forward.api"] is None  # not run (-k)
    assert rows["auto_answer"]["dropout_no_rescale"] == 2.0
    assert rows["auto_answer"]["dropout_no_rescale.status"] == "auto"
    assert rows["reference"]["dropout_no_rescale.status"] == "answered"
    assert rows["template"]["dropout_no_rescale.status"] == "unanswered"


def test_csv_defuses_formulas_in_names_and_notes(
    results: list[StudentResult], tmp_path: Path
) -> None:
    path = tmp_path / "grades.csv"
    write_csv(results, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    with path.open(newline="", encoding="utf-8-sig") as f:
        lines = list(csv.DictReader(f))
    for line in lines:
        for column in ("student", "entry", "notes"):
            cell = line[column]
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell
    attacked = {line["student"] for line in lines} - {r.student for r in results}
    assert attacked == {spreadsheet_safe(n) for n in FORMULAS}
    assert all(a.startswith("'") for a in attacked)
    # Numbers are never touched.
    assert all(not line["score"].startswith("'") for line in lines)
    # What was written is what read_csv gives back.
    rows = read_csv(path)
    assert {r["student"] for r in rows} >= set(FORMULAS)
    notes = {r["student"]: r["notes"] for r in rows}
    assert notes['=HYPERLINK("http://evil.example","click")'] == "=cmd|' /C calc'!A0"
    assert "张伟" in notes


@pytest.mark.parametrize("text", ["", "'", "''=", "=", " x", "a=b", "'abc", "-", "\t", "x'"])
def test_spreadsheet_escape_is_reversible(text: str) -> None:
    assert spreadsheet_text(spreadsheet_safe(text)) == text
    assert spreadsheet_text(text) == text or spreadsheet_safe(spreadsheet_text(text)) == text


# -- junit.xml -----------------------------------------------------------------


@pytest.fixture(scope="module")
def junit(results: list[StudentResult], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("junit") / "junit.xml"
    write_junit(results, path)
    return path


def test_junit_is_valid_against_jenkins_schema(junit: Path) -> None:
    xmlschema.XMLSchema(SCHEMA).validate(junit)


def test_junit_counts_each_student_and_outcome(junit: Path, results: list[StudentResult]) -> None:
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == [r.student for r in results]
    for suite, r in zip(suites, results, strict=True):
        checks = r.report["checks"]
        outcomes = [c["outcome"] for c in checks]
        assert suite.get("tests") == str(len(checks))
        assert suite.get("failures") == str(outcomes.count("failed"))
        assert suite.get("errors") == str(outcomes.count("error"))
        assert suite.get("skipped") == str(outcomes.count("skipped"))
        properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert float(properties["score"]) == r.score
        assert float(properties["max_score"]) == r.max_score
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [c["id"] for c in checks]
        for case, check in zip(cases, checks, strict=True):
            assert case.get("classname") == f"{r.student}.{check['part']}"
            kinds = [child.tag for child in case]
            expected = {"passed": [], "failed": ["failure"], "error": ["error"]}
            assert kinds == expected.get(check["outcome"], ["skipped"])
    root = ET.parse(junit).getroot()
    assert int(root.get("tests", "")) == sum(len(r.report["checks"]) for r in results)


def test_junit_carries_hostile_messages_safely(junit: Path) -> None:
    raw = junit.read_bytes()
    assert b"<script>" not in raw and b"]]>" not in raw
    forbidden = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
    assert not forbidden.search(raw.decode("utf-8"))
    suite = next(s for s in ET.parse(junit).getroot() if s.get("name") == "hostile")
    errors = [e for e in suite.iter("error")]
    assert errors
    message = errors[0].get("message", "")
    # The student's text is all there, minus what XML cannot hold.
    assert ']]> <script>alert(1)</script> & "q"' in message
    assert "nul soh bs vt esc[31m" in message and "end" in message
    assert "]]> <script>" in (errors[0].text or "")


# -- the job summary -------------------------------------------------------------


def test_markdown_summary_escapes_student_text() -> None:
    text = markdown_summary(graded()["hostile"])
    assert "<script>" not in text and "\\<script\\>" in text
    table = [line for line in text.splitlines() if line.startswith("| dropout")]
    assert table and all(line.count(" | ") == 3 for line in table)  # no cell broken by |
    assert "\x1b" not in text and "\x00" not in text


# -- docs/ci/ ----------------------------------------------------------------------

CI = REPO_ROOT / "docs" / "ci"


def _workflow(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((CI / name).read_text(encoding="utf-8"))
    return data


def _runs(workflow: dict[Any, Any]) -> str:
    return "\n".join(
        step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]
    )


def _make_targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+):", text, re.MULTILINE))


def test_ci_workflows_call_only_what_exists() -> None:
    from grader.batch import exports
    from grader.cli import main

    for name in ("instructor-grade.yml", "classroom-student.yml"):
        runs = _runs(_workflow(name))
        for target in re.findall(r"\bmake ([a-z][\w-]*)", runs):
            assert target in _make_targets(), f"{name}: make {target}"
        for command in re.findall(r"-m grader (\w[\w-]*)", runs):
            with pytest.raises(SystemExit) as exit:
                main([command, "--help"])
            assert exit.value.code == 0, f"{name}: python -m grader {command}"
        for function in re.findall(r"from grader\.batch\.exports import (\w+)", runs):
            assert hasattr(exports, function), f"{name}: {function}"


def test_instructor_workflow_grades_publishes_and_keeps_the_files() -> None:
    workflow = _workflow("instructor-grade.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert "workflow_dispatch" in triggers and "push" in triggers
    # grade-all is the Makefile's front door to python -m grader batch.
    assert "grade-all" in _make_targets()
    steps = workflow["jobs"]["grade"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert "make grade-all SUBMISSIONS=submissions OUT=out JOBS=2" in _runs(workflow)
    kept = uses["actions/upload-artifact"]["with"]["path"].split()
    assert kept == ["out/dashboard.html", "out/*.csv", "out/junit.xml", "out/reports"]
    publish = uses["EnricoMi/publish-unit-test-result-action"]
    assert publish["with"]["files"] == "out/junit.xml"
    assert publish["with"]["fail_on"] == "nothing"  # scores never fail the job
    assert "cancelled()" in publish["if"] and "cancelled()" in uses["actions/upload-artifact"]["if"]


def test_classroom_self_check_runs_as_written(tmp_path: Path) -> None:
    """The self-check step's script, run here: the public checks only, and the
    job summary it writes."""
    workflow = _workflow("classroom-student.yml")
    steps = workflow["jobs"]["self-check"]["steps"]
    step = next(s for s in steps if "Self-check" in s.get("name", ""))
    with zipfile.ZipFile(EXAMPLES / "no_rescale.zip") as z:
        z.extractall(tmp_path / "submission")
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    hidden = {s.id for s in ordered_checks() if not s.public}
    ran = {c["id"] for c in report["checks"]}
    assert ran and not ran & hidden
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Self\\-check \\(public checks only\\): ")
    assert "dropout\\_forward\\.scaling | failed" in text
    assert "::warning::self-check:" in done.stdout
