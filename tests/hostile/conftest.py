"""The hostile suite's fixtures: each group of attacks is graded once per
session, on first use, and its run shared by the tests of its attacks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grader.report import GradeReport
from grader.sandbox.launcher import isolation_level
from tests.hostile.attacks import ATTACKS
from tests.hostile.runner import GroupRun, run_group

GradeGroup = Callable[[str], GroupRun]


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> GradeGroup:
    """graded(group name) -> the group's run, graded on first use."""
    if isolation_level() != "bwrap":
        pytest.fail(
            "the hostile suite grades in the bubblewrap sandbox and this machine has none "
            "that works: run `sh tools/system-deps.sh` (installs bubblewrap)"
        )
    runs: dict[str, GroupRun] = {}
    honest: dict[tuple[object, ...], GradeReport] = {}

    def run(name: str) -> GroupRun:
        if name not in runs:
            attacks = tuple(a for a in ATTACKS if a.group_name == name)
            folder = tmp_path_factory.mktemp(f"group-{name}")
            runs[name] = run_group(name, attacks, folder, honest)
        return runs[name]

    return run
