"""What a batch keeps started from one grade to the next (grade.run(warm=True)):
in bubblewrap a zygote sandbox that forks a fresh worker per submission, in
process isolation a worker started ahead. Either grades the next submission
and only it, fits the grade's limits or is replaced, and leaves nothing
behind. (tests/grader/sandbox/test_zygote.py: what one student can do to the
next through a zygote.)"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import REPO_ROOT, grade
from grader.config import current
from grader.errors import SubmissionError
from grader.sandbox.launcher import isolation_level

EXAMPLES = REPO_ROOT / "examples" / "submissions"

needs_bwrap = pytest.mark.skipif(isolation_level() != "bwrap", reason="needs bubblewrap")


@pytest.fixture(autouse=True)
def no_spare_left() -> Iterator[None]:
    grade.discard_spare()
    yield
    grade.discard_spare()


def _spare() -> grade._Spare:
    assert len(grade._spare) == 1
    return grade._spare[0]


def _sandbox(spare: grade._Spare) -> subprocess.Popen[bytes]:
    return spare.zygote.process if isinstance(spare, grade._ZygoteSpare) else spare.worker.process


def _zygote() -> grade._ZygoteSpare:
    spare = _spare()
    assert isinstance(spare, grade._ZygoteSpare)
    return spare


@needs_bwrap
def test_a_warm_grade_leaves_a_zygote_that_grades_each_next_submission_alone() -> None:
    first, _ = grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _zygote()
    sandbox = spare.zygote.process.pid
    assert spare.zygote.process.poll() is None and list(spare.staging.iterdir()) == []
    # A buggy submission, then the reference again, on the same sandbox: each
    # worker imports the files staged for its own grade and nothing before.
    second, _ = grade.run(EXAMPLES / "keep_as_drop.zip", seed=1)
    third, _ = grade.run(EXAMPLES / "reference.zip", seed=1)
    assert _zygote() is spare and spare.zygote.process.pid == sandbox, "the zygote was not kept"
    assert list(spare.staging.iterdir()) == []
    assert first.score == third.score == first.max_score
    assert second.score < second.max_score and second.isolation == "bwrap"
    failed = {c.id for c in second.checks if c.outcome == "failed"}
    assert "dropout_forward.keep_fraction" in failed
    assert [c.outcome for c in third.checks] == [c.outcome for c in first.checks]


def test_in_process_isolation_a_warm_grade_leaves_a_worker_for_one_grade() -> None:
    first, _ = grade.run(EXAMPLES / "reference.zip", seed=1, isolation="process", warm=True)
    spare = _spare()
    assert type(spare) is grade._Spare  # a worker for one grade, not a zygote
    assert spare.worker.process.poll() is None and list(spare.staging.iterdir()) == []
    second, _ = grade.run(EXAMPLES / "keep_as_drop.zip", seed=1, isolation="process")
    assert not grade._spare, "a worker grades one submission"
    assert not spare.folder.exists() and spare.worker.process.poll() is not None
    assert first.score == first.max_score and second.isolation == "process"
    failed = {c.id for c in second.checks if c.outcome == "failed"}
    assert "dropout_forward.keep_fraction" in failed


def test_a_spare_with_other_limits_is_replaced() -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _spare()
    config = current()
    tighter = dataclasses.replace(config.limits, call_seconds=config.limits.call_seconds / 2)
    report, _ = grade.run(
        EXAMPLES / "reference.zip", seed=2, config=dataclasses.replace(config, limits=tighter)
    )
    assert report.score == report.max_score
    assert not grade._spare and not spare.folder.exists()
    assert _sandbox(spare).poll() is not None


@needs_bwrap
def test_an_unreadable_submission_leaves_the_zygote_clean_for_the_next(tmp_path: Path) -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _zygote()
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError):
        grade.run(broken, seed=1)
    assert _zygote() is spare and list(spare.staging.iterdir()) == []
    report, _ = grade.run(EXAMPLES / "reference.zip", seed=1)
    assert report.score == report.max_score


def test_an_unreadable_submission_closes_the_process_spare_it_took(tmp_path: Path) -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, isolation="process", warm=True)
    spare = _spare()
    assert type(spare) is grade._Spare  # a worker for one grade, not a zygote
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError):
        grade.run(broken, seed=1, isolation="process")
    assert not spare.folder.exists() and spare.worker.process.poll() is not None


def test_discard_spare_stops_the_sandbox_and_removes_its_folder() -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _spare()
    process = _sandbox(spare)
    grade.discard_spare()
    assert not spare.folder.exists() and not grade._spare
    assert not os.path.exists(f"/proc/{process.pid}") or process.poll() is not None
