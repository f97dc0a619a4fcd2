"""Each FullyConnectedNet check and misconception: it fails (and names the
mistake) on a net with the bug, and passes on the reference."""

from __future__ import annotations

import numpy as np
import pytest

from grader import REPO_ROOT, load_cs231n, reference_root
from grader.checks import test_fc_net as fc
from grader.grade import grade, run
from grader.registry import MISCONCEPTIONS
from grader.report import GradeReport
from tests.grader.conftest import MakeSubmission

NET = "classifiers/fc_net.py"
USE = "        self.use_dropout = dropout_keep_ratio != 1\n"
MODE = '        if self.use_dropout:\n            self.dropout_param["mode"] = mode\n'
PENALTY = "        loss += 0.5 * self.reg * sum(np.sum(w * w) for w in weights)\n"
WEIGHTS = '        weights = [self.params[f"W{i}"] for i in range(1, last + 1)]\n'
GRAD_REG = '            grads[f"W{i}"] += self.reg * self.params[f"W{i}"]\n'
SOFTMAX = "        loss, dscores = softmax_loss(scores, y)\n"
LAST = (
    "        scores, last_cache = affine_forward("
    'h, self.params[f"W{last}"], self.params[f"b{last}"])\n'
)
INIT = '            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(fan_in, fan_out)\n'
BACKWARD_DROP = "                dh = dropout_backward(dh, drop_cache)\n"

# name -> (changes to fc_net.py, checks that must fail, misconception or None)
BUGS = {
    "dropout missing": (
        [(USE, "        self.use_dropout = False\n")],
        {"fc_net.dropout_train"},
        "FCNET_DROPOUT_MISSING",
    ),
    "dropout on scores": (
        [
            (
                LAST,
                LAST + "        if self.use_dropout:\n"
                "            scores, score_cache = dropout_forward(scores, self.dropout_param)\n",
            ),
            (
                SOFTMAX,
                SOFTMAX + "        if self.use_dropout:\n"
                "            dscores = dropout_backward(dscores, score_cache)\n",
            ),
        ],
        {"fc_net.dropout_train"},
        "FCNET_DROPOUT_ON_SCORES",
    ),
    "mode never set": ([(MODE, "")], {"fc_net.dropout_test"}, "FCNET_DROPOUT_MODE"),
    "mode stuck at test": (
        [(MODE, '        if self.use_dropout:\n            self.dropout_param["mode"] = "test"\n')],
        {"fc_net.dropout_train"},
        "FCNET_DROPOUT_MODE",
    ),
    "no 0.5 in the penalty": (
        [(PENALTY, PENALTY.replace("0.5 * ", ""))],
        {"fc_net.regularization"},
        "FCNET_REG_FACTOR",
    ),
    "2 reg W in the gradient": (
        [(GRAD_REG, GRAD_REG.replace("+= self.reg", "+= 2 * self.reg"))],
        {"fc_net.gradients"},
        "FCNET_REG_FACTOR",
    ),
    "the penalty's gradient left out": (
        [(GRAD_REG, "            pass\n")],
        {"fc_net.gradients", "fc_net.dropout_train", "fc_net.dropout_gradcheck"},
        "FCNET_REG_GRAD_MISSING",
    ),
    "biases regularized": (
        [(WEIGHTS, "        weights = list(self.params.values())\n")],
        {"fc_net.regularization"},
        "FCNET_REG_BIAS",
    ),
    "weight_scale ignored": (
        [
            (
                INIT,
                INIT.replace(
                    "weight_scale * np.random.randn(fan_in, fan_out)",
                    "np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)",
                ),
            )
        ],
        {"fc_net.init"},
        None,
    ),
    "dtype ignored": (
        [("            self.params[name] = value.astype(dtype)\n", "            pass\n")],
        {"fc_net.init"},
        None,
    ),
    "dropout_backward skipped": (
        [(BACKWARD_DROP, "                pass\n")],
        {"fc_net.dropout_train", "fc_net.dropout_gradcheck"},
        None,
    ),
    "last bias left out": (
        [(LAST, LAST.replace('self.params[f"b{last}"]', '0 * self.params[f"b{last}"]'))],
        {"fc_net.scores", "fc_net.loss", "fc_net.gradients"},
        None,
    ),
}


def failed(report: GradeReport) -> set[str]:
    return {c.id for c in report.checks if c.outcome != "passed"}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_bug_fails_its_checks_and_is_diagnosed(name: str, make_submission: MakeSubmission) -> None:
    changes, must_fail, code = BUGS[name]
    report = grade(make_submission(*[(NET, old, new) for old, new in changes]), keyword="fc_net")
    assert must_fail <= failed(report), report.checks
    diagnosed = {d.code for c in report.checks for d in c.diagnoses}
    if code is not None:
        assert code in diagnosed
    # Each bug is named by its own diagnosis only.
    assert diagnosed <= {code}


@pytest.mark.parametrize("seed", range(5))
def test_reference_passes_every_fc_net_check(seed: int) -> None:
    report, evidence = run(
        REPO_ROOT / "examples/submissions/reference.zip", keyword="fc_net", seed=seed
    )
    assert len(report.checks) == 8
    assert failed(report) == set()
    # Not even asked, no detector of the net fires on a correct submission.
    own = [m for m in MISCONCEPTIONS.values() if m.checks[0].startswith("fc_net.")]
    assert own and not [m.code for m in own if m.detect(evidence)]


def test_template_fails_every_fc_net_check() -> None:
    from grader import template_root

    report = grade(template_root(), keyword="fc_net")
    assert report.checks and report.score == 0
    assert all("not implemented" in c.message for c in report.checks)


def test_dropout_checks_need_a_seeded_layer(make_submission: MakeSubmission) -> None:
    seed = '    if "seed" in dropout_param:\n        np.random.seed(dropout_param["seed"])\n'
    report = grade(make_submission(("layers.py", seed, "")), keyword="fc_net")
    by_id = {c.id: c for c in report.checks}
    assert by_id["fc_net.dropout_train"].outcome == "failed"
    assert "dropout_forward.seed" in by_id["fc_net.dropout_train"].message
    assert by_id["fc_net.gradients"].outcome == "passed"


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_expected_is_the_reference_net(reg: float) -> None:
    """The grader's own forward/backward agrees with the reference net."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=fc.X_SHAPE)
    y = rng.integers(0, fc.C, size=fc.N)
    params = fc.choose_params(rng, X, [None])
    ref = load_cs231n(reference_root(), alias="grader_reference_cs231n")
    net = ref.classifiers.fc_net.FullyConnectedNet(
        list(fc.HIDDEN), input_dim=12, num_classes=fc.C, reg=reg, dtype=np.float64
    )
    net.params = {k: v.copy() for k, v in params.items()}
    loss, grads = net.loss(X, y)
    want_loss, want_grads = fc.expected(params, X, y, reg)
    assert abs(loss - want_loss) < 1e-12
    assert all(fc.close(grads[k], want_grads[k], 1e-12) for k in grads)
    assert fc.close(net.loss(X), fc.expected(params, X, None), 1e-12)


def test_choose_params_keeps_relu_inputs_off_the_kink() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=fc.X_SHAPE)
    masks = [np.ones((fc.N, h)) * 2 for h in fc.HIDDEN]
    params = fc.choose_params(rng, X, [None, masks])
    assert fc._min_relu_input(params, X, None) > fc.MARGIN
    assert fc._min_relu_input(params, X, masks) > fc.MARGIN
