"""Fixtures for the class flavour's tests: its packages imported under
aliases, and submissions built from its reference with chosen lines changed."""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from grader import flavours

MODULES = ("layers", "optimizer", "multi_layer_net")


@pytest.fixture(autouse=True, scope="package")
def class_flavour_config() -> Iterator[None]:
    """Grade by the class flavour's config, as a course of that flavour does."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_CONFIG", str(class_config()))
        yield


def class_config() -> Path:
    return flavours.reference_root().parent / "assignment.toml"


#: make_class_submission((module, old, new), ...) -> a submission folder.
MakeClassSubmission = Callable[..., Path]


def load_common(root: Path, alias: str) -> ModuleType:
    """Import ``root/common`` as the package ``alias``, with its modules."""
    if alias in sys.modules:
        return sys.modules[alias]
    folder = root / flavours.PACKAGE
    spec = importlib.util.spec_from_file_location(
        alias, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    spec.loader.exec_module(package)
    for name in MODULES:
        importlib.import_module(f"{alias}.{name}")
    return package


@pytest.fixture(scope="session")
def reference() -> ModuleType:
    return load_common(flavours.reference_root(), "class_flavour_reference")


@pytest.fixture(scope="session")
def template() -> ModuleType:
    return load_common(flavours.template_root(), "class_flavour_template")


def changed(root: Path, changes: tuple[tuple[str, str, str], ...]) -> None:
    """Apply (module, old, new) to root/common/<module>.py; old must occur once."""
    for module, old, new in changes:
        path = root / flavours.PACKAGE / f"{module}.py"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {module}.py"
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def make_class_submission(tmp_path: Path) -> MakeClassSubmission:
    """make_class_submission((module, old, new), ...) -> a folder holding the
    class reference's common/ with each change made."""

    def make(*changes: tuple[str, str, str]) -> Path:
        root = tmp_path / f"submission{len(list(tmp_path.iterdir()))}"
        shutil.copytree(
            flavours.reference_root() / flavours.PACKAGE,
            root / flavours.PACKAGE,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        changed(root, changes)
        return root

    return make
