"""python -m grader: what a user types, what they see, the files and the exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader import REPO_ROOT
from grader.cli import EXIT_OK, EXIT_SUBMISSION, EXIT_USAGE, main

REFERENCE = REPO_ROOT / "examples" / "submissions" / "reference.zip"


def test_cli_grade_writes_the_report_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["grade", str(REFERENCE), "--out", str(tmp_path), "--seed", "7", "-k", "optim"])
    assert code == EXIT_OK
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["seed"] == 7 and data["profile"] == "template"
    assert data["score"] == data["max_score"] > 0
    assert all(c["id"].startswith("optim.") for c in data["checks"])
    shown = capsys.readouterr().out
    assert "Score:" in shown and "--seed 7" in shown


def test_cli_unreadable_submission_still_gets_a_zero_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "homework.zip"
    bad.write_text("this is not a zip")
    out = tmp_path / "out"
    assert main(["grade", str(bad), "--out", str(out)]) == EXIT_SUBMISSION
    data = json.loads((out / "report.json").read_text())
    assert data["score"] == 0 and data["max_score"] > 0
    assert {c["outcome"] for c in data["checks"]} == {"error"}
    assert "neither a folder nor a zip" in data["checks"][0]["message"]
    assert "neither a folder nor a zip" in capsys.readouterr().err


def test_cli_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "no/such/submission.zip"]) == EXIT_USAGE
    assert "no such file or folder" in capsys.readouterr().err


def test_cli_unknown_profile_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", str(REFERENCE), "--profile", "2016"])
    assert exit_info.value.code == EXIT_USAGE
    assert "course-2017" in capsys.readouterr().err


def test_cli_lists_checks_misconceptions_and_docs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks"]) == EXIT_OK
    checks = capsys.readouterr().out
    assert "dropout_forward.keep_fraction" in checks and "hidden" in checks
    assert main(["misconceptions"]) == EXIT_OK
    assert "FCNET_REG_BIAS" in capsys.readouterr().out
    assert main(["docs"]) == EXIT_OK
    assert capsys.readouterr().out == (REPO_ROOT / "docs" / "checks.md").read_text()


def test_cli_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(REFERENCE), "-k", "dropout_backward"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Score: 3 / 3" in done.stdout


def test_cli_grade_imports_only_what_a_grade_needs() -> None:
    """The pool's machinery (multiprocessing, concurrent.futures) and nbformat
    (for notebook-only submissions) cost a single grade of a zip about 75 ms
    of imports for nothing."""
    unwanted = ("nbformat", "concurrent.futures", "multiprocessing")
    probe = (
        "import atexit, runpy, sys\n"
        f"atexit.register(lambda: print([m for m in {unwanted!r} if m in sys.modules]))\n"
        "sys.argv = ['grader', 'grade', sys.argv[1], '-k', 'dropout_forward.api']\n"
        "runpy.run_module('grader', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(REFERENCE)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Score: 1 / 1" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]", done.stdout
