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
from grader import spare as spares
from grader.config import current
from grader.errors import SubmissionError
from grader.sandbox.launcher import isolation_level

EXAMPLES = REPO_ROOT / "examples" / "submissions"

needs_bwrap = pytest.mark.skipif(isolation_level() != "bwrap", reason="needs bubblewrap")


@pytest.fixture(autouse=True)
def no_spare_left() -> Iterator[None]:
    spares.discard_spare()
    yield
    spares.discard_spare()


def _spare() -> spares.Spare:
    assert len(spares.kept) == 1
    return spares.kept[0]


def _sandbox(spare: spares.Spare) -> subprocess.Popen[bytes]:
    return spare.zygote.process if isinstance(spare, spares.ZygoteSpare) else spare.worker.process


def _zygote() -> spares.ZygoteSpare:
    spare = _spare()
    assert isinstance(spare, spares.ZygoteSpare)
    return spare


@needs_bwrap
def test_a_warm_grade_leaves_a_zygote_that_grades_each_next_submission_alone() -> None:
    first, _ = grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _zygote()
    sandbox = spare.zygote.process.pid
    assert spare.zygote.process.poll() is None and list(spare.staging.iterdir()) == []
    # A buggy submission, then the reference again, on the same sandbox: each
    # worker imports the files staged for its own grade and nothing before.
    second, _ = grade.run(EXAMPLES / "keep_as_drop.zip", seed=1, warm=True)
    third, _ = grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
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
    assert type(spare) is spares.Spare  # a worker for one grade, not a zygote
    assert spare.worker.process.poll() is None and list(spare.staging.iterdir()) == []
    second, _ = grade.run(EXAMPLES / "keep_as_drop.zip", seed=1, isolation="process")
    assert not spares.kept, "a worker grades one submission"
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
    assert not spares.kept and not spare.folder.exists()
    assert _sandbox(spare).poll() is not None


@needs_bwrap
def test_an_unreadable_submission_leaves_the_zygote_clean_for_the_next(tmp_path: Path) -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _zygote()
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError):
        grade.run(broken, seed=1, warm=True)
    assert _zygote() is spare and list(spare.staging.iterdir()) == []
    report, _ = grade.run(EXAMPLES / "reference.zip", seed=1)
    assert report.score == report.max_score


def test_an_unreadable_submission_closes_the_process_spare_it_took(tmp_path: Path) -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, isolation="process", warm=True)
    spare = _spare()
    assert type(spare) is spares.Spare  # a worker for one grade, not a zygote
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError):
        grade.run(broken, seed=1, isolation="process")
    assert not spare.folder.exists() and spare.worker.process.poll() is not None


def test_discard_spare_stops_the_sandbox_and_removes_its_folder() -> None:
    grade.run(EXAMPLES / "reference.zip", seed=1, warm=True)
    spare = _spare()
    process = _sandbox(spare)
    spares.discard_spare()
    assert not spare.folder.exists() and not spares.kept
    assert not os.path.exists(f"/proc/{process.pid}") or process.poll() is not None


# --- python -m grader grade: the sandbox starts before the grader is imported ---


def test_the_grade_command_starts_its_sandbox_first_and_its_grade_runs_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader.cli import main

    argv = ["grade", str(EXAMPLES / "reference.zip"), "--out", str(tmp_path), "-k", "dropout"]
    assert spares.start_early(argv)
    spare = _spare()
    assert spare.limits == current().limits.sandbox() and spare.isolation == isolation_level()
    assert type(spare) is (spares.ZygoteSpare if isolation_level() == "bwrap" else spares.Spare)
    assert capsys.readouterr() == ("", "")
    used: list[spares.Spare] = []
    kind = type(spare)
    taken = kind.worker_for_grade
    monkeypatch.setattr(kind, "worker_for_grade", lambda self: used.append(self) or taken(self))
    assert main(argv) == 0
    assert used == [spare], "the grade did not run on the sandbox started for it"
    report = (tmp_path / "report.json").read_text()
    assert '"outcome": "failed"' not in report and '"outcome": "error"' not in report
    # One grade: the sandbox is not kept after it.
    assert not spares.kept and not spare.folder.exists() and _sandbox(spare).poll() is not None


def test_the_grade_commands_sandbox_has_its_configs_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.config import load

    path = tmp_path / "course.toml"
    path.write_text("[limits]\ncall_seconds = 3\nmemory_mb = 1024\n", encoding="utf-8")
    reference = str(EXAMPLES / "reference.zip")
    assert spares.start_early(["grade", reference, "--config", str(path)])
    assert _spare().limits == load(path).limits.sandbox() != current().limits.sandbox()
    spares.discard_spare()
    monkeypatch.setenv("GRADER_CONFIG", str(path))
    assert spares.start_early(["grade", reference])
    assert _spare().limits == load(path).limits.sandbox()


def test_the_grade_command_leaves_the_sandbox_to_the_grade_when_it_will_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Arguments the command refuses, a missing submission, a config it cannot
    read: no sandbox is started, nothing is printed (the command says what is
    wrong), and a batch is pool.start_early's."""
    reference = str(EXAMPLES / "reference.zip")
    bad_limits = tmp_path / "bad.toml"
    bad_limits.write_text("[limits]\nmemory_mb = 'plenty'\n", encoding="utf-8")
    not_toml = tmp_path / "broken.toml"
    not_toml.write_text("[limits\n", encoding="utf-8")
    for argv in (
        ["grade", str(tmp_path / "missing.zip")],
        ["grade", reference, "--seed", "seven"],
        ["grade", reference, "--profile", "no-such-year"],
        ["grade", reference, "--config", str(tmp_path / "missing.toml")],
        ["grade", reference, "--config", str(bad_limits)],
        ["grade", reference, "--config", str(not_toml)],
        ["batch", str(EXAMPLES)],
        ["checks"],
        ["grade"],
        [],
    ):
        assert not spares.start_early(argv), argv
        assert not spares.kept, argv
    assert capsys.readouterr() == ("", "")


def test_the_self_check_grades_on_a_sandbox_started_before_its_imports(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import selfcheck

    started: list[spares.Spare] = []

    def start(config: str | None = None) -> bool:
        assert spares.start_before_imports(config)
        started.append(_spare())
        return True

    used: list[spares.Spare] = []
    for kind in (spares.Spare, spares.ZygoteSpare):
        taken = kind.worker_for_grade
        monkeypatch.setattr(
            kind, "worker_for_grade", lambda self, taken=taken: used.append(self) or taken(self)
        )
    monkeypatch.setattr(selfcheck, "start_before_imports", start)
    reference = str(EXAMPLES / "reference.zip")
    assert selfcheck.main([reference, "--part", "dropout_forward"]) == selfcheck.EXIT_OK
    assert "dropout_forward" in capsys.readouterr().out
    assert len(started) == 1 and used == started and not spares.kept
    # A path that is not there: no sandbox is started for it.
    assert selfcheck.main([str(EXAMPLES / "missing.zip")]) == selfcheck.EXIT_USAGE
    assert len(started) == 1 and not spares.kept
