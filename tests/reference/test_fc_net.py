"""FullyConnectedNet against numeric gradients, a forward pass written out
in the test, and losses derived by hand."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest

from tests.numeric import norm_rel_error, numeric_grad

N, D, H1, H2, C = 3, 15, 20, 30, 10


def make_net(cs: ModuleType, **kwargs: object) -> object:
    np.random.seed(231)
    options: dict[str, object] = {
        "input_dim": D,
        "num_classes": C,
        "weight_scale": 5e-2,
        "dtype": np.float64,
    }
    options.update(kwargs)
    return cs.classifiers.fc_net.FullyConnectedNet([H1, H2], **options)


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)), rng.integers(C, size=N)


@pytest.mark.parametrize("keep", [1, 0.75, 0.5])
@pytest.mark.parametrize("reg", [0.0, 0.7, 3.14])
def test_loss_gradients_match_numeric_gradients(cs: ModuleType, keep: float, reg: float) -> None:
    net = make_net(cs, dropout_keep_ratio=keep, reg=reg, seed=123)
    # Non-zero biases keep every pre-activation off the ReLU kink at exactly
    # 0, where a numeric derivative means nothing (a fully dropped layer
    # below would otherwise put units there).
    rng = np.random.default_rng(7)
    for name in ("b1", "b2", "b3"):
        net.params[name] = 0.1 * rng.normal(size=net.params[name].shape)
    X, y = data()
    loss, grads = net.loss(X, y)
    assert np.isfinite(loss)
    assert set(grads) == set(net.params)
    for name, param in net.params.items():
        expected = numeric_grad(lambda: net.loss(X, y)[0], param)
        assert grads[name].shape == param.shape
        assert norm_rel_error(grads[name], expected) < 1e-6, name


def test_init_shapes_scale_and_zero_biases(cs: ModuleType) -> None:
    np.random.seed(0)
    net = cs.classifiers.fc_net.FullyConnectedNet(
        [200, 100], input_dim=300, num_classes=7, weight_scale=0.1
    )
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {
        "W1": (300, 200),
        "b1": (200,),
        "W2": (200, 100),
        "b2": (100,),
        "W3": (100, 7),
        "b3": (7,),
    }
    for name, value in net.params.items():
        assert value.dtype == np.float32
        if name.startswith("b"):
            assert not value.any()
        else:
            # The sample std of n >= 700 normal draws is within 10% of the
            # true std except with probability below 1e-6.
            assert value.mean() == pytest.approx(0.0, abs=0.02)
            assert value.std() == pytest.approx(0.1, rel=0.1)


def test_scores_match_forward_pass_written_out(cs: ModuleType) -> None:
    net = make_net(cs, dropout_keep_ratio=0.5)
    rng = np.random.default_rng(5)
    for name in net.params:
        net.params[name] = rng.normal(size=net.params[name].shape)
    X, _ = data()
    p = net.params
    h1 = np.maximum(0, X @ p["W1"] + p["b1"])
    h2 = np.maximum(0, h1 @ p["W2"] + p["b2"])
    expected = h2 @ p["W3"] + p["b3"]
    # y=None is test mode: no unit is dropped, every call gives the same scores.
    np.testing.assert_allclose(net.loss(X), expected, rtol=1e-12)
    np.testing.assert_allclose(net.loss(X), expected, rtol=1e-12)


def test_train_loss_drops_units_after_each_hidden_relu(cs: ModuleType) -> None:
    keep, seed = 0.5, 42
    net = make_net(cs, dropout_keep_ratio=keep, seed=seed)
    X, y = data()
    p = net.params

    # The contract: dropout seeds numpy's global generator with `seed`, then
    # draws np.random.rand(*h.shape) < keep; every hidden layer is dropped.
    def drop(h: np.ndarray) -> np.ndarray:
        np.random.seed(seed)
        return h * (np.random.rand(*h.shape) < keep) / keep

    h1 = drop(np.maximum(0, X @ p["W1"] + p["b1"]))
    h2 = drop(np.maximum(0, h1 @ p["W2"] + p["b2"]))
    scores = h2 @ p["W3"] + p["b3"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(N), y].mean()

    loss, _ = net.loss(X, y)
    assert loss == pytest.approx(expected, rel=1e-12)
    assert net.dropout_param["mode"] == "train"
    net.loss(X)
    assert net.dropout_param["mode"] == "test"


def test_loss_by_hand_at_known_weights(cs: ModuleType) -> None:
    net = cs.classifiers.fc_net.FullyConnectedNet(
        [2], input_dim=2, num_classes=3, reg=0.1, dtype=np.float64
    )
    net.params.update(
        W1=np.eye(2),
        b1=np.zeros(2),
        W2=np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
        b2=np.zeros(3),
    )
    X, y = np.array([[1.0, -1.0]]), np.array([0])
    # hidden = relu([1, -1]) = [1, 0]; scores = [2, 0, 0];
    # data loss = -log(e^2 / (e^2 + 2)) = log(1 + 2 e^-2);
    # L2 = 0.5 * 0.1 * (1 + 1 + 4) = 0.3.
    loss, grads = net.loss(X, y)
    assert loss == pytest.approx(math.log(1 + 2 * math.exp(-2)) + 0.3, rel=1e-12)
    # dscores = softmax - onehot; dW2 = hidden^T dscores + reg * W2.
    softmax = np.array([math.exp(2), 1.0, 1.0]) / (math.exp(2) + 2)
    dscores = softmax - np.array([1.0, 0.0, 0.0])
    expected_dW2 = np.outer([1.0, 0.0], dscores) + 0.1 * net.params["W2"]
    np.testing.assert_allclose(grads["W2"], expected_dW2, rtol=1e-12)
    np.testing.assert_allclose(grads["b2"], dscores, rtol=1e-12)


@pytest.mark.parametrize("reg", [0.1, 2.5])
def test_l2_term_covers_weights_only(cs: ModuleType, reg: float) -> None:
    net = make_net(cs)
    rng = np.random.default_rng(6)
    for name in net.params:
        net.params[name] = rng.normal(size=net.params[name].shape)
    X, y = data()
    loss_free, grads_free = net.loss(X, y)
    net.reg = reg
    loss_reg, grads_reg = net.loss(X, y)
    weights = [net.params[k] for k in ("W1", "W2", "W3")]
    l2 = 0.5 * reg * sum(float(np.sum(w**2)) for w in weights)
    assert loss_reg - loss_free == pytest.approx(l2, rel=1e-10)
    for name in net.params:
        extra = reg * net.params[name] if name.startswith("W") else 0.0
        np.testing.assert_allclose(grads_reg[name], grads_free[name] + extra, rtol=1e-10)


def test_no_dropout_when_keep_ratio_is_one(cs: ModuleType) -> None:
    net = make_net(cs, dropout_keep_ratio=1)
    X, y = data()
    assert not net.use_dropout
    first, _ = net.loss(X, y)
    second, _ = net.loss(X, y)
    assert first == second


def test_dtype_is_honoured(cs: ModuleType) -> None:
    net = make_net(cs, dtype=np.float32)
    X, y = data()
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert net.loss(X).dtype == np.float32
    _, grads = net.loss(X, y)
    assert all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.given  # the template keeps this check
def test_normalization_is_refused_with_a_clear_message(cs: ModuleType) -> None:
    with pytest.raises(ValueError, match="normalization=None"):
        cs.classifiers.fc_net.FullyConnectedNet([5], normalization="batchnorm")
