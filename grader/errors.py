"""The grader's errors. One root, two sides of blame::

    GraderError
    ├── SubmissionError    the submission cannot be graded as handed in
    │                      (unreadable or unsafe zip, corrupt notebook,
    │                      nothing gradable in it); the student fixes it
    └── UsageError         the grader was called wrongly (bad option,
        │                  unknown check id); the instructor fixes it
        └── ConfigError    the assignment config (assignment.toml) is not
                           valid: each problem under its key path, with
                           the valid values

Student code that crashes, hangs or misbehaves is *not* an error of the
grader: it becomes failed checks with a message, and grading goes on.
Every message says what happened, the likely cause and the next step.
"""

from __future__ import annotations

from pathlib import Path


class GraderError(Exception):
    """Root of the grader's own errors; ``str()`` is the message for people."""


class SubmissionError(GraderError):
    """The submission cannot be graded as handed in."""


class UsageError(GraderError):
    """The grader was called with options it cannot act on."""


class ConfigError(UsageError):
    """The assignment config cannot be used. ``problems`` holds one line per
    problem, each starting with its key path (``limits.memory_mb: ...``)."""

    def __init__(
        self, message: str, *, source: Path | None = None, problems: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.source = source
        self.problems = problems or (message,)

    @classmethod
    def listing(cls, where: str, problems: list[str], source: Path | None) -> ConfigError:
        """One error for every problem found in the file ``where``."""
        hint = "docs/config.md lists every key, its type and its valid values"
        if len(problems) == 1:
            return cls(f"{where}: {problems[0]}\n({hint})", source=source, problems=(problems[0],))
        lines = "\n".join(f"  {p}" for p in problems)
        return cls(
            f"{where}: {len(problems)} problems:\n{lines}\n({hint})",
            source=source,
            problems=tuple(problems),
        )
