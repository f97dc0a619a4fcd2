"""Each update-rule check and misconception: it fails (and names the mistake)
on a submission with the bug, and passes on the reference."""

from __future__ import annotations

import pytest

from grader import REPO_ROOT
from grader.grade import grade
from tests.grader.conftest import MakeSubmission

RMS_CACHE = '    cache = decay * config["cache"] + (1 - decay) * dw**2\n'
RMS_STEP = '    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])\n'
ADAM_STEP = (
    '    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])\n'
)

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
}


def test_reference_passes_every_optimizer_check() -> None:
    report = grade(REPO_ROOT / "examples" / "submissions" / "reference.zip", keyword="optim")
    assert len(report.checks) == 6
    assert all(c.outcome == "passed" for c in report.checks)


@pytest.mark.parametrize("code", sorted(BUGS))
def test_bug_fails_its_check_and_is_diagnosed(code: str, make_submission: MakeSubmission) -> None:
    changes, must_fail = BUGS[code]
    submission = make_submission(*[("optim.py", old, new) for old, new in changes])
    report = grade(submission, keyword="optim")
    result = next(c for c in report.checks if c.id == must_fail)
    assert result.outcome == "failed"
    assert code in {d.code for d in result.diagnoses}
