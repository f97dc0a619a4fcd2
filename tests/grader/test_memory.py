"""glibc's malloc tuned for grading (grader/_memory.py): a grade's arrays
reuse freed memory instead of being faulted in again, in the sandbox's
worker and in a batch's pool processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from grader import REPO_ROOT, grade
from grader._memory import TUNABLES
from grader.submission import read_files

#: 50 calls' worth of what a 500x500 dropout_forward allocates and frees; the
#: page faults they took. Untuned glibc faults each 2 MB array in afresh:
#: about 50,000 here; tuned about 1,000.
CHURN = """
import resource as _resource
import numpy as _np

def _churn():
    x = _np.random.randn(500, 500)
    before = _resource.getrusage(_resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):
        mask = (_np.random.rand(*x.shape) < 0.5) / 0.5
        out = x * mask
        del mask, out
    return _resource.getrusage(_resource.RUSAGE_SELF).ru_minflt - before
"""
FEW = 10_000


def _churn_here() -> int:
    namespace: dict[str, object] = {}
    exec(CHURN, namespace)
    faults = namespace["_churn"]()  # type: ignore[operator]
    assert isinstance(faults, int)
    return faults


def test_untuned_malloc_faults_every_array_in_afresh() -> None:
    """What the tuning is for, in a plain interpreter: the check below can fail."""
    code = CHURN + "print(_churn())\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert int(done.stdout) > 3 * FEW


def test_the_sandboxed_worker_reuses_freed_memory() -> None:
    files = read_files(REPO_ROOT / "examples" / "submissions" / "reference.zip")
    probe = CHURN + (
        'import os as _os\nprint("CHURN", _churn(), _os.environ.get("GLIBC_TUNABLES"))\n'
    )
    files[("cs231n", "layers.py")] += probe.encode()
    report, _ = grade.run(Path("churn"), seed=1, files=files, keyword="dropout_forward.api")
    found = re.search(r"CHURN (\d+) (\S+)", report.output)
    assert found, report.output
    assert int(found.group(1)) < FEW and found.group(2) == TUNABLES
    assert report.score == report.max_score > 0


def test_a_pool_process_reuses_freed_memory() -> None:
    from grader.batch import pool

    with pool.executor(1, "[limits\nnot toml") as processes:  # no sandbox ahead: quicker
        faults = processes.submit(_churn_here).result()
    assert faults < FEW, faults
