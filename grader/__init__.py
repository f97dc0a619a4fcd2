"""Auto-grader for a CS231n-style Assignment 2 (dropout, fully-connected nets,
update rules and inline questions).

In a notebook, ``from grader import check; check("dropout_forward")`` runs
the public checks of one part on the code saved on disk (grader.selfcheck).
"""

import os
from typing import Any

from ._package import REPO_ROOT, load_cs231n, reference_root, template_root

# A grade runs in one process beside its sandboxed worker, which computes
# while this one waits and the other way round. BLAS threads here would only
# spin against the worker for the machine's cores: one thread each (set
# before numpy is first imported; the worker sets the same for itself).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

__all__ = ["REPO_ROOT", "check", "load_cs231n", "reference_root", "template_root"]


def __getattr__(name: str) -> Any:
    if name == "check":  # imported on use: the grader's own modules never need it
        from .selfcheck import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
