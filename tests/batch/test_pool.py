"""A batch's pool processes on this machine (grader.batch.pool): each starts
its sandbox under the batch's config before its first task, and nothing
wrong in that head start can break the pool."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

from grader import REPO_ROOT, _scratch, config
from grader import spare as spares
from grader.batch import pool
from grader.batch.runner import run_batch

LIMITS = """[limits]
call_seconds = 7
cpu_seconds = 50
"""


def _spare_of_this_process() -> tuple[int, Any, bool]:
    """In a pool process: its spare sandboxes, the first's limits, and whether it runs."""
    kept = list(spares.kept)
    if not kept:
        return 0, None, False
    return len(kept), kept[0].limits, kept[0].usable()


def _first_tasks(config_text: str | None) -> list[tuple[int, Any, bool]]:
    with pool.executor(2, config_text) as processes:
        return [processes.submit(_spare_of_this_process).result() for _ in range(2)]


def test_a_pool_process_starts_its_sandbox_under_the_batchs_config_before_its_first_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GRADER_CALL_SECONDS", raising=False)
    wanted = config.parse(LIMITS).limits.sandbox()
    for count, limits, running in _first_tasks(LIMITS):
        assert count == 1 and running
        assert limits == wanted and (limits.call_seconds, limits.cpu_seconds) == (7, 50)


def test_a_pool_process_takes_the_batchs_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fork server may have started for an earlier batch, under another
    # environment; this batch's overrides hold all the same.
    _first_tasks(None)
    monkeypatch.setenv("GRADER_CALL_SECONDS", "3")
    for _, limits, _ in _first_tasks(LIMITS):
        assert limits.call_seconds == 3


def test_a_head_start_that_fails_leaves_the_pool_working() -> None:
    for count, _, _ in _first_tasks("[limits\nnot toml"):
        assert count == 0  # no sandbox ahead; the task still ran


def test_only_a_batch_with_something_to_grade_starts_the_fork_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[None] = []
    start_server = pool.start_server
    monkeypatch.setattr(pool, "start_server", lambda: (started.append(None), start_server()))
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "examples" / "submissions" / "reference.zip", folder / "ada.zip")
    only = config.parse(
        "[parts]\nlayers = { enabled = false }\nfc_net = { enabled = false }\n"
        "optim = { enabled = false }\nexperiment = { enabled = false }\n"
    )
    first = run_batch(folder, tmp_path / "out", jobs=1, progress=False, config=only)
    assert first.graded == 1 and len(started) == 1
    again = run_batch(folder, tmp_path / "out", jobs=1, progress=False, config=only)
    assert again.graded == 0 and again.cached == 1 and len(started) == 1


def _ours_in_tmp() -> set[str]:
    """What grading processes made in the system's temporary folder."""
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith("grader-")}


def test_a_pool_process_killed_mid_batch_leaves_no_temporary_folders(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for zip_path in sorted((REPO_ROOT / "examples" / "submissions").glob("*.zip")):
        shutil.copy(zip_path, folder / zip_path.name)
    before = _ours_in_tmp()
    killed: dict[int, list[str]] = {}

    def kill_one(_: str) -> None:
        if killed:
            return
        for name in sorted(_ours_in_tmp() - before):
            pid = name.removeprefix(_scratch.PREFIX).split("-")[1]
            if pid.isdigit() and int(pid) != os.getpid():
                # Its sandbox and its next grade hold folders there.
                held = os.listdir(Path(tempfile.gettempdir()) / name)
                os.kill(int(pid), signal.SIGKILL)
                killed[int(pid)] = held
                return

    summary = run_batch(folder, tmp_path / "out", jobs=2, progress=False, on_result=kill_one)
    assert killed, "no pool process was found to kill"
    assert any(held for held in killed.values()), killed  # it had folders when killed
    assert summary.exit_code == 0 and summary.graded == 4, summary.failed
    assert _ours_in_tmp() - before == set()


@pytest.fixture
def early(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """The fork server starts pool.start_early asked for (not started for real)."""
    started: list[None] = []
    monkeypatch.setattr(pool, "start_server", lambda: started.append(None))
    return started


def test_a_first_batch_starts_its_pool_before_the_grader_is_imported(
    tmp_path: Path, early: list[None], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "examples" / "submissions" / "reference.zip", folder / "ada.zip")
    out = tmp_path / "out"
    assert pool.start_early(["batch", str(folder), "--out", str(out), "--jobs", "2"])
    assert len(early) == 1
    # A re-run (its store is there), Dask, another command, nothing to grade,
    # or arguments the command will refuse: run_batch decides, as before.
    out.mkdir()
    (out / "results.sqlite").write_bytes(b"")
    store = tmp_path / "elsewhere.sqlite"
    store.write_bytes(b"")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".DS_Store").write_bytes(b"")
    for argv in (
        ["batch", str(folder), "--out", str(out)],
        ["batch", str(folder), "--out", str(tmp_path / "new"), "--db", str(store)],
        ["batch", str(folder), "--out", str(tmp_path / "new"), "--executor", "dask"],
        ["grade", str(folder)],
        ["batch", str(empty), "--out", str(tmp_path / "new")],
        ["batch", str(tmp_path / "missing"), "--out", str(tmp_path / "new")],
        ["batch", str(folder), "--out", str(tmp_path / "new"), "--jobs", "two"],
        ["batch"],
        [],
    ):
        assert not pool.start_early(argv), argv
    assert len(early) == 1
    assert capsys.readouterr() == ("", "")  # the command itself reports bad arguments


def test_an_unreadable_class_folder_is_left_to_the_command(
    tmp_path: Path, early: list[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(self: Path) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    (tmp_path / "class").mkdir()
    monkeypatch.setattr(Path, "iterdir", refused)
    assert not pool.start_early(["batch", str(tmp_path / "class"), "--out", str(tmp_path / "o")])
    assert early == []
