"""The unit of work a batch hands to an executor: grade one submission's
files, return report.json's text.

It runs in a pool process or on a Dask worker, which has the grader
installed; the student's code still runs only in the sandboxed worker that
``grade`` starts there. Arguments and the answer are plain data (bytes and
strings: the assignment config and its rubric travel as their text), so a
remote worker needs no shared file system.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import AssignmentConfig


@functools.cache
def _config(config_text: str, rubric_text: str | None) -> AssignmentConfig:
    """The config a job's text gives, validated once per process."""
    from ..config import parse

    return parse(config_text, rubric_text=rubric_text)


class GraderFailedError(Exception):
    """The grader itself failed on a submission (not the student's code)."""


def grade_job(
    label: str,
    files: dict[tuple[str, ...], bytes],
    seed: int,
    config_text: str | None = None,
    rubric_text: str | None = None,
) -> str:
    """Grade ``files`` (from ``submission.read_files``) as ``label``.

    ``config_text`` is the assignment config's TOML and ``rubric_text`` its
    rubric's (``AssignmentConfig.text`` and ``.rubric_text``); without them,
    the config this process finds (GRADER_CONFIG, else assignment.toml)."""
    from ..config import current
    from ..errors import SubmissionError
    from ..grade import run, unreadable

    start = time.perf_counter()
    config = _config(config_text, rubric_text) if config_text is not None else current()
    try:
        report, _ = run(Path(label), seed=seed, files=files, config=config, warm=True)
    except SubmissionError as exc:
        report = unreadable(Path(label), exc, time.perf_counter() - start, config)
    except Exception as exc:
        raise GraderFailedError(f"{label}: the grader failed: {type(exc).__name__}: {exc}") from exc
    return report.to_json()
