"""Batch grading end to end: a class of generated submissions (tests/batch/corpus.py) graded,
killed with SIGKILL mid-way, resumed, and compared with an uninterrupted
run; re-runs, concurrent writers, bad folders."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import REPO_ROOT
from grader.batch import store
from grader.batch.runner import run_batch
from tests.batch import corpus

ENV = {**os.environ, "GRADER_CALL_SECONDS": "1"}


@pytest.fixture(scope="module", autouse=True)
def short_calls() -> Iterator[None]:
    # The looping submission costs one call deadline per hung call; the
    # module's setting is undone after it, so later tests see the defaults.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_CALL_SECONDS", "1")
        yield


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("class")
    return folder, corpus.build(folder)


@pytest.fixture(scope="module")
def uninterrupted(
    klass: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, float]]:
    folder, _ = klass
    out = tmp_path_factory.mktemp("out")
    summary = run_batch(folder, out, jobs=2, progress=False)
    assert summary.exit_code == 0, summary.failed
    return out, {r.student: r.score for r in summary.results}


def _scores(db_path: Path) -> dict[str, float]:
    with store.connect(db_path) as db:
        rows = db.execute(
            "SELECT s.student, r.score FROM submissions s JOIN results r ON s.key = r.key"
        ).fetchall()
    return dict(rows)


def _stored(db_path: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _batch(folder: Path, out: Path, *extra: str, capture: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(folder),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--no-progress",
            *extra,
        ],
        cwd=REPO_ROOT,
        env=ENV,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
        start_new_session=True,
    )


def test_every_kind_of_submission_gets_a_result(
    klass: tuple[Path, dict[str, str]], uninterrupted: tuple[Path, dict[str, float]]
) -> None:
    _, kinds = klass
    out, scores = uninterrupted
    assert set(scores) == set(kinds)
    full = max(scores.values())
    assert all(scores[s] == full for s, k in kinds.items() if k == "correct" and s != "alice")
    assert all(scores[s] < full for s, k in kinds.items() if k in ("buggy", "hostile", "broken")
               and s != "hostile_forge")  # fmt: skip
    assert scores["broken_not_a_zip"] == scores["broken_empty"] == 0
    for student in kinds:
        report = json.loads((out / "reports" / student / "report.json").read_text())
        assert report["score"] == scores[student]
        assert (out / "reports" / student / "report.html").stat().st_size > 1000
    # Hostile code changed nothing outside its sandbox: no forged report anywhere.
    assert not (REPO_ROOT / "report.json").exists()
    with store.connect(out / "results.sqlite") as db:
        graded = store.gradings(db)
    # Two students hand in the same content: one grading fewer than students, each once.
    assert len(graded) == len(kinds) - 1 and set(graded.values()) == {1}


def test_killed_mid_way_then_resumed_grades_each_once_with_the_same_scores(
    klass: tuple[Path, dict[str, str]],
    uninterrupted: tuple[Path, dict[str, float]],
    tmp_path: Path,
) -> None:
    folder, kinds = klass
    out = tmp_path / "out"
    db_path = out / "results.sqlite"
    batch = _batch(folder, out)
    deadline = time.monotonic() + 120
    while _stored(db_path) < 10 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert batch.poll() is None, "the batch finished before it could be killed"
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    stored = _stored(db_path)
    assert 10 <= stored < len(kinds) - 1
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    resumed = _batch(folder, out, capture=True)
    output, errors = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, errors.decode()
    assert "already in the store" in output.decode()
    with store.connect(db_path) as db:
        graded = store.gradings(db)
    assert len(graded) == len(kinds) - 1 and set(graded.values()) == {1}
    assert _scores(db_path) == uninterrupted[1]
    for student in kinds:
        json.loads((out / "reports" / student / "report.json").read_text())


def test_a_rerun_grades_only_what_changed(
    klass: tuple[Path, dict[str, str]], uninterrupted: tuple[Path, dict[str, float]]
) -> None:
    folder, kinds = klass
    out, scores = uninterrupted
    again = run_batch(folder, out, jobs=2, progress=False)
    assert again.graded == 0 and again.cached == len(kinds)
    assert {r.student: r.score for r in again.results} == scores
    # One student hands in again, with a bug: only that submission is graded.
    changed = folder / "correct_3.zip"
    original = changed.read_bytes()
    changed.write_bytes((folder / "keep_as_drop.zip").read_bytes())
    try:
        third = run_batch(folder, out, jobs=2, progress=False)
    finally:
        changed.write_bytes(original)
    # The new content is keep_as_drop's, already graded: nothing to grade at all.
    assert third.graded == 0
    assert {r.student: r.score for r in third.results}["correct_3"] == scores["keep_as_drop"]


def test_two_batches_writing_one_store_at_once(
    klass: tuple[Path, dict[str, str]],
    uninterrupted: tuple[Path, dict[str, float]],
    tmp_path: Path,
) -> None:
    folder, _ = klass
    small = tmp_path / "small"
    small.mkdir()
    for name in ("correct_1.zip", "correct_2.zip", "keep_as_drop.zip", "no_rescale.zip"):
        (small / name).write_bytes((folder / name).read_bytes())
    db = tmp_path / "shared.sqlite"
    batches = [_batch(small, tmp_path / n, "--db", str(db), capture=True) for n in "ab"]
    for batch in batches:
        _, errors = batch.communicate(timeout=120)
        assert batch.returncode == 0, errors.decode()
    with store.connect(db) as connection:
        graded = store.gradings(connection)
    assert len(graded) == 4 and set(graded.values()) == {1}
    for out in (tmp_path / "a", tmp_path / "b"):
        for name in ("correct_1", "keep_as_drop"):
            report = json.loads((out / "reports" / name / "report.json").read_text())
            assert report["score"] == uninterrupted[1][name]


def test_bad_folders_say_what_to_do(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "grader", "batch", *args],
            cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    missing = cli(str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "not a folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hi")
    nothing = cli(str(empty), "--out", str(tmp_path / "o"))
    assert nothing.returncode == 2
    assert "no submissions" in nothing.stderr and "notes.txt" in nothing.stderr
    dask = cli(str(empty), "--executor", "dask")
    assert dask.returncode == 2 and "--scheduler" in dask.stderr


def test_names_duplicates_and_litter_are_reported(
    klass: tuple[Path, dict[str, str]], uninterrupted: tuple[Path, dict[str, float]]
) -> None:
    folder, _ = klass
    out, _ = uninterrupted
    summary = run_batch(folder, out, jobs=2, progress=False)
    assert summary.skipped == [
        "grades_2025.csv: not a submission (a zip, a folder, a notebook or a module)"
    ]
    notes = "\n".join(summary.notes)
    assert "alice.zip: name clash" in notes and "alice: name clash" in notes
    assert "correct_0: same content as correct_0_resubmitted" in notes
    assert "broken_not_a_zip: unreadable" in notes


def test_a_name_that_is_not_utf8_is_skipped_with_a_reason_and_the_rest_graded(
    tmp_path: Path,
) -> None:
    """Before: a traceback, and no student of the class graded."""
    folder = tmp_path / "class"
    folder.mkdir()
    reference = REPO_ROOT / "examples" / "submissions" / "reference.zip"
    shutil.copy(reference, folder / "ada.zip")
    os.mkfifo(folder / "pipe.zip")
    shutil.copy(reference, os.fsdecode(bytes(folder) + b"/b\xffd.zip"))
    done = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(folder), "--out", str(tmp_path / "o"),
         "--no-progress"],
        cwd=REPO_ROOT, env=ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "skipped b\ufffdd.zip: its name is not UTF-8 text" in done.stdout
    assert "skipped pipe.zip: not a submission" in done.stdout
    assert (tmp_path / "o" / "reports" / "ada" / "report.json").is_file()
