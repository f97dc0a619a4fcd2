"""Auto-grader for a CS231n-style Assignment 2 (dropout, fully-connected nets,
update rules and inline questions)."""

from ._package import REPO_ROOT, load_cs231n, reference_root, template_root

__all__ = ["REPO_ROOT", "load_cs231n", "reference_root", "template_root"]
