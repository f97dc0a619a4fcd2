"""The grader tests' fixtures, for fault injection too."""

from tests.grader.conftest import make_submission

__all__ = ["make_submission"]
