"""docs/report_schema.md documents every field report.json has."""

from __future__ import annotations

import json
import re
from dataclasses import fields

from grader import REPO_ROOT
from grader.report import (
    SCHEMA_VERSION,
    CheckResult,
    Diagnosis,
    Experiment,
    GradeReport,
    InlineAnswer,
    OutputCheck,
    TrainingRun,
)

DOC = REPO_ROOT / "docs" / "report_schema.md"


def _documented(section: str) -> set[str]:
    """The names in the first column of the table under ``## section``."""
    text = DOC.read_text(encoding="utf-8").split(f"\n## {section}\n", 1)[1]
    text = re.split(r"\n##+ ", text, maxsplit=1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", text, re.MULTILINE))


def test_report_schema_doc_lists_every_field() -> None:
    expected = {f.name for f in fields(GradeReport)} | {"score", "max_score"}
    assert _documented("The report") == expected, "update docs/report_schema.md"
    assert _documented("A check") == {f.name for f in fields(CheckResult)}
    assert _documented("A diagnosis") == {f.name for f in fields(Diagnosis)}
    assert _documented("An inline answer") == {f.name for f in fields(InlineAnswer)}
    assert _documented("An experiment") == {f.name for f in fields(Experiment)}
    assert _documented("A training run") == {f.name for f in fields(TrainingRun)}
    assert _documented("An output check") == {f.name for f in fields(OutputCheck)}
    assert f"# report.json, schema version {SCHEMA_VERSION}\n" in DOC.read_text(encoding="utf-8")


def test_report_schema_doc_example_has_the_shape_of_a_real_report(
    no_rescale_report: GradeReport,
) -> None:
    example = json.loads(DOC.read_text(encoding="utf-8").split("```json\n")[1].split("```")[0])
    real = json.loads(no_rescale_report.to_json())
    assert example.keys() == real.keys()
    assert example["checks"][0].keys() == real["checks"][0].keys()
    assert example["checks"][0]["diagnoses"][0].keys() == {f.name for f in fields(Diagnosis)}
