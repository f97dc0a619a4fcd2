"""The worker sets its resource limits on itself before it reads a request,
in both isolation levels, and refuses to run without them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader import reference_root
from grader.sandbox.launcher import WORKER_DIR, Limits, WorkerProcess, descendants
from grader.sandbox.launcher import isolation_level as level

LIMITS = Limits(cpu_seconds=41, processes=17, open_files=53, file_bytes=3 * 1024**2)


def _limits_of(pid: int) -> dict[str, str]:
    found = {}
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]:
        name, soft = line[:26].strip(), line[26:47].strip()
        found[name] = soft
    return found


@pytest.mark.parametrize("isolation", ["bwrap", "process"])
def test_worker_runs_under_its_limits(isolation: str) -> None:
    if isolation == "bwrap" and level() != "bwrap":
        pytest.skip("bubblewrap is not usable on this machine")
    worker = WorkerProcess(reference_root(), LIMITS, isolation)
    try:
        assert worker.request({"op": "import", "modules": ["layers"]})["ok"]
        # The worker is the deepest process of the sandbox's tree.
        found = _limits_of(descendants(worker.process.pid)[-1])
    finally:
        worker.close()
    assert found["Max cpu time"] == "41"
    assert found["Max processes"] == "17"
    assert found["Max open files"] == "53"
    assert found["Max file size"] == str(3 * 1024**2)
    assert found["Max address space"] == str(LIMITS.memory_bytes)
    assert found["Max core file size"] == "0"


@pytest.mark.parametrize("argument", ["not json", '{"cpu": 1}', '{"cpu": "x"}'])
def test_worker_without_valid_limits_exits_before_reading(argument: str) -> None:
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(WORKER_DIR / "worker.py"), ".", ".", argument],
        input=b"never read",
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert b"the resource limits could not be set" in done.stderr
