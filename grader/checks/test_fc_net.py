"""Checks of FullyConnectedNet, and the misconceptions their failures show.

The trusted process picks the weights and the data, puts the weights into
the student's net, and computes the expected scores, loss and gradients
itself (``expected``: the oracle ``fc_net.net`` of grader.oracle, a small
network written out with numpy and tested against the reference in
tests/grader). With dropout on, the net's
masks come from the student's own ``dropout_forward`` called with the net's
seed, so the net is judged on its plumbing (where dropout goes, which mode
it runs in), not again on the layer.

Only one check is statistical: ``fc_net.init`` compares the spread of the
initial weights with ``weight_scale`` within 6 standard deviations of the
sample statistics (n >= 5,000 weights per matrix), a false-fail
probability below 1e-8. The others compare numbers computed two ways in
float64 with tolerances 10^4 or more times the round-off they see, and the
weights are drawn so that no ReLU input is within 1e-3 of its kink, which
makes the directional-derivative check exact up to round-off.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from grader import oracle
from grader.plugin import RngFactory
from grader.profiles import Profile
from grader.proxy import Handle, StudentProxy
from grader.registry import Evidence, check, misconception

from . import validate

NET = "classifiers.fc_net.FullyConnectedNet"
N, X_SHAPE, HIDDEN, C = 6, (6, 3, 4), (10, 8), 5
REGS = (0.0, 0.7, 3.1)
KEEP = 0.5
DROPOUT_REG = 0.7
NET_SEED = 1234
TOL = 1e-7
MARGIN, STEP = 1e-3, 1e-6
INIT_HIDDEN, INIT_INPUT, INIT_CLASSES, INIT_SCALE = (200, 100), 400, 50, 2e-2
SIGMAS = 6.0

Params = dict[str, np.ndarray]


# --- the expected answers ------------------------------------------------------


def expected(
    params: Params, X: np.ndarray, y: np.ndarray | None, reg: float = 0.0, **variant: Any
) -> Any:
    """Scores (y None) or (loss, grads) of {affine - relu - [mask]} x (L-1) - affine - softmax
    at these weights: the oracle ``fc_net.net``. The defaults are the
    assignment's net; the keywords (masks, score_mask, weight_factor,
    bias_factor) make the variants that misconceptions are recognised by."""
    return oracle.expect("fc_net.net", params, X, y, reg, **variant)


def choose_params(
    rng: np.random.Generator, X: np.ndarray, mask_sets: list[list[np.ndarray] | None]
) -> Params:
    """Weights and biases with every ReLU input at least MARGIN from 0, for
    each set of masks, so small steps never cross a kink."""
    dims = [int(np.prod(X.shape[1:])), *HIDDEN, C]
    for _ in range(1000):
        params: Params = {}
        for i in range(len(dims) - 1):
            params[f"W{i + 1}"] = rng.normal(size=(dims[i], dims[i + 1])) / math.sqrt(dims[i])
            params[f"b{i + 1}"] = rng.normal(scale=0.3, size=dims[i + 1])
        if all(_min_relu_input(params, X, masks) > MARGIN for masks in mask_sets):
            return params
    raise RuntimeError("no weights away from the ReLU kinks in 1000 draws")


def _min_relu_input(params: Params, X: np.ndarray, masks: list[np.ndarray] | None) -> float:
    """The smallest distance of a hidden ReLU's input from 0 (the oracle
    ``fc_net.min_relu_input``)."""
    return float(oracle.expect("fc_net.min_relu_input", params, X, masks))


def close(got: Any, want: Any, tol: float = TOL) -> bool:
    return validate.close(got, want, tol)


# --- talking to the student's net --------------------------------------------


def _scalar(value: Any, what: str) -> float:
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind == "f":
        value = float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, float):
        raise AssertionError(f"{what} should be a number, but it is {type(value).__name__}")
    if not math.isfinite(value):
        raise AssertionError(f"{what} is {value}")
    return value


def _params(value: Any, dims: list[int], what: str) -> Params:
    if not isinstance(value, dict):
        raise AssertionError(f"{what} should be a dictionary, but it is {type(value).__name__}")
    want = {f"{k}{i + 1}" for i in range(len(dims) - 1) for k in "Wb"}
    if set(value) != want:
        raise AssertionError(
            f"{what} should have exactly the keys {sorted(want)}; it has {sorted(value)}"
        )
    for i in range(len(dims) - 1):
        validate.array(value[f"W{i + 1}"], f"{what}['W{i + 1}']", (dims[i], dims[i + 1]))
        validate.array(value[f"b{i + 1}"], f"{what}['b{i + 1}']", (dims[i + 1],))
    return value


def _loss_and_grads(value: Any, what: str) -> tuple[float, Params]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise AssertionError(f"{what} should return a pair (loss, grads)")
    dims = [int(np.prod(X_SHAPE[1:])), *HIDDEN, C]
    return _scalar(value[0], f"{what}'s loss"), _params(value[1], dims, f"{what}'s grads")


def _new_net(student: StudentProxy, profile: Profile, keep: float | None, **kw: Any) -> Handle:
    kwargs: dict[str, Any] = {
        "input_dim": int(np.prod(X_SHAPE[1:])),
        "num_classes": C,
        "dtype": np.float64,
        **kw,
    }
    if keep is not None:
        kwargs |= profile.net_dropout(keep) | {"seed": NET_SEED}
    return student.new(NET, list(HIDDEN), **kwargs)


def _put(net: Handle, params: Params) -> None:
    for name, value in params.items():
        net.setitem("params", name, value.copy())


class Failed:
    """A probe that could not finish: its checks re-raise the error."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _probe(run: Callable[[], dict[str, Any]]) -> dict[str, Any] | Failed:
    try:
        return run()
    except Exception as exc:  # kept, re-raised by each check that needs it
        return Failed(exc)


def _need(found: dict[str, Any] | Failed) -> dict[str, Any]:
    if isinstance(found, Failed):
        raise found.error
    return found


@pytest.fixture(scope="session")
def fcnet_probe(
    student: StudentProxy, evidence: Evidence, rng_for: RngFactory, profile: Profile
) -> dict[str, Any]:
    rng = rng_for("fcnet_probe")
    X = rng.normal(size=X_SHAPE)
    y = rng.integers(0, C, size=N)

    def init() -> dict[str, Any]:
        net = student.new(
            NET,
            list(INIT_HIDDEN),
            input_dim=INIT_INPUT,
            num_classes=INIT_CLASSES,
            weight_scale=INIT_SCALE,
            dtype=np.float64,
        )
        dims = [INIT_INPUT, *INIT_HIDDEN, INIT_CLASSES]
        params = _params(net.get("params"), dims, "self.params")
        default = student.new(NET, [3], input_dim=4, num_classes=2).get("params")
        return {"params": params, "default_dtype": default}

    def plain() -> dict[str, Any]:
        params = choose_params(rng, X, [None])
        found: dict[str, Any] = {"params": params, "X": X, "y": y, "runs": {}}
        for reg in REGS:
            net = _new_net(student, profile, None, reg=reg)
            _put(net, params)
            run: dict[str, Any] = {}
            if reg == 0.0:
                run["scores"] = net.method("loss", X)
            run["loss"], run["grads"] = _loss_and_grads(
                net.method("loss", X, y), f"loss(X, y) with reg = {reg}"
            )
            found["runs"][reg] = run
        return found

    def dropout() -> dict[str, Any]:
        net = _new_net(student, profile, KEEP, reg=DROPOUT_REG)
        param = {"p": profile.p_for(KEEP), "mode": "train", "seed": NET_SEED}

        def mask(width: int) -> np.ndarray:
            out, _ = validate.pair(
                student.call("layers.dropout_forward", np.ones((N, width)), dict(param)),
                "dropout_forward",
            )
            return validate.array(out, "dropout_forward's output", (N, width))

        masks = [mask(width) for width in HIDDEN]
        repeatable = np.array_equal(masks[0], mask(HIDDEN[0]))
        params = choose_params(rng, X, [None, masks])
        _put(net, params)
        loss, grads = _loss_and_grads(net.method("loss", X, y), "loss(X, y) with dropout")
        mode_after_train = _mode(net)
        scores = net.method("loss", X)
        mode_after_test = _mode(net)
        directional = {}
        for name, value in params.items():
            v = rng.normal(size=value.shape)
            v /= np.linalg.norm(v)
            sides = []
            for sign in (1, -1):
                net.setitem("params", name, value + sign * STEP * v)
                sides.append(_loss_and_grads(net.method("loss", X, y), "loss(X, y)")[0])
            net.setitem("params", name, value.copy())
            directional[name] = (
                (sides[0] - sides[1]) / (2 * STEP),
                float(np.sum(grads[name] * v)),
            )
        return {
            "params": params,
            "X": X,
            "y": y,
            "masks": masks,
            "score_mask": mask(C),
            "repeatable": repeatable,
            "loss": loss,
            "grads": grads,
            "scores": scores,
            "mode_after_train": mode_after_train,
            "mode_after_test": mode_after_test,
            "directional": directional,
        }

    probe = {"init": _probe(init), "plain": _probe(plain), "dropout": _probe(dropout)}
    evidence["fc_net"] = probe
    return probe


def _mode(net: Handle) -> Any:
    try:
        param = net.get("dropout_param")
    except Exception:
        return None
    return param.get("mode") if isinstance(param, dict) else None


# --- checks -------------------------------------------------------------------


@check("fc_net.init", points=1, title="weights start N(0, weight_scale^2), biases at zero")
def test_init(fcnet_probe: dict[str, Any]) -> None:
    found = _need(fcnet_probe["init"])
    params: Params = found["params"]
    for name, value in sorted(params.items()):
        assert value.dtype == np.float64, (
            f"with dtype=np.float64, self.params['{name}'] should be float64, not {value.dtype}"
        )
        if name.startswith("b"):
            assert not np.any(value), f"self.params['{name}'] should start at zero"
            continue
        n = value.size
        # mean ~ N(0, s^2 / n); mean of squares / s^2 ~ chi2(n) / n, sd sqrt(2 / n).
        mean, spread = float(value.mean()), float(np.mean(value**2)) / INIT_SCALE**2
        assert abs(mean) <= SIGMAS * INIT_SCALE / math.sqrt(n), (
            f"self.params['{name}'] should be drawn around 0; its mean is {mean:.3g}"
        )
        assert abs(spread - 1) <= SIGMAS * math.sqrt(2 / n), (
            f"with weight_scale={INIT_SCALE}, self.params['{name}'] should have standard "
            f"deviation {INIT_SCALE}; yours is {math.sqrt(spread) * INIT_SCALE:.3g} "
            "(use weight_scale * np.random.randn(fan_in, fan_out))"
        )
    default = found["default_dtype"]
    dtypes = {str(v.dtype) for v in default.values()} if isinstance(default, dict) else set()
    assert dtypes == {"float32"}, (
        "without a dtype argument every parameter should be float32 (the default dtype); "
        f"yours are {sorted(dtypes) or 'not a dictionary of arrays'}"
    )


@check("fc_net.scores", points=1, title="test-time scores match the expected forward pass")
def test_scores(fcnet_probe: dict[str, Any]) -> None:
    found = _need(fcnet_probe["plain"])
    scores = validate.array(found["runs"][0.0]["scores"], "loss(X)'s scores", (N, C))
    assert close(scores, expected(found["params"], found["X"], None)), (
        "loss(X) without labels should return the class scores of "
        "{affine - relu} x (L - 1) - affine, with the weights in self.params; yours differ"
    )


@check("fc_net.loss", points=1, title="the softmax loss without regularization")
def test_loss(fcnet_probe: dict[str, Any]) -> None:
    found = _need(fcnet_probe["plain"])
    want, _ = expected(found["params"], found["X"], found["y"])
    got = found["runs"][0.0]["loss"]
    assert close(got, want), f"with reg = 0 the loss should be {want:.6f}; yours is {got:.6f}"


@check("fc_net.regularization", points=1, title="the L2 penalty 0.5 * reg * sum(W**2) in the loss")
def test_regularization(fcnet_probe: dict[str, Any]) -> None:
    found = _need(fcnet_probe["plain"])
    for reg in REGS[1:]:
        want, _ = expected(found["params"], found["X"], found["y"], reg)
        got = found["runs"][reg]["loss"]
        assert close(got, want), (
            f"with reg = {reg} the loss should be {want:.6f}; yours is {got:.6f}"
        )


@check("fc_net.gradients", points=2, title="the gradient of every parameter, at three reg values")
def test_gradients(fcnet_probe: dict[str, Any]) -> None:
    found = _need(fcnet_probe["plain"])
    for reg in REGS:
        _, want = expected(found["params"], found["X"], found["y"], reg)
        got = found["runs"][reg]["grads"]
        wrong = [k for k in sorted(want) if not close(got[k], want[k])]
        assert not wrong, f"with reg = {reg} the gradients of {', '.join(wrong)} are wrong"


def _dropout_run(probe: dict[str, Any]) -> dict[str, Any]:
    found = _need(probe["dropout"])
    assert found["repeatable"], (
        "this check needs dropout_forward to honour dropout_param['seed'] (see the check "
        "dropout_forward.seed): with a seed the net's masks must be repeatable"
    )
    return found


@check(
    "fc_net.dropout_train",
    points=2,
    title="in training (reg = 0.7), dropout after every hidden ReLU and nowhere else",
)
def test_dropout_train(fcnet_probe: dict[str, Any]) -> None:
    found = _dropout_run(fcnet_probe)
    want_loss, want_grads = expected(
        found["params"], found["X"], found["y"], DROPOUT_REG, masks=found["masks"]
    )
    assert close(found["loss"], want_loss), (
        "with dropout the training loss should come from dropout applied to the output of "
        "every hidden ReLU (with the net's dropout_param); yours is "
        f"{found['loss']:.6f}, expected {want_loss:.6f}"
    )
    wrong = [k for k in sorted(want_grads) if not close(found["grads"][k], want_grads[k])]
    assert not wrong, f"with dropout the gradients of {', '.join(wrong)} are wrong"


@check("fc_net.dropout_test", points=1, title="at test time (y is None) the net does not drop")
def test_dropout_test(fcnet_probe: dict[str, Any]) -> None:
    found = _dropout_run(fcnet_probe)
    scores = validate.array(found["scores"], "loss(X)'s scores with dropout", (N, C))
    assert close(scores, expected(found["params"], found["X"], None)), (
        "loss(X) without labels is test time: set dropout_param['mode'] = 'test' so no "
        "unit is dropped; your scores differ from those of the net without dropout"
    )


@check(
    "fc_net.dropout_gradcheck",
    points=1,
    title="with dropout, your gradients agree with your own loss (numeric check)",
    public=False,
)
def test_dropout_gradcheck(fcnet_probe: dict[str, Any]) -> None:
    found = _dropout_run(fcnet_probe)
    # Central differences with step 1e-6 on a kink-free path: truncation
    # below 1e-11, round-off below 1e-9, against a tolerance of 1e-5.
    wrong = []
    for name, (numeric, analytic) in sorted(found["directional"].items()):
        if abs(numeric - analytic) > 1e-5 * max(abs(numeric), abs(analytic)) + 1e-8:
            wrong.append(f"{name} (numeric {numeric:.6g}, yours {analytic:.6g})")
    assert not wrong, (
        "along a random direction, the change of your loss does not match your gradient "
        f"for {', '.join(wrong)}"
    )


# --- misconceptions -------------------------------------------------------------


def _found(evidence: Evidence, part: str) -> dict[str, Any] | None:
    probe = evidence.get("fc_net") or {}
    found = probe.get(part)
    return found if isinstance(found, dict) else None


def _grads_close(got: dict[str, Any], want: dict[str, np.ndarray]) -> bool:
    """Is every gradient of ``want`` in ``got``, each close to it?"""
    return all(close(got[k], want[k]) for k in want)


def _train_matches(evidence: Evidence, **variant: Any) -> bool:
    found = _found(evidence, "dropout")
    if found is None:
        return False
    loss, grads = expected(found["params"], found["X"], found["y"], DROPOUT_REG, **variant)
    return close(found["loss"], loss) and _grads_close(found["grads"], grads)


@misconception(
    "FCNET_DROPOUT_MISSING",
    title="dropout never applied in the network",
    explanation=(
        "Your net was made with dropout, but its training loss and gradients are those of "
        "the net without dropout: the dropout layers are never called."
    ),
    hint="In loss(), when self.use_dropout, call dropout_forward(h, self.dropout_param) "
    "after each hidden ReLU and dropout_backward in the backward pass.",
    checks=("fc_net.dropout_train", "experiment.regularizes"),
)
def dropout_missing(evidence: Evidence) -> bool:
    found = _found(evidence, "dropout")
    return found is not None and found["mode_after_train"] != "test" and _train_matches(evidence)


@misconception(
    "FCNET_DROPOUT_ON_SCORES",
    title="dropout also applied to the class scores",
    explanation=(
        "Your net drops units of the last affine layer's output, the class scores, too. "
        "Dropout belongs after the hidden ReLUs only; dropping scores corrupts the loss."
    ),
    hint="Apply dropout in the hidden layers' loop, not after the final affine layer.",
    checks=("fc_net.dropout_train",),
)
def dropout_on_scores(evidence: Evidence) -> bool:
    found = _found(evidence, "dropout")
    return found is not None and _train_matches(
        evidence, masks=found["masks"], score_mask=found["score_mask"]
    )


@misconception(
    "FCNET_DROPOUT_MODE",
    title="train/test mode not passed to dropout",
    explanation=(
        "Your net does not set dropout_param['mode'] from whether labels were given: it "
        "drops units at test time, or never drops them in training."
    ),
    hint="At the top of loss(): mode = 'test' if y is None else 'train'; then "
    "self.dropout_param['mode'] = mode when self.use_dropout.",
    checks=("fc_net.dropout_train", "fc_net.dropout_test", "experiment.regularizes"),
)
def dropout_mode(evidence: Evidence) -> bool:
    found = _found(evidence, "dropout")
    if found is None:
        return False
    dropped_at_test = close(
        found["scores"], expected(found["params"], found["X"], None, masks=found["masks"])
    )
    stuck_in_test = found["mode_after_train"] == "test" and _train_matches(evidence)
    return dropped_at_test or stuck_in_test


def _plain_matches(evidence: Evidence, **variant: Any) -> bool:
    """Some reg > 0 run's loss or gradients match the variant and not the assignment."""
    found = _found(evidence, "plain")
    if found is None:
        return False
    for reg in REGS[1:]:
        run = found["runs"][reg]
        loss, grads = expected(found["params"], found["X"], found["y"], reg, **variant)
        if close(run["loss"], loss) or _grads_close(run["grads"], grads):
            return True
    return False


@misconception(
    "FCNET_REG_FACTOR",
    title="L2 penalty without the factor 0.5",
    explanation=(
        "Your regularization is reg * sum(W**2) (or its gradient 2 * reg * W); this "
        "assignment uses 0.5 * reg * sum(W**2), whose gradient is reg * W."
    ),
    hint="loss += 0.5 * self.reg * np.sum(W * W) for each weight; grads[W] += self.reg * W.",
    checks=("fc_net.regularization", "fc_net.gradients"),
)
def reg_factor(evidence: Evidence) -> bool:
    return _plain_matches(evidence, weight_factor=1.0)


@misconception(
    "FCNET_REG_GRAD_MISSING",
    title="the L2 penalty's gradient left out",
    explanation=(
        "With reg > 0 your gradients are those of the loss without the penalty: the "
        "gradient of 0.5 * reg * sum(W**2), which is reg * W for each weight matrix, is "
        "never added to grads."
    ),
    hint="After the backward pass, add self.reg * self.params['Wi'] to grads['Wi'] for "
    "every layer i.",
    checks=("fc_net.gradients", "fc_net.dropout_train", "fc_net.dropout_gradcheck"),
)
def reg_grad_missing(evidence: Evidence) -> bool:
    found = _found(evidence, "plain")
    if found is None:
        return False
    _, bare = expected(found["params"], found["X"], found["y"], 0.0)
    return any(_grads_close(found["runs"][reg]["grads"], bare) for reg in REGS[1:])


@misconception(
    "FCNET_REG_BIAS",
    title="biases regularized",
    explanation=(
        "Your L2 penalty includes the biases. Only the weight matrices W1 ... WL are "
        "regularized in this assignment."
    ),
    hint="Sum the penalty over self.params['W...'] only, and add reg * W to the weights' "
    "gradients only.",
    checks=("fc_net.regularization", "fc_net.gradients"),
)
def reg_bias(evidence: Evidence) -> bool:
    return any(
        _plain_matches(evidence, weight_factor=w, bias_factor=b)
        for w, b in ((0.5, 0.5), (1.0, 1.0))
    )
