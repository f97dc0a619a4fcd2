"""Assignment flavours: the same material in two styles of code.

- ``functions`` (the course's own): a ``cs231n/`` package of functions,
  ``dropout_forward(x, dropout_param) -> (out, cache)``,
  ``adam(w, dw, config) -> (next_w, config)``, ``FullyConnectedNet``.
- ``classes``: a ``common/`` package of classes, as many courses teach the
  material: ``Dropout(dropout_ratio).forward(x, train_flg)`` and
  ``backward(dout)``, optimizers ``SGD``, ``Momentum``, ``AdaGrad``,
  ``RMSprop`` and ``Adam`` with ``update(params, grads)``, and
  ``MultiLayerNet`` with L1 or L2 weight decay. Its reference and template
  live in ``flavours/classes/``.

The checks speak the function API only. A class-flavour submission is
staged with an adapter (``grader/flavours/adapter/``) as its ``cs231n/``
package: trusted code, written by the grader, that gives the checks the
function API in terms of the student's classes. It runs in the sandbox
beside the student's code; the verdicts still come from the trusted checks.
The profile ``classes`` (grader.profiles) skips the checks that have no
counterpart in the class API and adds the weight-decay checks.

``detect(files)`` tells the flavour of a submission from its file names;
``stage(files, staging, source)`` stages a class-flavour one.
"""

from __future__ import annotations

from ._classes import (
    ADAPTER,
    CLASS_MODULES,
    PACKAGE,
    Staged,
    reference_root,
    stage,
    template_root,
)

FUNCTIONS = "functions"
CLASSES = "classes"
#: Every flavour, the course's own first.
FLAVOURS = (FUNCTIONS, CLASSES)

__all__ = [
    "ADAPTER",
    "CLASSES",
    "CLASS_MODULES",
    "FLAVOURS",
    "FUNCTIONS",
    "PACKAGE",
    "Staged",
    "detect",
    "reference_root",
    "stage",
    "template_root",
]


def _holds(names: list[tuple[str, ...]], package: str, modules: frozenset[str]) -> bool:
    """Does some path have ``package/`` at its top or one folder down, and,
    when ``modules`` is given, name one of them right inside it?"""
    for parts in names:
        for depth in (0, 1):
            inside = len(parts) > depth + 1 and parts[depth] == package
            if inside and (not modules or (len(parts) == depth + 2 and parts[-1] in modules)):
                return True
    return False


def detect(files: dict[tuple[str, ...], bytes]) -> str:
    """The flavour of the files ``submission.read_files`` read: ``classes``
    when they hold the class flavour's ``common/`` package (one of its
    modules, at the top or one folder down) and no ``cs231n/`` package;
    ``functions`` otherwise (loose module files and notebooks included)."""
    names = list(files)
    if _holds(names, "cs231n", frozenset()):
        return FUNCTIONS
    if _holds(names, PACKAGE, CLASS_MODULES):
        return CLASSES
    return FUNCTIONS
