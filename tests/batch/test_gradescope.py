"""Gradescope: results.json from real grades in the documented format, and the
autograder zip unpacked and run as Gradescope runs it, in a temporary
/autograder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from grader import REPO_ROOT, flavours, profiles
from grader.batch.exports import gradescope_results
from grader.batch.gradescope import _target, build_autograder_zip, run_autograder
from grader.registry import ordered_checks
from tests.batch.test_exports import EXAMPLES, graded

# The results.json format of Gradescope's autograder specification
# (gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format"):
# each documented field and the type its example has.
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP = {
    "score": (int, float),
    "execution_time": (int, float),
    "output": str,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
}
TEST = {
    "score": (int, float),
    "max_score": (int, float),
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}


def check_format(results: dict[str, Any]) -> None:
    """Fail unless ``results`` is results.json as Gradescope documents it."""
    json.dumps(results, allow_nan=False).encode("utf-8")  # plain JSON, encodable
    for fields, item in [(TOP, results), *((TEST, t) for t in results.get("tests", []))]:
        unknown = set(item) - set(fields)
        assert not unknown, f"not in Gradescope's format: {unknown}"
        for key, kind in fields.items():
            if key in item:
                assert isinstance(item[key], kind) and not isinstance(item[key], bool), key
        for key in ("visibility", "stdout_visibility"):
            assert item.get(key, "visible") in VISIBILITY
        for key in ("output_format", "test_output_format", "test_name_format", "name_format"):
            assert item.get(key, "text") in FORMATS
        assert item.get("status", "passed") in ("passed", "failed")
        assert all(isinstance(tag, str) for tag in item.get("tags", []))
    # "score: optional, but required if not on each test case"
    assert "score" in results or all("score" in t for t in results["tests"])


def by_check(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["extra_data"]["id"]: t for t in results["tests"] if "id" in t["extra_data"]}


@pytest.mark.parametrize("name", ["reference", "no_rescale", "course_2017", "template", "hostile"])
def test_results_follow_gradescopes_format(name: str) -> None:
    report = graded()[name]
    results = gradescope_results(report)
    check_format(results)
    assert results["score"] == round(sum(t["score"] for t in results["tests"]), 6)
    numbers = [t["number"] for t in results["tests"]]
    assert len(set(numbers)) == len(numbers)


def test_results_score_the_checks_and_hide_the_hidden() -> None:
    report = graded()["reference"]
    results = gradescope_results(report)
    checks = by_check(results)
    assert list(checks) == [c["id"] for c in report["checks"]]
    for check in report["checks"]:
        test = checks[check["id"]]
        assert (test["score"], test["max_score"]) == (check["points"], check["max_points"])
        assert test["status"] == "passed"
        assert test["visibility"] == ("visible" if check["public"] else "after_published")
    assert sum(t["score"] for t in checks.values()) == report["score"] == report["max_score"]
    # Before grades are published, nothing shown adds up hidden checks.
    public = sum(c["max_points"] for c in report["checks"] if c["public"])
    assert f"Public checks: {public:g} / {public:g} points." in results["output"]
    assert f"{report['score']:g} /" not in results["output"]
    hidden = gradescope_results(report, hidden_visibility="hidden")
    assert {t["visibility"] for t in hidden["tests"]} == {"visible", "hidden"}
    with pytest.raises(ValueError, match="after_published"):
        gradescope_results(report, hidden_visibility="later")


def test_results_explain_failures_with_the_likely_cause() -> None:
    results = gradescope_results(graded()["no_rescale"])
    scaling = by_check(results)["dropout_forward.scaling"]
    assert scaling["status"] == "failed" and scaling["score"] == 0
    assert "Likely cause: kept units not divided by p" in scaling["output"]
    assert "Hint:" in scaling["output"]


def test_results_leave_skipped_checks_out_and_keep_numbers() -> None:
    skipped = [c for c in graded()["course_2017"]["checks"] if c["outcome"] == "skipped"]
    results = gradescope_results(graded()["course_2017"])
    assert skipped and not {c["id"] for c in skipped} & set(by_check(results))
    assert "not graded: optim.adagrad.one_step" in results["output"]
    # The same check has the same number for every student, whatever ran.
    full = by_check(gradescope_results(graded()["reference"]))
    for check_id, test in by_check(results).items():
        assert test["number"] == full[check_id]["number"]
    assert full["layers.affine_forward"]["number"] == "1.1"


def test_results_score_inline_answers_only_where_the_rubric_did() -> None:
    report = graded()["auto_answer"]
    results = gradescope_results(report)
    answers = {
        t["extra_data"]["question"]: t for t in results["tests"] if "question" in t["extra_data"]
    }
    assert set(answers) == {a["question"] for a in report["answers"]}
    auto = answers.pop("dropout_no_rescale")
    assert (auto["score"], auto["max_score"], auto["status"]) == (2.0, 2.0, "passed")
    assert "Scored by the rubric" in auto["output"]
    for test in answers.values():
        assert (test["score"], test["max_score"], test["status"]) == (0.0, 2.0, "failed")
        assert "Graded by a TA" in test["output"]
    assert results["score"] == report["score"] + 2
    alone = gradescope_results(report, inline_questions=False)
    assert alone["score"] == report["score"]
    assert all("id" in t["extra_data"] for t in alone["tests"])
    unanswered = gradescope_results(graded()["template"])
    for test in unanswered["tests"]:
        if "question" in test["extra_data"]:
            assert test["score"] == 0 and test["output"].startswith("No answer")


def test_results_keep_student_prints_and_hostile_text_out() -> None:
    report = graded()["hostile"]
    assert "SECRET-PRINT" in report["output"]
    results = gradescope_results(report)
    text = json.dumps(results, ensure_ascii=False)
    assert "SECRET-PRINT" not in text  # prints may show a hidden check's inputs
    assert results["stdout_visibility"] == "hidden" and results["output_format"] == "text"
    api = by_check(results)["dropout_forward.api"]
    assert "]]> <script>alert(1)</script>" in api["output"]  # shown as text, not HTML
    assert "\x00" not in text and "\x1b" not in text and "\ud800" not in text


# -- the autograder zip ------------------------------------------------------------


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The zip, unpacked where Gradescope puts it: ROOT/source."""
    root = tmp_path_factory.mktemp("autograder")
    names = build_autograder_zip(root / "autograder.zip")
    with zipfile.ZipFile(root / "autograder.zip") as archive:
        assert sorted(archive.namelist()) == names
        archive.extractall(root / "source")
        for info in archive.infolist():  # extractall drops the modes
            mode = (info.external_attr >> 16) & 0o777
            os.chmod(root / "source" / info.filename, mode)
    return root


def test_zip_holds_what_grading_needs_and_nothing_else(autograder: Path) -> None:
    source = autograder / "source"
    with zipfile.ZipFile(autograder / "autograder.zip") as archive:
        names = archive.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    tops = {n.split("/")[0] for n in names}
    assert tops == {
        "setup.sh",
        "run_autograder",
        "requirements.txt",
        "pyproject.toml",
        "constraints.txt",
        "assignment.toml",
        "grader",
        "reference",
        "student_template",
        "flavours",
    }
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # The layer and update-rule checks compare with the reference; its links
    # to the template's given files are stored as the files themselves.
    solver = REPO_ROOT / "student_template" / "cs231n" / "solver.py"
    assert (source / "reference/cs231n/solver.py").read_bytes() == solver.read_bytes()
    assert (source / "grader/questions/rubric.toml").is_file()
    assert (source / "assignment.toml").read_bytes() == (REPO_ROOT / "assignment.toml").read_bytes()
    assert (source / "grader/render/templates/report.html.j2").is_file()
    requirements = (source / "requirements.txt").read_text(encoding="utf-8")
    assert "numpy>=2.0" in requirements.splitlines()
    # Same project, same bytes.
    again = autograder / "again.zip"
    build_autograder_zip(again)
    assert again.read_bytes() == (autograder / "autograder.zip").read_bytes()


def _run(root: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    """run_autograder as Gradescope calls it, with ROOT for /autograder."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(root / "source" / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_run_autograder_grades_the_reference_fully(autograder: Path) -> None:
    submission = autograder / "submission"
    with zipfile.ZipFile(EXAMPLES / "reference.zip") as archive:
        archive.extractall(submission)
    done = _run(autograder)
    assert done.returncode == 0, done.stderr
    # The grader that ran is the one in the zip, not this checkout.
    assert f"grader: {autograder / 'source' / 'grader'}" in done.stdout
    results = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    check_format(results)
    checks = by_check(results)
    graded = [s for s in ordered_checks() if not profiles.get("template").excludes(s.id)]
    assert set(checks) == {s.id for s in graded}
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in checks.values())
    assert sum(t["score"] for t in checks.values()) == sum(s.points for s in graded)
    assert results["score"] == sum(t["score"] for t in results["tests"])
    assert submission.is_dir() and (submission / "cs231n" / "layers.py").is_file()  # untouched


def test_run_autograder_grades_a_class_flavour_submission(autograder: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(autograder / "source", root / "source", symlinks=True)
    shutil.copytree(flavours.reference_root() / "common", root / "submission" / "common")
    done = _run(root)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    check_format(results)
    checks = by_check(results)
    graded = [s for s in ordered_checks() if not profiles.get("classes").excludes(s.id)]
    assert set(checks) == {s.id for s in graded}
    assert all(t["status"] == "passed" for t in checks.values())


def test_run_autograder_always_writes_results(autograder: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(autograder / "source", root / "source", symlinks=True)
    # No submission folder at all.
    done = _run(root)
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert done.returncode == 0 and results["score"] == 0
    assert "No submission was found" in results["output"]
    check_format(results)
    # A Python that cannot start: the script's own fallback.
    (root / "submission").mkdir()
    done = _run(root, python=str(tmp_path / "no-such-python"))
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert done.returncode == 0 and results["score"] == 0
    assert "could not start" in results["output"]
    check_format(results)


def test_run_autograder_stops_grading_that_hangs(tmp_path: Path) -> None:
    with zipfile.ZipFile(EXAMPLES / "reference.zip") as archive:
        archive.extractall(tmp_path / "submission")
    results = run_autograder(tmp_path, timeout=0.01)
    assert results["score"] == 0 and "longer than 0.01 seconds" in results["output"]
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == results


def test_run_autograder_grades_a_lone_zip_or_notebook_as_itself(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    shutil.copy(EXAMPLES / "reference.zip", tmp_path / "a" / "submission.zip")
    (tmp_path / "a" / ".DS_Store").write_bytes(b"")
    assert _target(tmp_path / "a") == tmp_path / "a" / "submission.zip"
    (tmp_path / "a" / "notes.txt").write_text("hi")
    assert _target(tmp_path / "a") == tmp_path / "a"
