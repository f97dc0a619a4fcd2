"""The class flavour's reference against answers that do not come from it:
numeric derivatives, values worked out by hand, dropout's statistics. (The
grader's checks grade it against the function flavour's reference too:
test_grading.py.)"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

Array = np.ndarray


def numeric_gradient(f: Callable[[], float], x: Array, h: float = 1e-6) -> Array:
    """Central differences of f() with respect to x, changed in place."""
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        plus = f()
        x[index] = old - h
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def rel_error(a: Array, b: Array) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


# --- layers -------------------------------------------------------------------


def test_affine_gradients_are_numeric_derivatives(reference: ModuleType) -> None:
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(4, 2, 3)), rng.normal(size=(6, 5)), rng.normal(size=5)
    dout = rng.normal(size=(4, 5))
    layer = reference.layers.Affine(W, b)
    out = layer.forward(x)
    assert np.allclose(out, x.reshape(4, 6) @ W + b)
    dx = layer.backward(dout)

    def f() -> float:
        return float(np.sum(dout * reference.layers.Affine(W, b).forward(x)))

    assert dx.shape == x.shape
    assert rel_error(dx, numeric_gradient(f, x)) < 1e-7
    assert rel_error(layer.dW, numeric_gradient(f, W)) < 1e-7
    assert rel_error(layer.db, numeric_gradient(f, b)) < 1e-7


def test_relu_passes_the_gradient_where_the_input_was_positive(reference: ModuleType) -> None:
    x = np.array([[-2.0, -0.5, 0.5, 2.0]])
    dout = np.array([[1.0, 2.0, 3.0, 4.0]])
    layer = reference.layers.Relu()
    assert np.array_equal(layer.forward(x), [[0.0, 0.0, 0.5, 2.0]])
    assert np.array_equal(layer.backward(dout), [[0.0, 0.0, 3.0, 4.0]])
    assert np.array_equal(dout, [[1.0, 2.0, 3.0, 4.0]])  # not changed in place


def test_softmax_loss_by_hand_and_its_gradient(reference: ModuleType) -> None:
    layer = reference.layers.SoftmaxWithLoss()
    assert math.isclose(layer.forward(np.zeros((2, 4)), np.array([0, 3])), math.log(4))
    assert np.allclose(layer.backward(), np.array([[-3, 1, 1, 1], [1, 1, 1, -3]]) / 8)
    # exp(1000) would overflow; the loss of [1000, 0] with label 1 is 1000 + log(1 + e^-1000)
    assert math.isclose(layer.forward(np.array([[1000.0, 0.0]]), np.array([1])), 1000.0)
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    loss = layer.forward(x, t)
    dx = layer.backward()
    assert rel_error(dx, numeric_gradient(lambda: layer.forward(x, t), x)) < 1e-6
    assert math.isclose(layer.forward(x, np.eye(3)[t]), loss)  # one-hot labels


@pytest.mark.parametrize("ratio", [0.2, 0.5, 0.75])
def test_dropout_drops_the_ratio_and_rescales(reference: ModuleType, ratio: float) -> None:
    x = np.full((400, 500), 2.0)
    layer = reference.layers.Dropout(dropout_ratio=ratio)
    out = layer.forward(x, train_flg=True)
    dropped = float(np.mean(out == 0))
    # 200,000 Bernoulli(ratio) draws: 6 standard deviations
    assert abs(dropped - ratio) < 6 * math.sqrt(ratio * (1 - ratio) / x.size)
    assert np.allclose(out[out != 0], 2.0 / (1 - ratio))
    dout = np.ones_like(x)
    assert np.array_equal(layer.backward(dout), out / 2.0)
    assert layer.forward(x, train_flg=False) is x
    assert layer.backward(dout) is dout


def test_dropout_seed_makes_it_repeatable(reference: ModuleType) -> None:
    x = np.ones((20, 30))
    first = reference.layers.Dropout(0.5, seed=7).forward(x)
    assert np.array_equal(first, reference.layers.Dropout(0.5, seed=7).forward(x))
    assert not np.array_equal(first, reference.layers.Dropout(0.5, seed=8).forward(x))


# --- optimizers -----------------------------------------------------------------

G1, G2 = np.array([0.5, -2.0]), np.array([1.0, 1.0])


def steps(optimizer: Any, *grads: Array) -> Array:
    """Updates from w = [1, 1]; checks that params change in place and grads not at all."""
    w = np.array([1.0, 1.0])
    params = {"w": w}
    for g in grads:
        before = g.copy()
        optimizer.update(params, {"w": g})
        assert params["w"] is w and np.array_equal(g, before)
    return w


def test_sgd_and_momentum_by_hand(reference: ModuleType) -> None:
    opt = reference.optimizer
    assert np.allclose(steps(opt.SGD(lr=0.1), G1), [0.95, 1.2])
    # v1 = -0.1 g1 = [-0.05, 0.2]; v2 = 0.9 v1 - 0.1 g2 = [-0.145, 0.08]
    assert np.allclose(steps(opt.Momentum(lr=0.1, momentum=0.9), G1, G2), [0.805, 1.28])


def test_adaptive_rules_first_step_by_hand(reference: ModuleType) -> None:
    opt = reference.optimizer
    # AdaGrad: h = g^2, step lr * g / |g|; RMSprop: h = 0.01 g^2, step lr * g / (0.1 |g|);
    # Adam: m_hat = g, v_hat = g^2, step lr * g / |g| (up to eps = 1e-8)
    assert np.allclose(steps(opt.AdaGrad(lr=0.1), G1), [0.9, 1.1])
    assert np.allclose(steps(opt.RMSprop(lr=0.1), G1), [0.0, 2.0], atol=1e-6)
    assert np.allclose(steps(opt.Adam(lr=0.1), G1), [0.9, 1.1])


def test_adam_second_step_by_hand(reference: ModuleType) -> None:
    adam = reference.optimizer.Adam(lr=0.1, beta1=0.5, beta2=0.75)
    w = steps(adam, G1, G2)
    # t = 2: m = 0.25 g1 + 0.5 g2, v = 0.1875 g1^2 + 0.25 g2^2;
    # m_hat = m / 0.75, v_hat = v / 0.4375
    m_hat = (0.25 * G1 + 0.5 * G2) / 0.75
    v_hat = (0.1875 * G1**2 + 0.25 * G2**2) / 0.4375
    assert adam.t == 2
    assert np.allclose(w, [0.9, 1.1] - 0.1 * m_hat / np.sqrt(v_hat))


def test_defaults_are_the_documented_ones(reference: ModuleType) -> None:
    opt = reference.optimizer
    assert opt.SGD().lr == 0.01
    assert (opt.Momentum().lr, opt.Momentum().momentum) == (0.01, 0.9)
    assert (opt.AdaGrad().lr, opt.AdaGrad().eps) == (0.01, 1e-8)
    rms = opt.RMSprop()
    assert (rms.lr, rms.decay_rate, rms.eps) == (0.01, 0.99, 1e-8)
    adam = opt.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.t) == (0.001, 0.9, 0.999, 1e-8, 0)


# --- the network ------------------------------------------------------------------


def small_net(reference: ModuleType, **kwargs: Any) -> Any:
    """A net of fixed weights and biases (biases not 0, so that no ReLU input
    is exactly 0 where dropout zeroed a whole row of the layer below)."""
    np.random.seed(0)
    net = reference.multi_layer_net.MultiLayerNet(
        6, [5, 4], 3, weight_init_std=0.5, dtype=np.float64, **kwargs
    )
    for name in ("b1", "b2", "b3"):
        net.params[name][...] = np.random.normal(scale=0.5, size=net.params[name].shape)
    return net


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"weight_decay_lambda": 0.3},
        {"weight_decay_lambda": 0.3, "weight_decay_type": "L1"},
        {"weight_decay_lambda": 0.1, "weight_decay_type": "L1", "use_dropout": True, "seed": 3},
    ],
    ids=["plain", "L2", "L1", "L1+dropout"],
)
def test_net_gradient_is_the_numeric_derivative_of_its_loss(
    reference: ModuleType, kwargs: dict[str, Any]
) -> None:
    net = small_net(reference, **kwargs)
    rng = np.random.default_rng(2)
    x, t = rng.normal(size=(7, 2, 3)), rng.integers(0, 3, size=7)
    grads = net.gradient(x, t)
    params = net.params
    assert set(grads) == set(params) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    for name, value in params.items():
        numeric = numeric_gradient(lambda: net.loss(x, t, train_flg=True), value)
        assert rel_error(grads[name], numeric) < 1e-5, name


def test_weight_decay_penalties_by_hand(reference: ModuleType) -> None:
    rng = np.random.default_rng(4)
    x, t = rng.normal(size=(3, 6)), np.array([0, 1, 2])
    plain = small_net(reference).loss(x, t)
    weights = [small_net(reference).params[f"W{i}"] for i in (1, 2, 3)]
    l2 = small_net(reference, weight_decay_lambda=0.3).loss(x, t)
    l1 = small_net(reference, weight_decay_lambda=0.3, weight_decay_type="L1").loss(x, t)
    assert math.isclose(l2 - plain, 0.15 * sum(float(np.sum(w * w)) for w in weights))
    assert math.isclose(l1 - plain, 0.3 * sum(float(np.sum(np.abs(w))) for w in weights))


def test_net_uses_the_params_it_holds_now(reference: ModuleType) -> None:
    net = small_net(reference)
    x = np.ones((2, 6))
    net.params["W3"] = np.zeros((4, 3))
    net.params["b3"] = np.array([1.0, 2.0, 3.0])
    assert np.array_equal(net.predict(x), [[1.0, 2.0, 3.0]] * 2)


def test_net_without_dropout_at_test_time_and_its_dtype(reference: ModuleType) -> None:
    np.random.seed(0)
    net = reference.multi_layer_net.MultiLayerNet(6, [50], 3, use_dropout=True, dropout_ratio=0.5)
    assert {v.dtype for v in net.params.values()} == {np.dtype(np.float32)}
    x = np.ones((4, 6), dtype=np.float32)
    assert np.array_equal(net.predict(x), net.predict(x))


def test_unknown_weight_decay_type_lists_the_valid_ones(reference: ModuleType) -> None:
    with pytest.raises(ValueError, match="'L2', 'L1'"):
        reference.multi_layer_net.MultiLayerNet(6, [5], 3, weight_decay_type="L3")
