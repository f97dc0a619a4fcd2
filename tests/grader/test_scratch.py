"""Each grading process keeps its temporary folders in one folder of its own
(grader._scratch), so that what a process killed from outside left behind
is removed by the next one."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader import _scratch


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the system's for this test alone; no root made yet."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(_scratch, "_root", None)
    return tmp_path


def _child_root(_: object) -> str:
    return str(_scratch.root())


def test_a_process_has_one_private_folder_named_after_it(base: Path) -> None:
    root = _scratch.root()
    assert root.parent == base and root == _scratch.root()
    here, pid = _scratch._namespace(), os.getpid()
    assert root.name == f"{_scratch.PREFIX}{here}-{pid}-{_scratch._start_time(pid)}"
    assert root.stat().st_mode & 0o777 == 0o700
    with multiprocessing.get_context("fork").Pool(1) as children:
        theirs = Path(children.map(_child_root, [None])[0])
    assert theirs.parent == base and theirs != root  # a forked child makes its own


def test_sweep_removes_the_folders_of_processes_that_are_gone_only(base: Path) -> None:
    mine = _scratch.root()  # made first: making it sweeps too
    (mine / "grader-abc").mkdir()
    ended = subprocess.Popen(["true"])
    ended.wait()
    here = _scratch._namespace()
    gone = base / f"{_scratch.PREFIX}{here}-{ended.pid}-1"  # that number, another start time
    (gone / "grader-work-x").mkdir(parents=True)
    (gone / "grader-work-x" / "output.log").write_text("left by a killed process")
    reused = base / f"{_scratch.PREFIX}{here}-{os.getpid()}-1"  # an earlier process, same number
    elsewhere = base / f"{_scratch.PREFIX}1-{ended.pid}-1"  # another PID namespace's
    elsewhere.mkdir()
    reused.mkdir()
    other = base / f"grader-proc-{here}-not-a-number"
    other.mkdir()
    target = base / "keep"
    target.mkdir()
    link = base / f"{_scratch.PREFIX}{here}-{ended.pid}-2"
    link.symlink_to(target)
    unrelated = base / "something-else"
    unrelated.mkdir()
    removed = _scratch.sweep()
    assert gone in removed and not gone.exists()
    assert reused in removed and not reused.exists()
    assert (mine / "grader-abc").is_dir()  # this process runs: its folder stays
    assert not other.exists()  # no process of that name can run
    assert link.is_symlink() and target.is_dir()  # a link is not followed, nor removed
    assert elsewhere.is_dir()  # its process may run, in a namespace not seen from here
    assert unrelated.is_dir()


def test_a_folder_squatted_under_this_process_name_is_not_used(base: Path) -> None:
    pid = os.getpid()
    name = f"{_scratch.PREFIX}{_scratch._namespace()}-{pid}-{_scratch._start_time(pid)}"
    squatted = base / name
    squatted.mkdir(mode=0o777)
    squatted.chmod(0o777)  # as another user would leave it, open to all
    root = _scratch.root()
    assert root != squatted and root.parent == base
    assert root.stat().st_mode & 0o777 == 0o700
    assert root not in _scratch.sweep()  # this process still runs
