"""The data a grade is made of, and its JSON form.

Frozen dataclasses flow one way: the plugin makes ``CheckResult`` values,
``grade`` gathers them into a ``GradeReport``, and the renderers only read
it. ``report.json`` is ``GradeReport.to_json()``; its schema is versioned by
``SCHEMA_VERSION`` and documented in docs/report_schema.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SCHEMA_VERSION = 1

Outcome = Literal["passed", "failed", "error", "skipped"]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """Text that can be printed and written as UTF-8: a lone surrogate (from a
    student's exception message, say) becomes U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value


class _Text:
    """Dataclasses whose text fields hold student-made text: cleaned on creation."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            cleaned = _clean(value)
            if cleaned is not value and cleaned != value:
                object.__setattr__(self, f.name, cleaned)


@dataclass(frozen=True)
class Diagnosis(_Text):
    code: str
    title: str
    explanation: str
    hint: str


@dataclass(frozen=True)
class CheckResult(_Text):
    id: str
    part: str
    title: str
    outcome: Outcome
    points: float
    max_points: float
    message: str
    public: bool
    seconds: float
    diagnoses: tuple[Diagnosis, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class InlineAnswer(_Text):
    """A notebook's inline question, the student's answer, and the rubric's
    suggestion. Graded apart from the checks: not part of ``score``."""

    question: str
    notebook: str
    status: str  # answered | unanswered | missing
    text: str
    suggested: float
    max_points: float
    auto: bool  # scored by the rubric without a TA
    found: tuple[str, ...] = ()  # key points found
    contradictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutputCheck(_Text):
    """One number a notebook printed in a dropout cell, against what the
    submitted code gives for the same computation. Evidence, never points."""

    notebook: str
    cell: int  # the code cell's index in the notebook, from 0
    label: str  # what was printed, e.g. "train zeros (p = 0.25)"
    printed: str
    rerun: str  # "" when it could not be run again
    verdict: str  # consistent | mismatch | not rerun
    note: str = ""


@dataclass(frozen=True)
class TrainingRun:
    """One net of the regularization experiment: its accuracies, measured by
    the grader, before training (index 0) and after each epoch."""

    keep: float  # keep probability of its dropout layers; 1.0 = no dropout
    train: tuple[float, ...]
    val: tuple[float, ...]


@dataclass(frozen=True)
class Experiment:
    """The regularization experiment (checks experiment.*), for the report's plot."""

    description: str
    runs: tuple[TrainingRun, ...]
    seconds: float
    error: str = ""  # why training stopped, when it did
    pairs: int = 1  # pairs of trainings run; runs are the last pair


@dataclass(frozen=True)
class GradeReport(_Text):
    submission: str
    profile: str
    isolation: str
    checks: tuple[CheckResult, ...]
    seconds: float
    warnings: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    output: str = ""
    output_bytes: int = 0
    seed: int | None = None
    profile_reason: str = ""
    answers: tuple[InlineAnswer, ...] = ()
    experiment: Experiment | None = None
    outputs: tuple[OutputCheck, ...] = ()
    schema_version: int = SCHEMA_VERSION
    grader_version: str = field(default="0.1.0")

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_points for c in self.checks if c.outcome != "skipped"), 6)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"], data["max_score"] = self.score, self.max_score
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradeReport:
        """The report that ``to_dict`` wrote (report.json), e.g. from a results store.
        Unknown keys are ignored, so an older grader reads a newer report."""

        def build(kind: Any, values: dict[str, Any]) -> Any:
            names = {f.name for f in fields(kind)}
            return kind(**{k: v for k, v in values.items() if k in names})

        checks = tuple(
            build(
                CheckResult,
                {**c, "diagnoses": tuple(build(Diagnosis, d) for d in c.get("diagnoses", ()))},
            )
            for c in data.get("checks", ())
        )
        answers = tuple(
            build(
                InlineAnswer,
                {
                    **a,
                    "found": tuple(a.get("found", ())),
                    "contradictions": tuple(a.get("contradictions", ())),
                },
            )
            for a in data.get("answers", ())
        )
        experiment = data.get("experiment")
        if isinstance(experiment, dict):
            runs = tuple(
                TrainingRun(r["keep"], tuple(r["train"]), tuple(r["val"]))
                for r in experiment.get("runs", ())
            )
            experiment = build(Experiment, {**experiment, "runs": runs})
        top = {
            **data,
            "checks": checks,
            "answers": answers,
            "experiment": experiment,
            "outputs": tuple(
                OutputCheck(
                    notebook=str(o.get("notebook", "")),
                    cell=int(o.get("cell", 0) or 0),
                    label=str(o.get("label", "")),
                    printed=str(o.get("printed", "")),
                    rerun=str(o.get("rerun", "")),
                    verdict=str(o.get("verdict", "")),
                    note=str(o.get("note", "")),
                )
                for o in data.get("outputs", ())
                if isinstance(o, dict)
            ),
            "warnings": tuple(data.get("warnings", ())),
            "events": tuple(data.get("events", ())),
        }
        report: GradeReport = build(cls, top)
        return report
