"""The reference solution, imported under an alias of its own."""

from __future__ import annotations

from types import ModuleType

from .._package import load_cs231n, reference_root


def reference() -> ModuleType:
    """The reference ``cs231n`` package, with its submodules."""
    return load_cs231n(reference_root(), alias="grader_reference_cs231n")
