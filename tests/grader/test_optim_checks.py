"""Each update-rule check and misconception: it fails (and names the mistake)
on a submission with the bug, passes on the reference, and reports the
template's rules as not implemented (except sgd, which the template gives
complete)."""

from __future__ import annotations

import pytest

from grader import REPO_ROOT, template_root
from grader.checks.test_optim import RULES
from grader.grade import grade, run
from grader.registry import MISCONCEPTIONS
from grader.report import GradeReport
from tests.grader.conftest import MakeSubmission

RMS_CACHE = '    cache = decay * config["cache"] + (1 - decay) * dw**2\n'
RMS_STEP = '    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])\n'
ADAM_STEP = (
    '    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n'
)
ADAGRAD_CACHE = '    cache = config["cache"] + dw**2\n'
KINDS = ("one_step", "multi_step", "defaults", "edge")

# misconception -> (changes to optim.py, the check that must fail)
BUGS = {
    "MOMENTUM_VELOCITY_SIGN": (
        [("    next_w = w + v\n", "    next_w = w - v\n")],
        "optim.sgd_momentum.one_step",
    ),
    "OPTIM_STATE_NOT_SAVED": (
        [('    config["velocity"] = v\n', "")],
        "optim.sgd_momentum.multi_step",
    ),
    "RMSPROP_EPS_PLACEMENT": (
        [
            (
                RMS_CACHE + RMS_STEP,
                RMS_CACHE
                + RMS_STEP.replace(
                    '(np.sqrt(cache) + config["epsilon"])', 'np.sqrt(cache + config["epsilon"])'
                ),
            )
        ],
        "optim.rmsprop.one_step",
    ),
    "RMSPROP_DECAY": (
        [(RMS_CACHE, '    cache = (1 - decay) * config["cache"] + decay * dw**2\n')],
        "optim.rmsprop.one_step",
    ),
    "ADAM_NO_BIAS_CORRECTION": (
        [
            (
                "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
                "    m_hat, v_hat = m, v\n",
            )
        ],
        "optim.adam.one_step",
    ),
    "ADAM_T_ORDER": (
        [
            ('    t = config["t"] + 1\n', '    t = config["t"]\n'),
            (
                '    config["m"], config["v"], config["t"] = m, v, t\n',
                '    config["m"], config["v"], config["t"] = m, v, t + 1\n',
            ),
        ],
        "optim.adam.one_step",
    ),
    "ADAM_EPS_PLACEMENT": (
        [
            (
                ADAM_STEP,
                ADAM_STEP.replace(
                    '(np.sqrt(v_hat) + config["epsilon"])', 'np.sqrt(v_hat + config["epsilon"])'
                ),
            )
        ],
        "optim.adam.one_step",
    ),
    "ADAGRAD_EPS_PLACEMENT": (
        [
            (
                ADAGRAD_CACHE + RMS_STEP,
                ADAGRAD_CACHE
                + RMS_STEP.replace(
                    '(np.sqrt(cache) + config["epsilon"])', 'np.sqrt(cache + config["epsilon"])'
                ),
            )
        ],
        "optim.adagrad.one_step",
    ),
}

# name -> (changes to optim.py, exactly the checks that fail, misconceptions
# named, {check: what its message says}). Bugs that do not get in each
# other's way share a submission, one grade for several.
GROUPS = {
    "sgd uphill, adam's default rate, dw scaled in place, adagrad's cache lost": (
        [
            (
                '    w -= config["learning_rate"] * dw\n',
                '    w += config["learning_rate"] * dw\n',
            ),
            (
                '    config.setdefault("learning_rate", 1e-3)\n',
                '    config.setdefault("learning_rate", 1e-2)\n',
            ),
            (
                '    v = config["momentum"] * v - config["learning_rate"] * dw\n',
                '    dw *= config["learning_rate"]\n    v = config["momentum"] * v - dw\n',
            ),
            (
                ADAGRAD_CACHE + RMS_STEP + '\n    config["cache"] = cache\n',
                ADAGRAD_CACHE + RMS_STEP + "\n",
            ),
        ],
        {"optim.sgd.one_step", "optim.sgd.multi_step", "optim.sgd.edge"}
        | {"optim.adam.defaults", "optim.sgd_momentum.edge"}
        | {"optim.adagrad.one_step", "optim.adagrad.multi_step"},
        {"OPTIM_STATE_NOT_SAVED"},
        {
            "optim.adam.defaults": "config['learning_rate'] should be the documented default 0.001",
            "optim.sgd_momentum.edge": "changed its argument dw in place",
        },
    ),
    "adam's epsilon added after the division, momentum's velocity starting at ones": (
        [
            (
                ADAM_STEP,
                '    next_w = w - config["learning_rate"] * '
                '(m_hat / np.sqrt(v_hat) + config["epsilon"])\n',
            ),
            (
                '    v = config.get("velocity", np.zeros_like(w))\n',
                '    v = config.get("velocity", np.ones_like(w))\n',
            ),
        ],
        {"optim.adam.one_step", "optim.adam.edge"}
        | {f"optim.sgd_momentum.{kind}" for kind in ("multi_step", "defaults", "edge")},
        set(),
        {
            "optim.adam.edge": "0 / 0",
            "optim.sgd_momentum.defaults": "takes a different step than with the documented",
        },
    ),
    "adagrad's epsilon inside the square root": (
        BUGS["ADAGRAD_EPS_PLACEMENT"][0],
        {"optim.adagrad.one_step", "optim.adagrad.edge"},
        {"ADAGRAD_EPS_PLACEMENT"},
        {"optim.adagrad.edge": "gradients of about 1e-12 should move w"},
    ),
}


def failed(report: GradeReport) -> set[str]:
    return {c.id for c in report.checks if c.outcome != "passed"}


def test_reference_passes_every_optimizer_check_and_shows_no_mistake() -> None:
    report, evidence = run(
        REPO_ROOT / "examples" / "submissions" / "reference.zip", keyword="optim"
    )
    assert {c.id for c in report.checks} == {f"optim.{r}.{k}" for r in RULES for k in KINDS}
    assert failed(report) == set()
    optim_codes = [m for m in MISCONCEPTIONS.values() if m.checks[0].startswith("optim.")]
    # Not even asked, no detector of this part fires on a correct submission.
    assert not [m.code for m in optim_codes if m.detect(evidence)]


@pytest.mark.parametrize("code", sorted(BUGS))
def test_bug_fails_its_check_and_is_diagnosed(code: str, make_submission: MakeSubmission) -> None:
    changes, must_fail = BUGS[code]
    submission = make_submission(*[("optim.py", old, new) for old, new in changes])
    report = grade(submission, keyword="optim")
    result = next(c for c in report.checks if c.id == must_fail)
    assert result.outcome == "failed"
    assert code in {d.code for d in result.diagnoses}


@pytest.mark.parametrize("name", list(GROUPS))
def test_check_bugs_fail_their_checks(name: str, make_submission: MakeSubmission) -> None:
    changes, must_fail, codes, messages = GROUPS[name]
    report = grade(
        make_submission(*[("optim.py", old, new) for old, new in changes]), keyword="optim"
    )
    assert failed(report) == must_fail
    named = {d.code for c in report.checks for d in c.diagnoses}
    assert codes <= named
    by_id = {c.id: c for c in report.checks}
    for check_id, text in messages.items():
        assert by_id[check_id].outcome == "failed"
        assert text in by_id[check_id].message


def test_template_reports_every_rule_but_sgd_not_implemented() -> None:
    report = grade(template_root(), keyword="optim")
    given = {c.id for c in report.checks if c.id.startswith("optim.sgd.")}
    assert given == {f"optim.sgd.{kind}" for kind in KINDS}
    assert failed(report) == {c.id for c in report.checks} - given
    assert all("not implemented" in c.message for c in report.checks if c.id not in given)


def test_adagrad_checks_skip_for_a_course_year_without_adagrad() -> None:
    report = grade(
        REPO_ROOT / "examples" / "submissions" / "reference.zip",
        keyword="adagrad",
        profile="course-2019",
    )
    assert {c.id for c in report.checks} == {f"optim.adagrad.{kind}" for kind in KINDS}
    assert all(c.outcome == "skipped" for c in report.checks)
    assert report.max_score == 0


def test_state_not_saved_is_named_on_both_checks_it_fails(make_submission: MakeSubmission) -> None:
    """A velocity never stored back fails one_step (on the config it returns) and
    multi_step (on the w that follows): both failures name the mistake; the
    rules that keep their state show nothing."""
    changes, _ = BUGS["OPTIM_STATE_NOT_SAVED"]
    report = grade(
        make_submission(*[("optim.py", old, new) for old, new in changes]), keyword="optim"
    )
    named = {c.id for c in report.checks for d in c.diagnoses if d.code == "OPTIM_STATE_NOT_SAVED"}
    assert (
        named == failed(report) == {"optim.sgd_momentum.one_step", "optim.sgd_momentum.multi_step"}
    )
