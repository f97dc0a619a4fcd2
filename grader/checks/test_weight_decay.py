"""Checks of L1 weight decay, a part only the class flavour has
(``MultiLayerNet(weight_decay_lambda=..., weight_decay_type="L1")``), and the
misconceptions their failures show. Every other profile skips them (see
grader.profiles.FLAVOUR_PARTS); L2 weight decay is the fc_net checks'
concern (``reg`` is ``weight_decay_lambda``).

The student's network is reached through the adapter's
``FullyConnectedNet(..., reg=lam, weight_decay_type="L1")`` (see
grader/flavours/adapter/classifiers/fc_net.py). The trusted process picks
the weights and the data, and computes the expected loss and gradients
itself (the oracle ``weight_decay.net``, grader/oracles/weight_decay.py). Deterministic
comparisons in float64 with a tolerance of 1e-7 relative, 10^7 times the
round-off of these sums: no false-fail probability beyond round-off.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from grader import oracle
from grader.plugin import RngFactory
from grader.proxy import StudentProxy
from grader.registry import Evidence, check, misconception

from . import validate

NET = "classifiers.fc_net.FullyConnectedNet"
N, X_SHAPE, HIDDEN, C = 6, (6, 3, 4), (10, 8), 5
LAMBDAS = (0.7, 3.1)
TOL = 1e-7

Params = dict[str, np.ndarray]


def expected(
    params: Params, X: np.ndarray, y: np.ndarray, lam: float, *, l1: float = 1.0, l2: float = 0.0
) -> tuple[float, Params]:
    """Loss and gradients of the network with ``l1 * lam * sum|W| + l2 * lam *
    sum(W**2)`` over the weights: the oracle ``weight_decay.net`` (grader.oracle).
    The defaults are the assignment's L1 weight decay; the keywords make the
    variants misconceptions are recognised by (l1=0: none, l2=0.5: L2)."""
    answer: tuple[float, Params] = oracle.expect(
        "weight_decay.net", params, X, y, lam, l1=l1, l2=l2
    )
    return answer


def close(got: Any, want: Any) -> bool:
    return validate.close(got, want, TOL)


def _loss_and_grads(value: Any, what: str, params: Params) -> tuple[float, Params]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise AssertionError(f"{what} should return a pair (loss, grads)")
    loss, grads = value
    if isinstance(loss, np.ndarray) and loss.shape == ():
        loss = float(loss)
    if type(loss) is int:
        loss = float(loss)
    if type(loss) is not float or not math.isfinite(loss):
        raise AssertionError(f"{what}'s loss should be a finite number, not {loss!r}")
    if not isinstance(grads, dict) or set(grads) != set(params):
        raise AssertionError(f"{what}'s gradients should have exactly the keys {sorted(params)}")
    for name, value_ in params.items():
        validate.array(grads[name], f"{what}'s gradient of {name}", value_.shape)
    return loss, grads


@pytest.fixture(scope="session")
def weight_decay_probe(
    student: StudentProxy, evidence: Evidence, rng_for: RngFactory
) -> dict[str, Any] | Exception:
    """The student's L1 loss and gradients at LAMBDAS, for weights of our choosing."""
    rng = rng_for("weight_decay_probe")
    X, y = rng.normal(size=X_SHAPE), rng.integers(0, C, size=N)
    dims = [int(np.prod(X_SHAPE[1:])), *HIDDEN, C]
    params: Params = {}
    for i in range(len(dims) - 1):
        params[f"W{i + 1}"] = rng.normal(size=(dims[i], dims[i + 1])) / math.sqrt(dims[i])
        params[f"b{i + 1}"] = rng.normal(scale=0.3, size=dims[i + 1])
    found: dict[str, Any] = {"params": params, "X": X, "y": y, "runs": {}}
    evidence["weight_decay"] = found
    try:
        for lam in LAMBDAS:
            net = student.new(
                NET,
                list(HIDDEN),
                input_dim=dims[0],
                num_classes=C,
                reg=lam,
                weight_decay_type="L1",
                dtype=np.float64,
            )
            for name, value in params.items():
                net.setitem("params", name, value.copy())
            what = f"with L1 weight decay of lambda = {lam}, the network"
            found["runs"][lam] = _loss_and_grads(net.method("loss", X, y), what, params)
    except Exception as exc:  # kept, re-raised by each check
        found["error"] = exc
        return exc
    return found


@check(
    "weight_decay.l1_loss",
    points=1,
    title="class flavour: L1 weight decay adds lambda * sum(|W|) to the loss",
)
def test_l1_loss(weight_decay_probe: dict[str, Any] | Exception) -> None:
    found = validate.probed(weight_decay_probe)
    for lam, (loss, _) in found["runs"].items():
        want, _ = expected(found["params"], found["X"], found["y"], lam)
        assert close(loss, want), (
            f"with weight_decay_type='L1' and weight_decay_lambda={lam}, the loss should be "
            f"the softmax loss plus lambda * sum(|W|) over every weight matrix, {want:.6f}; "
            f"yours is {loss:.6f}"
        )


@check(
    "weight_decay.l1_gradients",
    points=1,
    title="class flavour: L1 weight decay adds lambda * sign(W) to each weight gradient",
)
def test_l1_gradients(weight_decay_probe: dict[str, Any] | Exception) -> None:
    found = validate.probed(weight_decay_probe)
    for lam, (_, grads) in found["runs"].items():
        _, want = expected(found["params"], found["X"], found["y"], lam)
        wrong = [k for k in sorted(want) if not close(grads[k], want[k])]
        assert not wrong, (
            f"with weight_decay_type='L1' and weight_decay_lambda={lam}, the gradients of "
            f"{', '.join(wrong)} are wrong"
        )


# --- misconceptions -------------------------------------------------------------

CHECKS = ("weight_decay.l1_loss", "weight_decay.l1_gradients")


def _matches(evidence: Evidence, part: str, **variant: float) -> bool:
    """Does every run's loss (part "loss") or every gradient (part "grads")
    match the variant?"""
    found = evidence.get("weight_decay")
    if not isinstance(found, dict) or "error" in found or not found.get("runs"):
        return False
    for lam, (loss, grads) in found["runs"].items():
        want_loss, want_grads = expected(found["params"], found["X"], found["y"], lam, **variant)
        if part == "loss" and not close(loss, want_loss):
            return False
        if part == "grads" and not all(close(grads[k], want_grads[k]) for k in want_grads):
            return False
    return True


@misconception(
    "WEIGHT_DECAY_L1_AS_L2",
    title="L2 weight decay applied when L1 was asked for",
    explanation=(
        "With weight_decay_type='L1' your network still adds 0.5 * lambda * sum(W**2) to the "
        "loss: the choice of weight decay is ignored."
    ),
    hint="When weight_decay_type == 'L1' use lambda * np.sum(np.abs(W)) in the loss and "
    "lambda * np.sign(W) in the gradient.",
    checks=CHECKS,
)
def l1_as_l2(evidence: Evidence) -> bool:
    return _matches(evidence, "loss", l1=0.0, l2=0.5)


@misconception(
    "WEIGHT_DECAY_L1_HALF",
    title="L1 penalty with the factor 0.5 of the L2 penalty",
    explanation=(
        "Your L1 penalty is 0.5 * lambda * sum(|W|). The 0.5 of the L2 penalty is there so "
        "that the gradient of W**2 comes out as lambda * W; the L1 penalty is lambda * sum(|W|), "
        "with the gradient lambda * sign(W)."
    ),
    hint="loss += lambda * np.sum(np.abs(W)); grads[W] += lambda * np.sign(W).",
    checks=CHECKS,
)
def l1_half(evidence: Evidence) -> bool:
    return _matches(evidence, "loss", l1=0.5) or _matches(evidence, "grads", l1=0.5)


@misconception(
    "WEIGHT_DECAY_L1_GRADIENT",
    title="the L1 penalty's gradient left out, or taken from L2",
    explanation=(
        "Your loss has the L1 penalty, but the weights' gradients are those of the softmax "
        "loss alone, or with the L2 penalty's lambda * W added: the derivative of "
        "lambda * |W| is lambda * sign(W)."
    ),
    hint="Add lambda * np.sign(W) to the gradient of every weight matrix.",
    checks=("weight_decay.l1_gradients",),
)
def l1_gradient(evidence: Evidence) -> bool:
    return _matches(evidence, "loss") and (
        _matches(evidence, "grads", l1=0.0) or _matches(evidence, "grads", l1=0.0, l2=0.5)
    )
