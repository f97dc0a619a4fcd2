"""The L1 weight-decay checks, a part only the class flavour has: each
misconception named on a network with its bug, and the checks left out of
the function flavour's grades altogether."""

from __future__ import annotations

import pytest

from grader import REPO_ROOT
from grader.grade import grade, run
from grader.registry import MISCONCEPTIONS, load_all
from tests.flavours.conftest import MakeClassSubmission

NET = "multi_layer_net"
L1_LOSS = '        if self.weight_decay_type == "L1":\n'
L1_DECAY = "decay = self.weight_decay_lambda * sum(np.sum(np.abs(w)) for w in weights)"
PENALTY = (
    '            penalty = lam * np.sign(weights) if self.weight_decay_type == "L1" '
    "else lam * weights\n"
)
CHECKS = {"weight_decay.l1_loss", "weight_decay.l1_gradients"}

# name -> (changes, the checks that fail, the misconception named)
BUGS = {
    "the type ignored: always L2": (
        [
            (NET, L1_LOSS, "        if False:\n"),
            (NET, PENALTY, "            penalty = lam * weights\n"),
        ],
        CHECKS,
        "WEIGHT_DECAY_L1_AS_L2",
    ),
    "0.5 of the L2 penalty kept": (
        [
            (NET, L1_DECAY, L1_DECAY.replace("= self.", "= 0.5 * self.")),
            (NET, PENALTY, PENALTY.replace("lam * np.sign", "0.5 * lam * np.sign")),
        ],
        CHECKS,
        "WEIGHT_DECAY_L1_HALF",
    ),
    "L1 gradient left out": (
        [(NET, PENALTY, PENALTY.replace("lam * np.sign(weights)", "0"))],
        {"weight_decay.l1_gradients"},
        "WEIGHT_DECAY_L1_GRADIENT",
    ),
    "L2 gradient with the L1 loss": (
        [(NET, PENALTY, "            penalty = lam * weights\n")],
        {"weight_decay.l1_gradients"},
        "WEIGHT_DECAY_L1_GRADIENT",
    ),
}


def test_every_weight_decay_misconception_is_tested() -> None:
    load_all()
    declared = {m.code for m in MISCONCEPTIONS.values() if m.checks[0].startswith("weight_decay")}
    assert declared == {code for _, _, code in BUGS.values()}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_bug_fails_its_checks_and_is_diagnosed(
    name: str, make_class_submission: MakeClassSubmission
) -> None:
    changes, must_fail, code = BUGS[name]
    report = grade(make_class_submission(*changes), keyword="weight_decay")
    assert {c.id for c in report.checks if c.outcome == "failed"} == must_fail
    assert {d.code for c in report.checks for d in c.diagnoses} == {code}


def test_reference_shows_no_weight_decay_mistake(
    make_class_submission: MakeClassSubmission,
) -> None:
    report, evidence = run(make_class_submission(), keyword="weight_decay")
    assert {c.id: c.outcome for c in report.checks} == dict.fromkeys(CHECKS, "passed")
    codes = [m for m in MISCONCEPTIONS.values() if m.checks[0].startswith("weight_decay")]
    assert not [m.code for m in codes if m.detect(evidence)]


def test_function_flavour_grades_leave_the_checks_out() -> None:
    reference = REPO_ROOT / "examples" / "submissions" / "reference.zip"
    report = grade(reference, keyword="weight_decay or layers.relu")
    assert [c.id for c in report.checks] == ["layers.relu"]


def test_the_config_flavour_warns_about_a_submission_in_the_other_flavour(
    make_class_submission: MakeClassSubmission,
) -> None:
    from grader import config

    classes = config.parse('[assignment]\nflavour = "classes"\n')
    functions = config.builtin()
    submission = make_class_submission()
    matching = grade(submission, keyword="weight_decay", config=classes)
    assert not [w for w in matching.warnings if "flavour" in w]
    assert {c.id: c.outcome for c in matching.checks} == dict.fromkeys(CHECKS, "passed")
    other = grade(submission, keyword="weight_decay", config=functions)
    assert [w for w in other.warnings if "this assignment is in the functions flavour" in w]
    # Graded all the same, by its own flavour's checks: no result is lost.
    assert {c.id: c.outcome for c in other.checks} == dict.fromkeys(CHECKS, "passed")
