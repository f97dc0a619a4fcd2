"""The spare worker a batch keeps warm for its next grade (grade.run(warm=True)):
it grades the next submission and only it, fits the grade's limits or is
replaced, and leaves nothing behind."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import REPO_ROOT, grade
from grader.config import current
from grader.errors import SubmissionError
from grader.sandbox.launcher import isolation_level

EXAMPLES = REPO_ROOT / "examples" / "submissions"


@pytest.fixture(autouse=True)
def no_spare_left() -> Iterator[None]:
    grade.discard_spare()
    yield
    grade.discard_spare()


def _spare() -> grade._Spare:
    assert len(grade._spare) == 1
    return grade._spare[0]


def test_a_warm_grade_leaves_a_spare_that_grades_the_next_submission_alone() -> None:
    first, _ = grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _spare()
    assert spare.worker.process.poll() is None and list(spare.staging.iterdir()) == []
    # The next grade, of a buggy submission, takes the spare: its folder was
    # empty, so the worker imports the buggy code and nothing of the first.
    second, _ = grade.run(EXAMPLES / "keep_as_drop.zip", seed=1)
    assert not grade._spare, "the spare was not used"
    assert not spare.folder.exists() and spare.worker.process.poll() is not None
    assert first.score == first.max_score
    assert second.score < second.max_score and second.isolation == isolation_level()
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
    assert spare.worker.process.poll() is not None


def test_an_unreadable_submission_closes_the_spare_it_took(tmp_path: Path) -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _spare()
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError):
        grade.run(broken, seed=1)
    assert not spare.folder.exists() and spare.worker.process.poll() is not None


def test_discard_spare_stops_the_worker_and_removes_its_folder() -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _spare()
    pid = spare.worker.process.pid
    grade.discard_spare()
    assert not spare.folder.exists() and not grade._spare
    assert not os.path.exists(f"/proc/{pid}") or spare.worker.process.poll() is not None
