"""The student template's package with the student's own files laid over it.

A student who hands in only ``layers.py``, a folder of loose module files or
a notebook is graded on what they handed in: the rest of the package comes
from the unfinished student template, whose functions raise
``NotImplementedError``, so the checks of those parts fail as not
implemented. Everything here reads the template; nothing runs it.
"""

from __future__ import annotations

import ast
import functools

from ._package import template_root

#: The modules a student writes, by the file name they may be handed in as.
MODULES: dict[str, str] = {
    "layers.py": "cs231n/layers.py",
    "layer_utils.py": "cs231n/layer_utils.py",
    "optim.py": "cs231n/optim.py",
    "fc_net.py": "cs231n/classifiers/fc_net.py",
}

ACCEPTED = ", ".join(MODULES)


def module_for(parts: tuple[str, ...]) -> str | None:
    """The package path of a handed-in file (``("fc_net.py",)`` or
    ``("classifiers", "fc_net.py")``), or None if it is not a student module."""
    if len(parts) == 1:
        return MODULES.get(parts[0])
    if len(parts) == 2 and parts[0] == "classifiers" and parts[1] == "fc_net.py":
        return MODULES["fc_net.py"]
    return None


@functools.cache
def template_files() -> dict[str, bytes]:
    """Every ``.py`` file of the template's package, by path (``cs231n/...``)."""
    root = template_root()
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted((root / "cs231n").rglob("*.py"))
        if "__pycache__" not in path.parts
    }


@functools.cache
def top_level_names() -> dict[str, frozenset[str]]:
    """The functions and classes each template module defines at its top."""
    names: dict[str, frozenset[str]] = {}
    for path, content in template_files().items():
        tree = ast.parse(content, filename=path)
        names[path] = frozenset(
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        )
    return names


def api_names() -> dict[str, str]:
    """The package's API a student writes: name -> the module that defines it
    (``dropout_forward`` -> ``cs231n/layers.py``)."""
    return {name: path for path in MODULES.values() for name in top_level_names()[path]}


def overlay_warning(taken: list[str]) -> str:
    """Say plainly what came from the student and that the rest is the template."""
    return (
        f"only part of the package was handed in: {'; '.join(taken)}. Every other file "
        "of cs231n/ is the unfinished student template, so the checks of the parts "
        "you did not hand in fail as not implemented and get 0 points. To be graded "
        "on every part, submit the zip or folder holding your whole cs231n/ package."
    )
