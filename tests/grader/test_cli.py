"""python -m grader: what a user types, what they see, the files and the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import REPO_ROOT
from grader.cli import EXIT_OK, EXIT_SUBMISSION, EXIT_USAGE, main

EXAMPLES = REPO_ROOT / "examples" / "submissions"
REFERENCE = EXAMPLES / "reference.zip"


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


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GRADER_SEED", "abc"),
        ("GRADER_SEED", "-3"),
        ("GRADER_CALL_SECONDS", "ten"),
        ("GRADER_CALL_SECONDS", "0"),
        ("GRADER_CALL_SECONDS", "-1"),
        ("GRADER_START_SECONDS", "nan"),
        ("GRADER_EXPERIMENT_SECONDS", "inf"),
        ("GRADER_DB_TIMEOUT", "nan"),
        ("GRADER_ISOLATION", "none"),
    ],
)
def test_cli_a_grader_variable_it_cannot_use_stops_the_run_with_its_name(
    variable: str, value: str, tmp_path: Path
) -> None:
    """Before: GRADER_SEED=abc gave a report of no checks, 0 / 0, exit 0 (and
    "isolation: none"); a deadline of 0 or less timed out every call of a
    correct submission; GRADER_START_SECONDS=x was a traceback."""
    batch = variable in ("GRADER_SEED", "GRADER_DB_TIMEOUT")
    command = ["batch", str(EXAMPLES)] if batch else ["grade", str(REFERENCE)]
    done = subprocess.run(
        [sys.executable, "-m", "grader", *command, "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        env={**os.environ, variable: value},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == EXIT_USAGE, done.stdout
    assert done.stderr.startswith(f"error: {variable}={value!r}: expected") or (
        variable == "GRADER_ISOLATION" and "the one value it takes is 'process'" in done.stderr
    ), done.stderr
    assert "Traceback" not in done.stderr and "Score" not in done.stdout
    assert list(tmp_path.iterdir()) == []  # no report, no store


def test_cli_grade_api_refuses_the_same_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.errors import ConfigError
    from grader.grade import grade

    monkeypatch.setenv("GRADER_CALL_SECONDS", "0")
    with pytest.raises(ConfigError, match="GRADER_CALL_SECONDS='0'"):
        grade(REFERENCE, keyword="dropout_forward.api")
    monkeypatch.delenv("GRADER_CALL_SECONDS")
    monkeypatch.setenv("GRADER_SEED", "abc")
    with pytest.raises(ConfigError, match="GRADER_SEED='abc': expected a whole number"):
        grade(REFERENCE, keyword="dropout_forward.api")
    monkeypatch.delenv("GRADER_SEED")
    monkeypatch.setenv("GRADER_CALL_SECONDS", "2.5")  # a usable value is used
    assert grade(REFERENCE, keyword="dropout_forward.api", seed=1).score == 1


@pytest.mark.parametrize(
    ("keyword", "said"),
    [
        ("dropout and (", "the checks could not be selected: Wrong expression passed to '-k'"),
        ("nosuchcheck", "-k 'nosuchcheck' selects no check this assignment grades"),
    ],
)
def test_cli_a_k_that_selects_nothing_is_an_error_not_a_grade_of_0(
    keyword: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["grade", str(REFERENCE), "-k", keyword, "--out", str(tmp_path)]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert err.startswith("error: ") and said in err, err
    assert "Score" not in out and not (tmp_path / "report.json").exists()


def test_cli_a_grade_where_no_code_ran_names_the_sandbox_it_would_have_used(
    tmp_path: Path,
) -> None:
    """Only checks the config disables: nothing of the student's ran, and the
    report must not say it ran inside the grader's own process."""
    from grader.sandbox.launcher import isolation_level

    config = tmp_path / "no-layers.toml"
    config.write_text("[parts]\nlayers = { enabled = false }\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["grade", str(REFERENCE), "-k", "layers", "--config", str(config), "--out", str(out)]
    assert main(argv) == EXIT_OK
    data = json.loads((out / "report.json").read_text())
    assert data["checks"] and {c["outcome"] for c in data["checks"]} == {"skipped"}
    assert data["isolation"] == isolation_level()
    assert not any("isolation: none" in w for w in data["warnings"])


@pytest.mark.parametrize(
    "argv",
    [
        ["grade", str(REFERENCE), "--seed", "-5"],
        ["batch", str(EXAMPLES), "--seed", "-1"],
        ["batch", str(EXAMPLES), "--jobs", "0"],
        ["batch", str(EXAMPLES), "--jobs", "-2"],
    ],
)
def test_cli_a_number_out_of_range_is_refused_by_the_parser(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: --seed -5 graded the reference 0 / 54 (numpy takes no negative
    seed, so every check errored); --jobs 0 was a traceback."""
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--out", str(tmp_path)])
    assert exited.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "expected a whole number >=" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_the_apis_refuse_the_same_numbers(tmp_path: Path) -> None:
    from grader.batch.runner import run_batch
    from grader.errors import UsageError
    from grader.grade import grade

    with pytest.raises(UsageError, match="seed -1: expected a whole number >= 0"):
        grade(REFERENCE, seed=-1)
    with pytest.raises(UsageError, match="jobs 0: expected a whole number >= 1"):
        run_batch(EXAMPLES, tmp_path, jobs=0, progress=False)
    with pytest.raises(UsageError, match="seed -3"):
        run_batch(EXAMPLES, tmp_path, seed=-3, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_cli_paths_that_cannot_be_used_are_errors_with_the_path_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, each of these was a traceback."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder, not a database\n")
    missing = tmp_path / "missing"
    gradebook = tmp_path / "gradebook.sqlite"
    cases = [
        (["batch", str(EXAMPLES), "--db", str(a_file), "--out", str(tmp_path / "o1")], 2,
         f"{a_file} is not a results store"),
        (["batch", str(EXAMPLES), "--out", str(a_file)], 4,
         f"{a_file}: a file is in the way where a folder is needed"),
        (["gradescope-zip", str(a_file / "autograder.zip")], 4, "a file is in the way"),
        (["release", "--out", str(a_file)], 4, "a file is in the way"),
        (["questions", "import", str(missing), "--db", str(gradebook)], 2,
         f"{missing}: not a folder"),
        (["questions", "import", str(EXAMPLES), "--db", str(missing / "g.sqlite")], 2,
         "the gradebook cannot be opened"),
        (["questions", "import", str(EXAMPLES), "--db", str(a_file)], 2, "not a gradebook"),
        (["questions", "groups", "dropout_no_rescale", "--db", str(gradebook)], 2,
         "no such gradebook. Import the submissions first"),
        (["questions", "export", str(tmp_path / "s.csv"), "--db", str(gradebook)], 2,
         "no such gradebook"),
    ]  # fmt: skip
    for argv, code, said in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err  # after any "skipped ..." lines of questions import
        assert err.splitlines()[-1].startswith("error: ") and said in err, (argv, err)
    assert not gradebook.exists(), "a command that only reads made a gradebook"
    assert main(["questions", "import", str(EXAMPLES), "--db", str(gradebook)]) == EXIT_OK
    assert main(["questions", "export", str(a_file / "s.csv"), "--db", str(gradebook)]) == 4
    assert "a file is in the way" in capsys.readouterr().err


def test_notebook_check_says_which_python_it_could_not_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from grader.selfcheck import check

    monkeypatch.setenv("GRADER_PYTHON", "/nonexistent/python")
    found = check("dropout_forward", path=REPO_ROOT / "student_template")
    assert found.report is None and found.problem is not None
    assert "could not start /nonexistent/python ($GRADER_PYTHON: No such file" in found.problem
    assert "Unset GRADER_PYTHON" in found.problem


def test_cli_grade_out_where_a_file_is_in_the_way_keeps_the_grade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "report"
    a_file.write_text("")
    argv = ["grade", str(REFERENCE), "-k", "dropout_forward.api", "--out", str(a_file)]
    assert main(argv) == 4
    out, err = capsys.readouterr()
    assert "Score: 1 / 1" in out
    assert "a file is in the way where a folder is needed" in err and "choose another --out" in err


def test_make_grade_takes_paths_with_spaces(tmp_path: Path) -> None:
    """A student's folder is often "My Drive/..." (before: the Makefile split it)."""
    import shutil

    folder = tmp_path / "My Drive"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "my submission.zip")
    out = tmp_path / "the report"
    done = subprocess.run(
        [shutil.which("make") or "make", "-s", "grade",
         f"SUBMISSION={folder / 'my submission.zip'}", f"OUT={out}"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Score: 54 / 54" in done.stdout and (out / "report.html").is_file()


def test_cli_prints_in_an_ascii_terminal_without_a_traceback(tmp_path: Path) -> None:
    """Under LANG=C without Python's UTF-8 mode stdout is ASCII: a skipped
    entry's name with a replacement character ended the batch with a
    traceback after its work."""
    import shutil

    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.zip")
    (folder / os.fsdecode(b"b\xffd.zip")).write_bytes(b"")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(folder), "--out", str(tmp_path / "o"),
         "--no-progress"],
        cwd=REPO_ROOT, env=env, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    assert b"skipped b\\ufffdd.zip: its name is not UTF-8 text" in done.stdout
