"""The unit of work a batch hands to an executor: grade one submission's
files, return report.json's text.

It runs in a pool process or on a Dask worker, which has the grader
installed; the student's code still runs only in the sandboxed worker that
``grade`` starts there. Arguments and the answer are plain data (bytes and
a string), so a remote worker needs no shared file system.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

# Each grade is one process on one core: BLAS threads would only compete
# with the other jobs (the sandboxed worker sets the same for itself).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


class GraderFailedError(Exception):
    """The grader itself failed on a submission (not the student's code)."""


def grade_job(label: str, files: dict[tuple[str, ...], bytes], seed: int) -> str:
    """Grade ``files`` (from ``submission.read_files``) as ``label``."""
    from ..errors import SubmissionError
    from ..grade import run, unreadable

    start = time.perf_counter()
    try:
        report, _ = run(Path(label), seed=seed, files=files)
    except SubmissionError as exc:
        report = unreadable(Path(label), exc, time.perf_counter() - start)
    except Exception as exc:
        raise GraderFailedError(f"{label}: the grader failed: {type(exc).__name__}: {exc}") from exc
    return report.to_json()
