"""Shared fixtures. ``--impl`` chooses which ``cs231n`` package the tests of
``tests/reference/`` import: the reference (default), the student template,
or a submission (a folder holding ``cs231n/``, or a zip of one)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from grader import load_cs231n, reference_root, template_root
from grader.errors import SubmissionError
from grader.submission import open_submission


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        default="reference",
        help="cs231n package to test: 'reference', 'template', or a submission path",
    )


def _impl_root(value: str, tmp_dir: Path) -> Path:
    if value == "reference":
        return reference_root()
    if value == "template":
        return template_root()
    try:
        return open_submission(Path(value), tmp_dir / "submission").root
    except SubmissionError as exc:
        raise pytest.UsageError(f"--impl={value}: {exc}") from None


@pytest.fixture(scope="session")
def cs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The cs231n package under test, with all its submodules imported."""
    value = request.config.getoption("--impl")
    root = _impl_root(value, tmp_path_factory.mktemp("impl"))
    return load_cs231n(root, alias="impl_under_test")
