"""What a batch run produces for each student: the unit that exports and the
class dashboard read.

A ``StudentResult`` holds the student's report exactly as report.json has
it (a dictionary; docs/report_schema.md), where its files were written,
and what the batch noticed about the submission (a duplicate of another
student's, a name clash, a flagged notebook output...). Exports and the
dashboard only read these; they never grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StudentResult:
    student: str  # the submission's name in the folder, without its suffix
    entry: str  # the file or folder name in the batch folder
    content_hash: str  # sha256 of the submission's content (hex)
    report: dict[str, Any]  # report.json's content
    report_html: str = ""  # path of report.html, relative to the batch's output folder
    notes: tuple[str, ...] = field(default=())  # what the batch noticed, for people

    @property
    def score(self) -> float:
        return float(self.report.get("score", 0.0))

    @property
    def max_score(self) -> float:
        return float(self.report.get("max_score", 0.0))
