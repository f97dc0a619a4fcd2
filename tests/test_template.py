"""The student template: it imports, it matches the reference's API, and
it holds nothing of the solution, so every test of a part students write
fails on it."""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType

import pytest

from grader import load_cs231n, reference_root, template_root
from grader._package import SUBMODULES
from tests.reference_run import run_reference_tests


@pytest.fixture(scope="module")
def template() -> ModuleType:
    return load_cs231n(template_root(), alias="template_cs231n")


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    return load_cs231n(reference_root(), alias="reference_cs231n")


def public_api(package: ModuleType) -> dict[str, object]:
    """Every public function and class of every module, by dotted name."""
    api: dict[str, object] = {}
    for module_name in SUBMODULES:
        module = package
        for part in module_name.split("."):
            module = getattr(module, part)
        for name, obj in vars(module).items():
            defined_here = getattr(obj, "__module__", None) == module.__name__
            if not name.startswith("_") and defined_here and callable(obj):
                api[f"{module_name}.{name}"] = obj
                if inspect.isclass(obj):
                    for attr, member in vars(obj).items():
                        if inspect.isfunction(member) and (
                            attr == "__init__" or not attr.startswith("_")
                        ):
                            api[f"{module_name}.{name}.{attr}"] = member
    return api


def test_template_imports_every_module(template: ModuleType) -> None:
    assert template.classifiers.fc_net.FullyConnectedNet is not None


def test_template_matches_reference_api(template: ModuleType, reference: ModuleType) -> None:
    ours, theirs = public_api(reference), public_api(template)
    assert sorted(ours) == sorted(theirs)
    for name, obj in ours.items():
        assert inspect.signature(obj) == inspect.signature(theirs[name]), name  # type: ignore[arg-type]


def test_every_reference_test_of_student_work_fails_on_template(tmp_path: Path) -> None:
    outcomes = run_reference_tests("template", tmp_path, "-m", "not given")
    assert len(outcomes) > 100
    passed = [name for name, failed in outcomes.items() if not failed]
    assert passed == []
