"""Auto-grader for a CS231n-style Assignment 2 (dropout, fully-connected nets,
update rules and inline questions).

In a notebook, ``from grader import check; check("dropout_forward")`` runs
the public checks of one part on the code saved on disk (grader.selfcheck).
"""

from typing import Any

from ._package import REPO_ROOT, load_cs231n, reference_root, template_root

__all__ = ["REPO_ROOT", "check", "load_cs231n", "reference_root", "template_root"]


def __getattr__(name: str) -> Any:
    if name == "check":  # imported on use: the grader's own modules never need it
        from .selfcheck import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
