"""The grader's errors. One root, two sides of blame::

    GraderError
    ├── SubmissionError    the submission cannot be graded as handed in
    │                      (unreadable or unsafe zip, corrupt notebook,
    │                      nothing gradable in it); the student fixes it
    └── UsageError         the grader was called wrongly (bad option,
                           unknown check id); the instructor fixes it

Student code that crashes, hangs or misbehaves is *not* an error of the
grader: it becomes failed checks with a message, and grading goes on.
Every message says what happened, the likely cause and the next step.
"""

from __future__ import annotations


class GraderError(Exception):
    """Root of the grader's own errors; ``str()`` is the message for people."""


class SubmissionError(GraderError):
    """The submission cannot be graded as handed in."""


class UsageError(GraderError):
    """The grader was called with options it cannot act on."""
