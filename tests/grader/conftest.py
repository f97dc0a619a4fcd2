"""Fixtures for the grader's tests: submissions built from the reference
with chosen lines changed, graded end to end."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from grader import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "examples"))
from build_submissions import Bug, Example, files_of

MakeSubmission = Callable[..., Path]


@pytest.fixture
def make_submission(tmp_path: Path) -> MakeSubmission:
    """make_submission((file, old, new), ...) -> a folder holding the
    reference's cs231n/ with each `old` (exactly once in `file`) replaced."""

    def make(*changes: tuple[str, str, str]) -> Path:
        root = tmp_path / f"submission{len(list(tmp_path.iterdir()))}"
        example = Example("test", "", tuple(Bug(*c) for c in changes))
        for name, content in files_of(example).items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return root

    return make
