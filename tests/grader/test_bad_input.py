"""Broken submissions: each gets a message naming what is wrong and what to
do, and the checks that do not depend on the broken part still run."""

from __future__ import annotations

import pytest

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


def test_a_function_that_hangs_costs_one_deadline_and_says_so(
    make_submission: MakeSubmission, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dropout_forward loops forever: its first call times out, and every
    later call of it in the grade fails at once instead of waiting again (the
    dropout checks, dropout_backward's and the net's call it four times over)."""
    monkeypatch.setenv("GRADER_CALL_SECONDS", "1.5")
    hang = (
        "layers.py",
        '    p, mode = dropout_param["p"], dropout_param["mode"]\n',
        '    p, mode = dropout_param["p"], dropout_param["mode"]\n    while True:\n        pass\n',
    )
    report = grade(make_submission(hang), keyword="dropout")
    failed = {c.id: c.message for c in report.checks if c.points < c.max_points}
    assert set(failed) == {c.id for c in report.checks}  # each needs dropout_forward
    skipped = [m for m in failed.values() if "not called again" in m]
    timed_out = [m for m in failed.values() if m not in skipped and "did not answer" in m]
    assert timed_out and skipped and len(timed_out) + len(skipped) == len(failed), failed
    assert all(m.startswith("dropout_forward: ") for m in skipped), skipped
    assert any("(1.5 s) when called earlier in this grade" in m for m in skipped)
    hung = [e for e in report.events if "did not answer" in e]
    # One deadline waited for, not one per fixture that calls it.
    assert hung == ["dropout_forward: it did not answer within the time limit"], report.events
