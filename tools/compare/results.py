"""What one timed run measured (a ``Row``), and its verification.

A row counts only if the tool really graded: every correct student at full
marks and every buggy one below, each as the tool itself reported it.
``verify`` refuses any other row (``UnverifiedRunError``), so a tool that failed
to run the checks (and so looked fast) never reaches the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# How a tool is driven over a class: one command per submission
# (``otter run``, ``grader grade``) or one command for the whole class
# (``nbgrader autograde``, ``grader batch``). Rows are compared with ours
# driven the same way, with the same number of jobs.
Way = Literal["a process per submission", "one command for the class"]
# What was graded: the four dropout checks' scope, or our whole assignment.
DROPOUT = "dropout parts"
WHOLE = "whole assignment"


class UnverifiedRunError(Exception):
    """A tool's run did not grade the class as its code deserves."""


@dataclass(frozen=True)
class Row:
    """One tool grading the whole class once, timed from outside its command.

    ``expected`` maps every student to whether their code is correct;
    ``scores`` maps each student the tool graded to (points, max points) as
    the tool itself reported them.
    """

    tool: str
    version: str
    way: Way
    jobs: int
    scope: str
    command: str
    seconds: float
    expected: dict[str, bool]
    scores: dict[str, tuple[float, float]]
    note: str = ""

    @property
    def n(self) -> int:
        return len(self.expected)

    @property
    def per_submission(self) -> float:
        return self.seconds / self.n

    @property
    def label(self) -> str:
        jobs = "1 at a time" if self.jobs == 1 else f"{self.jobs} at a time"
        return f"{self.tool} ({self.way}, {jobs}, {self.scope})"

    def full(self, student: str) -> bool:
        points, most = self.scores[student]
        return most > 0 and points >= most

    def full_marks(self) -> tuple[int, int]:
        """(correct students with full marks, correct students)."""
        right = [s for s, ok in self.expected.items() if ok]
        return sum(s in self.scores and self.full(s) for s in right), len(right)

    def failing(self) -> tuple[int, int]:
        """(buggy students below full marks, buggy students)."""
        buggy = [s for s, ok in self.expected.items() if not ok]
        return sum(s in self.scores and not self.full(s) for s in buggy), len(buggy)

    def figures(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "version": self.version,
            "way": self.way,
            "jobs": self.jobs,
            "scope": self.scope,
            "command": self.command,
            "note": self.note,
            "submissions": self.n,
            "seconds": round(self.seconds, 2),
            "per_submission_s": round(self.per_submission, 3),
            "correct_full_marks": "{}/{}".format(*self.full_marks()),
            "buggy_failing": "{}/{}".format(*self.failing()),
        }


def verify(row: Row) -> Row:
    """``row`` itself if the tool graded every student and graded them right;
    else ``UnverifiedRunError`` naming each student it got wrong."""
    problems = []
    missing = sorted(set(row.expected) - set(row.scores))
    if missing:
        problems.append(f"no grade for {', '.join(missing)}")
    for student, correct in sorted(row.expected.items()):
        if student not in row.scores or correct == row.full(student):
            continue
        points, most = row.scores[student]
        what = "correct but below full marks" if correct else "buggy but at full marks"
        problems.append(f"{student} is {what} ({points:g}/{most:g})")
    if not row.expected:
        problems.append("no student at all")
    elif all(row.expected.values()) or not any(row.expected.values()):
        problems.append("the class needs correct and buggy students to verify a run")
    if problems:
        raise UnverifiedRunError(
            f"{row.label} did not grade the class as expected: {'; '.join(problems)}. "
            "Its time is not reported; run with --keep DIR to read the tool's logs."
        )
    return row
