"""One CPU for the grading process and its sandbox (grader.sandbox.affinity):
a grade moves both there once the worker has started and gives the grading
process its CPUs back; a batch's grading processes each take a CPU of their
own. Needs two CPUs or more (one leaves nothing to choose)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

import pytest

from grader import REPO_ROOT, grade
from grader import spare as spares
from grader.batch.pool import executor
from grader.sandbox import affinity, launcher

pytestmark = pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")

REFERENCE = REPO_ROOT / "examples" / "submissions" / "reference.zip"


@pytest.fixture(autouse=True)
def cpus_kept() -> Iterator[set[int]]:
    before = os.sched_getaffinity(0)
    yield before
    os.sched_setaffinity(0, before)  # whatever a failing test left
    spares.discard_spare()


def test_a_grade_runs_with_its_sandbox_on_one_cpu_and_gives_the_cpus_back(
    monkeypatch: pytest.MonkeyPatch, cpus_kept: set[int]
) -> None:
    seen: list[tuple[set[int], dict[int, set[int]]]] = []
    pin_with = affinity.pin_with

    def spy(pids: Iterable[int]) -> None:
        pids = list(pids)
        pin_with(pids)
        seen.append((os.sched_getaffinity(0), {p: os.sched_getaffinity(p) for p in pids}))

    monkeypatch.setattr(affinity, "pin_with", spy)
    isolation = launcher.isolation_level()
    report, _ = grade.run(REFERENCE, seed=1, keyword="dropout_forward", isolation=isolation)
    assert report.score == report.max_score > 0
    ((ours, sandbox),) = seen
    assert len(ours) == 1
    assert all(cpus == ours for cpus in sandbox.values()), sandbox
    assert os.sched_getaffinity(0) == cpus_kept


def test_a_process_already_on_one_cpu_keeps_it() -> None:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    report, _ = grade.run(REFERENCE, seed=1, keyword="dropout_forward.api")
    assert report.score == report.max_score > 0
    assert os.sched_getaffinity(0) == {cpu}


def _slot_of_pool_process() -> set[int]:
    time.sleep(0.1)  # the other process takes the next task meanwhile
    return os.sched_getaffinity(0)


@pytest.mark.parametrize(("processes", "pinned"), [(2, True), (64, False)])
def test_a_pool_process_takes_a_cpu_of_its_own(processes: int, pinned: bool) -> None:
    cpus = os.sched_getaffinity(0)
    with executor(2, processes=processes) as pool:
        found = [pool.submit(_slot_of_pool_process) for _ in range(8)]
        taken = [f.result() for f in found]
    if pinned:
        assert all(len(t) == 1 and t <= cpus for t in taken)
        assert len({min(t) for t in taken}) == 2, "the two processes share a CPU"
    else:
        assert all(t == cpus for t in taken)
