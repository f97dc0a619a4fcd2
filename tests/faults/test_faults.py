"""Fault injection: the worker killed mid-check, a full disk while writing
reports, a locked results store, no sandbox tool. Each gives a clear
message, and no result is lost or left half-written."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader import REPO_ROOT
from grader.batch import store
from grader.grade import grade
from tests.grader.conftest import MakeSubmission

REFERENCE = REPO_ROOT / "examples" / "submissions" / "reference.zip"
FORWARD = '    p, mode = dropout_param["p"], dropout_param["mode"]\n'


def _cli(*args: str, env: dict[str, str] | None = None, fsize: int | None = None,
         ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    def limit() -> None:
        if fsize is not None:  # a disk that is full after fsize bytes of any one file
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, **(env or {})}, preexec_fn=limit,
    )  # fmt: skip


def test_worker_killed_mid_check(make_submission: MakeSubmission) -> None:
    killed = make_submission(
        (
            "layers.py",
            FORWARD,
            FORWARD + "    import os, signal; os.kill(os.getpid(), signal.SIGKILL)\n",
        )
    )
    report = grade(killed, seed=1)
    forward = [c for c in report.checks if c.part == "dropout_forward"]
    assert forward and {c.outcome for c in forward} == {"error"}
    assert "SIGKILL" in forward[0].message
    assert any("SIGKILL" in e for e in report.events)
    # Everything that does not call the killed function is graded as usual.
    optim = [c for c in report.checks if c.part == "optim"]
    assert optim and {c.outcome for c in optim} == {"passed"}


def _full(path: Path) -> None:
    """Make the next write of ``path`` (through its temporary file) hit a full
    device: the temporary file is a link to /dev/full, where every write
    fails with ENOSPC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_name(f".{path.name}.tmp").symlink_to("/dev/full")


def test_full_disk_while_writing_the_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _full(out / "report.html")
    done = _cli("grade", str(REFERENCE), "--out", str(out), "--seed", "1")
    assert done.returncode == 4, done.stderr
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr
    assert "Score: 54 / 54" in done.stdout  # the grade itself is not lost
    assert not (out / "report.html").exists()
    assert not list(out.glob(".*.tmp"))  # no half-written file left behind
    again = _cli("grade", str(REFERENCE), "--out", str(out), "--seed", "1")
    assert again.returncode == 0 and (out / "report.html").stat().st_size > 1000


def test_full_disk_during_a_batch_loses_no_result(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("reference", "no_rescale"):
        shutil.copy(REPO_ROOT / "examples" / "submissions" / f"{name}.zip", folder)
    out = tmp_path / "out"
    _full(out / "reports" / "no_rescale" / "report.json")
    done = _cli("batch", str(folder), "--out", str(out), "--no-progress")
    assert done.returncode == 1, done.stderr
    assert "no_rescale: its report files could not be written" in done.stdout
    assert "Traceback" not in done.stderr
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 2
    # With room again, the same command writes what was missing and grades nothing.
    again = _cli("batch", str(folder), "--out", str(out), "--no-progress")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 graded now" in again.stdout
    for name in ("reference", "no_rescale"):
        json.loads((out / "reports" / name / "report.json").read_text())
        assert (out / "reports" / name / "report.html").stat().st_size > 1000


def test_full_disk_under_the_store_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder)
    out = tmp_path / "out"
    assert _cli("batch", str(folder), "--out", str(out), "--no-progress").returncode == 0
    shutil.copy(REPO_ROOT / "examples" / "submissions" / "no_rescale.zip", folder)
    wal = out / "results.sqlite-wal"  # SQLite's write-ahead log: every write goes there first
    wal.unlink(missing_ok=True)
    wal.symlink_to("/dev/full")
    done = _cli("batch", str(folder), "--out", str(out), "--no-progress")
    wal.unlink()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "could not be written (is the disk full?)" in done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(out / "results.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = _cli("batch", str(folder), "--out", str(out), "--no-progress")
    assert again.returncode == 0, again.stdout + again.stderr
    with store.connect(out / "results.sqlite") as db:
        assert set(store.gradings(db).values()) == {1} and len(store.gradings(db)) == 2


def test_locked_store_says_so_and_loses_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder)
    out = tmp_path / "out"
    assert _cli("batch", str(folder), "--out", str(out), "--no-progress").returncode == 0
    shutil.copy(REPO_ROOT / "examples" / "submissions" / "no_rescale.zip", folder)
    holder = sqlite3.connect(out / "results.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        done = _cli("batch", str(folder), "--out", str(out), "--no-progress",
                    env={"GRADER_DB_TIMEOUT": "1"})  # fmt: skip
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "stayed locked by another process" in done.stderr
    assert "Traceback" not in done.stderr
    with store.connect(out / "results.sqlite") as db:
        assert len(store.gradings(db)) == 1  # the earlier result is intact
    again = _cli("batch", str(folder), "--out", str(out), "--no-progress")
    assert again.returncode == 0 and "1 graded now" in again.stdout


def test_no_sandbox_tool_falls_back_with_a_warning(tmp_path: Path) -> None:
    bare = tmp_path / "bin"  # a PATH without bwrap
    bare.mkdir()
    done = _cli("grade", str(REFERENCE), "--out", str(tmp_path / "out"), "--seed", "1",
                env={"PATH": str(bare)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["isolation"] == "process"
    assert report["score"] == report["max_score"]
    assert any("bubblewrap was not available" in w for w in report["warnings"])


@pytest.mark.parametrize(("value", "seconds"), [("0.5", 0.5), ("0.01", 0.1), ("", 60.0)])
def test_lock_timeout_reads_the_environment(
    value: str, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_DB_TIMEOUT", value)
    assert store.lock_timeout() == seconds


@pytest.mark.parametrize("value", ["nonsense", "nan", "-1"])
def test_lock_timeout_it_cannot_use_is_named(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: 'nonsense' fell back to 60 s without a word, and 'nan' was a
    traceback (ValueError) when the store opened."""
    from grader.errors import ConfigError

    monkeypatch.setenv("GRADER_DB_TIMEOUT", value)
    with pytest.raises(ConfigError, match=f"GRADER_DB_TIMEOUT={value!r}: expected a number"):
        store.lock_timeout()


def test_partial_prints_reach_the_report_though_the_worker_is_killed_at_close(
    make_submission: MakeSubmission,
) -> None:
    chatty = make_submission(
        ("layers.py", FORWARD, FORWARD + "    print('no newline at the end', end='')\n")
    )
    report = grade(chatty, keyword="dropout_forward.api", seed=1)
    assert "no newline at the end" in report.output


def test_a_lower_outside_limit_is_kept_not_fought(tmp_path: Path) -> None:
    # A CI runner that caps file sizes at 4 MB, below the worker's own 8 MB:
    # the sandbox keeps the stricter cap instead of failing to start.
    done = _cli("grade", str(REFERENCE), "--out", str(tmp_path), "--seed", "1", fsize=4 << 20)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "report.json").read_text())["score"] == 54
