"""Broken submissions: each gets a message naming what is wrong and what to
do, and the checks that do not depend on the broken part still run."""

from __future__ import annotations

from grader.grade import grade
from grader.report import GradeReport
from tests.grader.conftest import MakeSubmission

LAST_LINE_OF_LAYERS = "    return dx\n"


def by_part(report: GradeReport) -> dict[str, set[str]]:
    parts: dict[str, set[str]] = {}
    for c in report.checks:
        parts.setdefault(c.part, set()).add(c.outcome)
    return parts


def test_syntax_error_names_the_file_and_the_rest_is_graded(
    make_submission: MakeSubmission,
) -> None:
    report = grade(make_submission(("layers.py", "def dropout_forward(", "def dropout_forward(:")))
    parts = by_part(report)
    assert parts["dropout_forward"] == {"error"} and parts["fc_net"] == {"error"}
    assert parts["optim"] == {"passed"}
    forward = next(c for c in report.checks if c.id == "dropout_forward.api")
    assert "cs231n/layers.py could not be imported (SyntaxError" in forward.message
    assert "fix that first" in forward.message
    net = next(c for c in report.checks if c.id == "fc_net.init")
    assert "cs231n/classifiers/fc_net.py could not be imported" in net.message


def test_import_time_crash_costs_only_that_module(make_submission: MakeSubmission) -> None:
    crash = ("optim.py", "import numpy as np\n", "import numpy as np\nraise RuntimeError('boom')\n")
    report = grade(make_submission(crash))
    parts = by_part(report)
    assert parts["optim"] == {"error"}
    assert parts["dropout_forward"] == parts["fc_net"] == {"passed"}
    message = next(c.message for c in report.checks if c.part == "optim")
    assert "cs231n/optim.py could not be imported (RuntimeError: boom)" in message


def test_missing_function_is_named(make_submission: MakeSubmission) -> None:
    rename = ("optim.py", "def rmsprop(", "def rms_prop(")
    report = grade(make_submission(rename), keyword="optim")
    failed = {c.id: c.message for c in report.checks if c.outcome != "passed"}
    assert {"optim.rmsprop.one_step", "optim.rmsprop.multi_step"} <= set(failed)
    assert all(check_id.startswith("optim.rmsprop.") for check_id in failed)
    assert all(
        "rmsprop is missing" in m and "has no attribute 'rmsprop'" in m for m in failed.values()
    )


def test_missing_given_files_come_from_the_template() -> None:
    """reference/ links its given files, and links are never followed: the
    staged package must still import, with a warning naming what was filled."""
    from grader import reference_root

    report = grade(reference_root(), keyword="fc_net or optim.adam")
    assert report.checks and report.score == report.max_score
    (warning,) = report.warnings
    assert "cs231n/layer_utils.py" in warning and "cs231n/solver.py" in warning
    assert "cs231n/layers.py" not in warning
