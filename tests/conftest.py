"""Shared fixtures. ``--impl`` chooses which ``cs231n`` package the tests of
``tests/reference/`` import: the reference (default), the student template,
or a submission (a folder holding ``cs231n/``, or a zip of one)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from grader import load_cs231n, reference_root, template_root


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
    path = Path(value)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp_dir)
        path = tmp_dir
    found = sorted(p.parent for p in path.rglob("cs231n/__init__.py"))
    if not found:
        raise pytest.UsageError(f"--impl={value}: no cs231n/ package found there")
    return found[0].parent


@pytest.fixture(scope="session")
def cs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The cs231n package under test, with all its submodules imported."""
    value = request.config.getoption("--impl")
    root = _impl_root(value, tmp_path_factory.mktemp("impl"))
    return load_cs231n(root, alias="impl_under_test")
