"""Reports to render: two real grades of the bundled examples, and one built by
hand from the hostile text a student's code can put in a report."""

from __future__ import annotations

import pytest

from grader import REPO_ROOT
from grader.grade import grade
from grader.report import CheckResult, Diagnosis, GradeReport

SUBMISSIONS = REPO_ROOT / "examples" / "submissions"

# Each payload, if it ever became markup, would change the page's title.
SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned-img'\">"
SVG = '"><svg onload="document.title=\'pwned-svg\'"></svg>'
CLOSE_PRE = "</pre></details><script>document.title='pwned-pre'</script>"
LONG_LINE = "x" * 5000  # no break opportunity at all
NON_ASCII = "中文 한국어 Ελληνικά émoji 🎓"


@pytest.fixture(scope="session")
def reference_report() -> GradeReport:
    return grade(SUBMISSIONS / "reference.zip", seed=1)


@pytest.fixture(scope="session")
def no_rescale_report() -> GradeReport:
    return grade(SUBMISSIONS / "no_rescale.zip", seed=1)


@pytest.fixture(scope="session")
def hostile_report() -> GradeReport:
    printed = f"epoch 1 {SCRIPT}\n{IMG}\n{LONG_LINE}\n{NON_ASCII}\n"
    return GradeReport(
        submission=f"</title>{SCRIPT}evil.zip",
        profile="template",
        isolation="bwrap",
        seconds=1.5,
        warnings=(f"warning with {IMG}",),
        events=(f"dropout_forward: the worker was killed {SCRIPT}",),
        output=printed,
        output_bytes=len(printed.encode()) + 1000,  # as if more was printed than kept
        seed=42,
        checks=(
            CheckResult(
                id="dropout_forward.scaling",
                part="dropout_forward",
                title=f"title {SVG}",
                outcome="failed",
                points=0.5,
                max_points=2,
                message=f"{SCRIPT} {NON_ASCII} {LONG_LINE}",
                public=True,
                seconds=0.1,
                diagnoses=(
                    Diagnosis(
                        code="DROPOUT_UNSCALED",
                        title=f"kept units {IMG}",
                        explanation=f"explanation {SVG}",
                        hint=f"hint {SCRIPT}",
                    ),
                ),
                detail=f"Traceback (most recent call last):\n{CLOSE_PRE}\n{LONG_LINE}\n",
            ),
            CheckResult(
                id="dropout_forward.api",
                part="dropout_forward",
                title="returns (out, cache)",
                outcome="passed",
                points=1,
                max_points=1,
                message="",
                public=False,
                seconds=0.1,
            ),
            CheckResult(
                id="optim.adam.one_step",
                part="optim",
                title="adam: one update",
                outcome="error",
                points=0,
                max_points=2,
                message=f"ZeroDivisionError {IMG}",
                public=True,
                seconds=0.1,
                detail=f"{CLOSE_PRE}",
            ),
            CheckResult(
                id="fc_net.dropout_test",
                part="fc_net",
                title="not this course year",
                outcome="skipped",
                points=0,
                max_points=5,
                message="not part of the 2017 assignment, so not graded",
                public=True,
                seconds=0.0,
            ),
        ),
    )


@pytest.fixture(scope="session")
def reports(
    reference_report: GradeReport, no_rescale_report: GradeReport, hostile_report: GradeReport
) -> dict[str, GradeReport]:
    return {
        "reference": reference_report,
        "no_rescale": no_rescale_report,
        "hostile": hostile_report,
    }
