"""The regularization experiment's checks: they pass on the reference under
many seeds, fail on a net whose dropout does nothing or that cannot learn,
and stop a training that is too slow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader import REPO_ROOT, template_root
from grader.checks import test_experiment as exp
from grader.grade import grade, run
from grader.report import GradeReport
from tests.grader.conftest import MakeSubmission
from tests.grader.test_fc_net_checks import MODE, NET, USE

REFERENCE = REPO_ROOT / "reference"
BACKWARD = '            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dh, cache)\n'
RETURN = "        return loss, grads\n"
SOLVER_SEED = '        seed = kwargs.pop("seed", None)\n'


def outcomes(report: GradeReport) -> dict[str, str]:
    return {c.id: c.outcome for c in report.checks}


def by_id(report: GradeReport, check_id: str) -> str:
    return next(c.message for c in report.checks if c.id == check_id)


def test_reference_passes_in_the_sandbox() -> None:
    report = grade(REPO_ROOT / "examples/submissions/reference.zip", keyword="experiment", seed=3)
    assert outcomes(report) == {
        "experiment.trains": "passed",
        "experiment.regularizes": "passed",
    }
    assert report.experiment is not None
    assert len(report.experiment.runs) == 2
    assert report.experiment.pairs == 1
    assert all(len(r.train) == exp.EPOCHS + 1 for r in report.experiment.runs)


@pytest.mark.parametrize("seed", range(100, 110))
def test_reference_margins_over_seeds(seed: int) -> None:
    """A fast sample of tools/experiment_margin.py (1000 seeds there)."""
    report, evidence = run(REFERENCE, keyword="experiment", seed=seed, isolation="none")
    assert set(outcomes(report).values()) == {"passed"}
    s = exp.summary(evidence["experiment"])
    # Far from the thresholds, not merely above them.
    assert s["train_plain"] >= 0.85
    assert s["fit_margin"] >= 5 * exp.MIN_MARGIN
    assert s["gap_margin"] >= 5 * exp.MIN_MARGIN


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ((USE, "        self.use_dropout = False\n"), "FCNET_DROPOUT_MISSING"),
        (
            (
                MODE,
                '        if self.use_dropout:\n            self.dropout_param["mode"] = "test"\n',
            ),
            "FCNET_DROPOUT_MODE",
        ),
    ],
    ids=["dropout missing", "mode stuck at test"],
)
def test_dropout_that_does_nothing_fails_regularizes(
    change: tuple[str, str], code: str, make_submission: MakeSubmission
) -> None:
    report = grade(make_submission((NET, *change)), keyword="experiment or fc_net", seed=1)
    assert outcomes(report)["experiment.trains"] == "passed"
    assert outcomes(report)["experiment.regularizes"] == "failed"
    assert "dropout did nothing" in by_id(report, "experiment.regularizes")
    check = next(c for c in report.checks if c.id == "experiment.regularizes")
    assert code in {d.code for d in check.diagnoses}
    # Retried from fresh weights, and the margins stay exactly 0 every time.
    assert report.experiment is not None and report.experiment.pairs == exp.PAIRS


def test_a_net_that_does_not_learn_fails_trains(make_submission: MakeSubmission) -> None:
    frozen = "        grads = {k: 0 * v for k, v in grads.items()}\n" + RETURN
    report = grade(make_submission((NET, RETURN, frozen)), keyword="experiment", seed=1)
    assert outcomes(report)["experiment.trains"] == "failed"
    assert "fix that first" in by_id(report, "experiment.trains")


def test_diverging_training_is_reported(make_submission: MakeSubmission) -> None:
    blowup = BACKWARD + '            grads[f"W{i}"] *= 1e200\n'
    report = grade(make_submission((NET, BACKWARD, blowup)), keyword="experiment", seed=1)
    assert set(outcomes(report).values()) == {"failed"}
    assert "diverged" in by_id(report, "experiment.trains")


def test_slow_training_is_stopped(
    make_submission: MakeSubmission, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_EXPERIMENT_SECONDS", "0.5")
    slow = BACKWARD + "            __import__('time').sleep(0.01)\n"
    report = grade(make_submission((NET, BACKWARD, slow)), keyword="experiment", seed=1)
    assert set(outcomes(report).values()) == {"error"}
    assert "did not finish within 0.5 s" in by_id(report, "experiment.trains")


def test_an_older_solver_without_seed_still_runs(make_submission: MakeSubmission) -> None:
    report = grade(
        make_submission(("solver.py", SOLVER_SEED, "        seed = None\n")),
        keyword="experiment",
        seed=2,
    )
    assert set(outcomes(report).values()) == {"passed"}


def test_template_fails_with_a_message() -> None:
    report = grade(template_root(), keyword="experiment")
    assert set(outcomes(report).values()) == {"error"}
    assert all("not implemented" in c.message for c in report.checks)


def test_dataset_is_fixed_and_noisy() -> None:
    a, b = exp.dataset(), exp.dataset()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert a["X_train"].shape == (exp.N_TRAIN, exp.D)
    assert set(np.unique(a["y_val"])) == set(range(exp.C))


def test_accuracy_is_measured_here(tmp_path: Path) -> None:
    params = exp.initial_params(np.random.default_rng(0))
    data = exp.dataset()
    scores = data["X_val"]
    for i in (1, 2):
        scores = np.maximum(scores @ params[f"W{i}"] + params[f"b{i}"], 0)
    scores = scores @ params["W3"] + params["b3"]
    want = float(np.mean(np.argmax(scores, axis=1) == data["y_val"]))
    assert exp.accuracy(params, data["X_val"], data["y_val"]) == want
