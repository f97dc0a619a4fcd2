"""Staging a class-flavour submission.

The staged folder holds the student's ``common/`` package and notebooks
as handed in, and a ``cs231n/`` package the grader writes: the adapter
(``grader/flavours/adapter/``) and the student template's given files
(``solver.py``, ``layer_utils.py``, ...). A module of ``common/`` the
submission lacks is taken from the class-flavour template, with a warning,
so its checks fail as not implemented.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from .._overlay import template_files
from .._package import RELEASE_TEMPLATES, REPO_ROOT
from ..errors import SubmissionError

#: The student's package in the class flavour.
PACKAGE = "common"
#: The modules of that package a student writes.
CLASS_MODULES = frozenset({"layers.py", "optimizer.py", "multi_layer_net.py"})
#: The adapter's sources, staged as cs231n/.
ADAPTER = Path(__file__).resolve().parent / "adapter"
#: Files of the function template the adapter stands in for.
_ADAPTED = frozenset(
    {"cs231n/__init__.py", "cs231n/layers.py", "cs231n/optim.py"}
    | {"cs231n/classifiers/__init__.py", "cs231n/classifiers/fc_net.py"}
)


def reference_root() -> Path:
    """The folder that holds the class flavour's reference ``common/``."""
    return REPO_ROOT / "flavours" / "classes" / "reference"


def template_root() -> Path:
    """The folder that holds the class flavour's template ``common/``."""
    folder = REPO_ROOT / "flavours" / "classes" / "template"
    return folder if folder.is_dir() or not RELEASE_TEMPLATES.is_dir() else RELEASE_TEMPLATES


@dataclass(frozen=True)
class Staged:
    """What ``stage`` wrote: the student's files and notebooks (as staged
    paths), and what a report should say about them."""

    files: tuple[str, ...]
    notebooks: tuple[str, ...]
    warnings: tuple[str, ...]


def _tree(root: Path, into: str) -> dict[str, bytes]:
    """Every .py file under ``root``, by its staged path under ``into``."""
    return {
        f"{into}/{path.relative_to(root).as_posix()}": path.read_bytes()
        for path in sorted(root.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


@functools.cache
def template_package() -> dict[str, bytes]:
    """The class template's ``common/`` files, by staged path."""
    return _tree(template_root() / PACKAGE, PACKAGE)


@functools.cache
def adapter_package() -> dict[str, bytes]:
    """The staged ``cs231n/``: the adapter and the template's given files."""
    given = {path: content for path, content in template_files().items() if path not in _ADAPTED}
    return given | _tree(ADAPTER, "cs231n")


def _prefix(names: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The path parts above ``common/``: () or one folder."""
    prefixes = sorted(
        {n[:depth] for n in names for depth in (0, 1) if len(n) > depth + 1 and n[depth] == PACKAGE}
    )
    if not prefixes:
        raise SubmissionError("no common/ package found")  # detect() said there is one
    return prefixes[0]


def _write(staging: Path, path: str, content: bytes) -> None:
    target = staging / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def stage(files: dict[tuple[str, ...], bytes], staging: Path, source: Path) -> Staged:
    """Stage the class-flavour submission ``files`` (read from ``source`` by
    ``submission.read_files``) into the empty folder ``staging``."""
    prefix = _prefix(list(files))
    written: list[str] = []
    notebooks: list[str] = []
    warnings: list[str] = []
    for parts, content in sorted(files.items()):
        if parts[: len(prefix)] != prefix:
            warnings.append(f"ignored {'/'.join(parts)}: outside the submission's folder")
            continue
        rel = parts[len(prefix) :]
        if rel[-1].endswith(".ipynb"):
            notebooks.append("/".join(rel))
        elif rel[0] != PACKAGE:
            continue
        path = "/".join(rel)
        _write(staging, path, content)
        written.append(path)
    missing = [p for p in template_package() if not (staging / p).is_file()]
    for path in missing:
        _write(staging, path, template_package()[path])
    taught = [p for p in missing if p.rsplit("/", 1)[-1] in CLASS_MODULES]
    if taught:
        warnings.append(
            f"{', '.join(taught)} {'was' if len(taught) == 1 else 'were'} missing from the "
            "submission; the unfinished class-flavour template was used instead, so the "
            "checks of that part fail as not implemented"
        )
    for path, content in adapter_package().items():
        _write(staging, path, content)
    for folder in [p for p in staging.rglob("*") if p.is_dir()] + [staging]:
        folder.chmod(0o755)
    for file in staging.rglob("*"):
        if file.is_file():
            file.chmod(0o644)
    return Staged(tuple(written), tuple(notebooks), tuple(warnings))
