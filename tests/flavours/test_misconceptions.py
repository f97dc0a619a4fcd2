"""The mistakes both flavours share are named with the same codes.

Every bug the function flavour's tests build (tests/grader/test_*_checks.py)
has a counterpart here, written the way it shows in the class flavour, and
each must fail the same checks and be diagnosed with the same code (or, for
the network bugs no misconception names, with none)."""

from __future__ import annotations

import pytest

from grader.grade import grade
from grader.report import GradeReport
from tests.flavours.conftest import MakeClassSubmission
from tests.grader.test_dropout_checks import BUGS as DROPOUT_BUGS
from tests.grader.test_fc_net_checks import BUGS as FCNET_BUGS
from tests.grader.test_layer_checks import CODES as LAYER_CODES
from tests.grader.test_optim_checks import BUGS as OPTIM_BUGS

Change = tuple[str, str, str]

KEEP = "        self.mask = (np.random.rand(*x.shape) < keep) / keep\n"
TEST_TIME = "        if not train_flg:\n            self.mask = None\n            return x\n"
SEED = "        if self.seed is not None:\n            np.random.seed(self.seed)\n"
BACK = "            return dout\n        return dout * self.mask\n"

#: code -> the class flavour's version of the function flavour's bug
DROPOUT: dict[str, list[Change]] = {
    # dropout_ratio used as the probability of keeping a unit
    "DROPOUT_P_AS_DROP": [
        (
            "layers",
            "        keep = 1.0 - self.dropout_ratio\n",
            "        keep = self.dropout_ratio\n",
        )
    ],
    "DROPOUT_UNSCALED": [("layers", KEEP, KEEP.replace("/ keep", "* 1.0"))],
    # the classic textbook layer: no rescaling in training, x * (1 - ratio) at test time
    "DROPOUT_VANILLA": [
        ("layers", KEEP, KEEP.replace("/ keep", "* 1.0")),
        (
            "layers",
            TEST_TIME,
            TEST_TIME.replace("return x", "return x * (1.0 - self.dropout_ratio)"),
        ),
    ],
    "DROPOUT_TEST_MODE": [
        (
            "layers",
            TEST_TIME,
            TEST_TIME.replace(
                "return x", "return x * (np.random.rand(*x.shape) >= self.dropout_ratio)"
            ),
        )
    ],
    "DROPOUT_MASK_DISTRIBUTION": [("layers", KEEP, KEEP.replace("rand(", "randn("))],
    "DROPOUT_MASK_SHARED": [("layers", KEEP, KEEP.replace("*x.shape", "*x.shape[1:]"))],
    "DROPOUT_SEED_IGNORED": [("layers", SEED, "")],
    "DROPOUT_BACKWARD_UNSCALED": [
        ("layers", BACK, BACK.replace("* self.mask", "* (self.mask != 0)"))
    ],
    "DROPOUT_BACKWARD_NO_MASK": [("layers", BACK, BACK.replace(" * self.mask", ""))],
}

MOMENTUM = (
    "        if self.v is None:\n"
    "            self.v = {key: np.zeros_like(value) for key, value in params.items()}\n"
    "        for key in params:\n"
    "            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]\n"
    "            params[key] += self.v[key]\n"
)
STEP = "            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)\n"
RMS_H = "            self.h[key] = decay * self.h[key] + (1 - decay) * grads[key] ** 2\n"
ADAGRAD_H = "            self.h[key] = self.h[key] + grads[key] ** 2\n"
ADAM_HAT = (
    "            m_hat = self.m[key] / (1 - beta1**self.t)\n"
    "            v_hat = self.v[key] / (1 - beta2**self.t)\n"
)
ADAM_STEP = "            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)\n"
EPS_INSIDE = ("(np.sqrt(self.h[key]) + self.eps)", "np.sqrt(self.h[key] + self.eps)")

OPTIM: dict[str, list[Change]] = {
    "MOMENTUM_VELOCITY_SIGN": [
        (
            "optimizer",
            "            params[key] += self.v[key]\n",
            "            params[key] -= self.v[key]\n",
        )
    ],
    # the velocity lives in a local variable, started afresh at every update
    "OPTIM_STATE_NOT_SAVED": [
        (
            "optimizer",
            MOMENTUM,
            "        v = {key: np.zeros_like(value) for key, value in params.items()}\n"
            "        for key in params:\n"
            "            v[key] = self.momentum * v[key] - self.lr * grads[key]\n"
            "            params[key] += v[key]\n",
        )
    ],
    "RMSPROP_EPS_PLACEMENT": [("optimizer", RMS_H + STEP, RMS_H + STEP.replace(*EPS_INSIDE))],
    "RMSPROP_DECAY": [
        (
            "optimizer",
            RMS_H,
            RMS_H.replace("decay * self.h[key] + (1 - decay)", "(1 - decay) * self.h[key] + decay"),
        )
    ],
    "ADAM_NO_BIAS_CORRECTION": [
        ("optimizer", ADAM_HAT, "            m_hat, v_hat = self.m[key], self.v[key]\n")
    ],
    # t counted at the end of the update, after the bias correction used it
    "ADAM_T_ORDER": [
        ("optimizer", "        self.t += 1\n", ""),
        ("optimizer", ADAM_STEP, ADAM_STEP + "        self.t += 1\n"),
    ],
    "ADAM_EPS_PLACEMENT": [
        (
            "optimizer",
            ADAM_STEP,
            ADAM_STEP.replace("(np.sqrt(v_hat) + self.eps)", "np.sqrt(v_hat + self.eps)"),
        )
    ],
    "ADAGRAD_EPS_PLACEMENT": [
        ("optimizer", ADAGRAD_H + STEP, ADAGRAD_H + STEP.replace(*EPS_INSIDE))
    ],
}

LAYERS: dict[str, list[Change]] = {
    "AFFINE_DB_MEAN": [
        ("layers", "        self.db = dout.sum(axis=0)\n", "        self.db = dout.mean(axis=0)\n")
    ],
    "AFFINE_DX_NOT_RESHAPED": [
        (
            "layers",
            "        return (dout @ self.W.T).reshape(self.x_shape)\n",
            "        return dout @ self.W.T\n",
        )
    ],
    "AFFINE_NO_RESHAPE": [
        ("layers", "        self.x = x.reshape(x.shape[0], -1)\n", "        self.x = x\n")
    ],
    "SOFTMAX_UNSTABLE": [
        ("layers", "        shifted = x - x.max(axis=1, keepdims=True)\n", "        shifted = x\n")
    ],
    "SOFTMAX_NOT_AVERAGED": [
        (
            "layers",
            "        return float(-log_probs[np.arange(n), self.t].mean())\n",
            "        return float(-log_probs[np.arange(n), self.t].sum())\n",
        ),
        ("layers", "        return dout * dx / n\n", "        return dout * dx\n"),
    ],
}

PENALTY = (
    "            decay = 0.5 * self.weight_decay_lambda * sum(np.sum(w * w) for w in weights)\n"
)
GRAD_PENALTY = (
    '            penalty = lam * np.sign(weights) if self.weight_decay_type == "L1" '
    "else lam * weights\n"
)
LAST = '        layers.append(Affine(self.params[f"W{last}"], self.params[f"b{last}"]))\n'
FORWARD = "layer.forward(x, train_flg) if isinstance(layer, Dropout)"
BACKWARD = "        for layer in reversed(self.layers):\n            dout = layer.backward(dout)\n"
INIT = "            weights = weight_init_std * np.random.randn(fan_in, fan_out)\n"
NET = "multi_layer_net"

#: the function flavour's bug name -> its class flavour version
FCNET: dict[str, list[Change]] = {
    "dropout missing": [
        (NET, "        self.use_dropout = use_dropout\n", "        self.use_dropout = False\n")
    ],
    "dropout on scores": [
        (
            NET,
            LAST,
            LAST + "        if self.use_dropout:\n"
            "            layers.append(Dropout(self.dropout_ratio, seed=self.seed))\n",
        )
    ],
    # predict() never passes train_flg on, so the layers run in their default, training
    "mode never set": [
        (NET, FORWARD, FORWARD.replace("layer.forward(x, train_flg)", "layer.forward(x)"))
    ],
    # gradient() forgets train_flg=True, so training runs in test mode
    "mode stuck at test": [
        (NET, "        self.loss(x, t, train_flg=True)\n", "        self.loss(x, t)\n")
    ],
    "no 0.5 in the penalty": [(NET, PENALTY, PENALTY.replace("0.5 * ", ""))],
    "2 reg W in the gradient": [
        (NET, GRAD_PENALTY, GRAD_PENALTY.replace("else lam", "else 2 * lam"))
    ],
    "the penalty's gradient left out": [
        (NET, GRAD_PENALTY, GRAD_PENALTY.replace("else lam * weights", "else 0 * weights"))
    ],
    "biases regularized": [
        (
            NET,
            '        weights = [self.params[f"W{i}"] for i in range(1, self.num_layers + 1)]\n',
            "        weights = list(self.params.values())\n",
        )
    ],
    "weight_scale ignored": [
        (
            NET,
            INIT,
            INIT.replace(
                "weight_init_std * np.random.randn(fan_in, fan_out)",
                "np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)",
            ),
        )
    ],
    "dtype ignored": [
        (NET, "weights.astype(dtype)", "weights"),
        (NET, "np.zeros(fan_out, dtype=dtype)", "np.zeros(fan_out)"),
    ],
    "dropout_backward skipped": [
        (
            NET,
            BACKWARD,
            "        for layer in reversed(self.layers):\n"
            "            if not isinstance(layer, Dropout):\n"
            "                dout = layer.backward(dout)\n",
        )
    ],
    "last bias left out": [
        (NET, LAST, LAST.replace('self.params[f"b{last}"]', '0 * self.params[f"b{last}"]'))
    ],
}


def failed(report: GradeReport) -> set[str]:
    return {c.id for c in report.checks if c.outcome in ("failed", "error")}


def named(report: GradeReport, checks: set[str] | None = None) -> set[str]:
    return {d.code for c in report.checks if checks is None or c.id in checks for d in c.diagnoses}


def test_every_shared_bug_has_a_class_flavour_version() -> None:
    assert set(DROPOUT) == set(DROPOUT_BUGS)
    assert set(OPTIM) == set(OPTIM_BUGS)
    assert set(LAYERS) == LAYER_CODES
    assert set(FCNET) == set(FCNET_BUGS)


@pytest.mark.parametrize("code", sorted(DROPOUT))
def test_dropout_bug_named_as_in_the_function_flavour(
    code: str, make_class_submission: MakeClassSubmission
) -> None:
    report = grade(
        make_class_submission(*DROPOUT[code]), keyword="dropout_forward or dropout_backward"
    )
    must_fail = DROPOUT_BUGS[code][1]
    assert must_fail <= failed(report)
    assert code in named(report, must_fail)


@pytest.mark.parametrize("code", sorted(OPTIM))
def test_optimizer_bug_named_as_in_the_function_flavour(
    code: str, make_class_submission: MakeClassSubmission
) -> None:
    report = grade(make_class_submission(*OPTIM[code]), keyword="optim")
    must_fail = OPTIM_BUGS[code][1]
    assert must_fail in failed(report)
    assert code in named(report, {must_fail})


@pytest.mark.parametrize("code", sorted(LAYERS))
def test_layer_bug_named_as_in_the_function_flavour(
    code: str, make_class_submission: MakeClassSubmission
) -> None:
    report = grade(make_class_submission(*LAYERS[code]), keyword="layers")
    assert named(report) == {code}
    assert named(report, failed(report)) == {code}


@pytest.mark.parametrize("name", sorted(FCNET))
def test_network_bug_named_as_in_the_function_flavour(
    name: str, make_class_submission: MakeClassSubmission
) -> None:
    _, must_fail, code = FCNET_BUGS[name]
    report = grade(make_class_submission(*FCNET[name]), keyword="fc_net")
    assert must_fail <= failed(report), report.checks
    assert named(report) == ({code} if code else set())
