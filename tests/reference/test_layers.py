"""The layers against answers that do not come from the package: the
course's published arrays, numeric gradients and values derived by hand."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest

from tests.numeric import numeric_grad, numeric_grad_array, rel_error


def test_affine_forward_matches_course_published_output(cs: ModuleType) -> None:
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    d = int(np.prod(input_shape))
    x = np.linspace(-0.1, 0.5, num=num_inputs * d).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=output_dim * d).reshape(d, output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = cs.layers.affine_forward(x, w, b)
    expected = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, expected) < 1e-7


def test_affine_forward_by_hand(cs: ModuleType) -> None:
    x = np.array([[[1.0, 2.0]], [[3.0, -1.0]]])  # (2, 1, 2): flattened to (2, 2)
    w = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
    b = np.array([1.0, -1.0, 0.5])
    out, _ = cs.layers.affine_forward(x, w, b)
    np.testing.assert_allclose(out, [[2.0, 1.0, 0.5], [4.0, -2.0, 7.5]])


def test_affine_backward_matches_numeric_gradient(cs: ModuleType) -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(10, 2, 3)), rng.normal(size=(6, 5)), rng.normal(size=5)
    dout = rng.normal(size=(10, 5))
    _, cache = cs.layers.affine_forward(x, w, b)
    dx, dw, db = cs.layers.affine_backward(dout, cache)

    def forward() -> np.ndarray:
        return cs.layers.affine_forward(x, w, b)[0]

    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, numeric_grad_array(forward, x, dout)) < 1e-7
    assert rel_error(dw, numeric_grad_array(forward, w, dout)) < 1e-7
    assert rel_error(db, numeric_grad_array(forward, b, dout)) < 1e-7


def test_affine_backward_bias_gradient_is_batch_sum(cs: ModuleType) -> None:
    x, w, b = np.ones((2, 2)), np.eye(2), np.zeros(2)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    _, cache = cs.layers.affine_forward(x, w, b)
    _, _, db = cs.layers.affine_backward(dout, cache)
    np.testing.assert_allclose(db, [4.0, 6.0])


def test_relu_forward_matches_course_published_output(cs: ModuleType) -> None:
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = cs.layers.relu_forward(x)
    expected = np.array(
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.04545455, 0.13636364],
            [0.22727273, 0.31818182, 0.40909091, 0.5],
        ]
    )
    assert rel_error(out, expected) < 5e-8


def test_relu_backward_matches_numeric_gradient(cs: ModuleType) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 10))
    x[np.abs(x) < 1e-3] = 0.5  # keep every input farther from the kink at 0 than h
    dout = rng.normal(size=x.shape)
    _, cache = cs.layers.relu_forward(x)
    dx = cs.layers.relu_backward(dout, cache)
    expected = numeric_grad_array(lambda: cs.layers.relu_forward(x)[0], x, dout, h=1e-4)
    assert rel_error(dx, expected) < 1e-8


def test_softmax_loss_of_equal_scores_is_log_num_classes(cs: ModuleType) -> None:
    loss, dx = cs.layers.softmax_loss(np.zeros((4, 10)), np.array([0, 3, 9, 9]))
    assert loss == pytest.approx(math.log(10), rel=1e-12)
    # Each row: 1/10 everywhere, minus 1 at the label, over the batch size 4.
    expected = np.full((4, 10), 0.1)
    expected[[0, 1, 2, 3], [0, 3, 9, 9]] -= 1
    np.testing.assert_allclose(dx, expected / 4, atol=1e-15)


def test_softmax_loss_by_hand(cs: ModuleType) -> None:
    # Scores 0 and ln 3: probabilities 1/4 and 3/4, so the loss of label 0 is ln 4.
    loss, dx = cs.layers.softmax_loss(np.array([[0.0, math.log(3.0)]]), np.array([0]))
    assert loss == pytest.approx(math.log(4.0), rel=1e-12)
    np.testing.assert_allclose(dx, [[0.25 - 1, 0.75]], atol=1e-15)


def test_softmax_loss_is_stable_for_large_scores(cs: ModuleType) -> None:
    # exp(1000) overflows float64; warnings are errors in this suite.
    loss, dx = cs.layers.softmax_loss(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert loss == pytest.approx(500.0, rel=1e-12)  # (0 + 1000) / 2
    assert np.all(np.isfinite(dx))


def test_softmax_loss_matches_numeric_gradient(cs: ModuleType) -> None:
    rng = np.random.default_rng(2)
    x, y = 0.1 * rng.normal(size=(50, 10)), rng.integers(10, size=50)
    _, dx = cs.layers.softmax_loss(x, y)
    expected = numeric_grad(lambda: cs.layers.softmax_loss(x, y)[0], x)
    assert rel_error(dx, expected) < 1e-7


# Dropout statistics. Each check below allows 6 standard deviations of the
# statistic it measures; for these sums of 250,000 independent terms the
# normal approximation is accurate, so a correct layer fails a check with
# probability below 2e-9.
KEEP_PROBS = (0.25, 0.4, 0.7, 1.0)
SIGMAS = 6.0


@pytest.mark.parametrize("p", KEEP_PROBS)
@pytest.mark.parametrize("seed", range(20))
def test_dropout_forward_train_statistics(cs: ModuleType, p: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(500, 500)) + 10
    n = x.size
    out, (param, mask) = cs.layers.dropout_forward(x, {"mode": "train", "p": p, "seed": seed})

    zero_fraction = float(np.mean(out == 0))
    assert abs(zero_fraction - (1 - p)) <= SIGMAS * math.sqrt(p * (1 - p) / n)

    # out_i = x_i * B_i / p with B_i ~ Bernoulli(p): E = x_i, Var = x_i^2 (1 - p) / p.
    mean_sd = math.sqrt(float(np.sum(x**2)) * (1 - p) / p) / n
    assert abs(out.mean() - x.mean()) <= SIGMAS * mean_sd

    assert param["mode"] == "train"
    assert set(np.unique(mask)) <= {0.0, 1.0 / p}
    np.testing.assert_array_equal(out, x * mask)


@pytest.mark.parametrize("p", KEEP_PROBS)
def test_dropout_forward_test_mode_is_identity(cs: ModuleType, p: float) -> None:
    x = np.random.default_rng(3).normal(size=(50, 40)) + 10
    out, (param, mask) = cs.layers.dropout_forward(x, {"mode": "test", "p": p})
    np.testing.assert_array_equal(out, x)
    assert mask is None and param["p"] == p


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["train", "test"])
def test_dropout_forward_keeps_shape_and_dtype(cs: ModuleType, dtype: type, mode: str) -> None:
    x = np.ones((3, 4, 5), dtype=dtype)
    out, _ = cs.layers.dropout_forward(x, {"mode": mode, "p": 0.5, "seed": 0})
    assert out.shape == x.shape and out.dtype == dtype


def test_dropout_forward_seed_makes_it_deterministic(cs: ModuleType) -> None:
    x = np.ones((100, 100))
    first, _ = cs.layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    again, _ = cs.layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    other, _ = cs.layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 8})
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_dropout_forward_masks_differ_per_example(cs: ModuleType) -> None:
    x = np.ones((200, 50))
    out, _ = cs.layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 0})
    # With one shared mask every row would be equal; 200 independent rows of
    # 50 fair coins are all distinct except with probability below 1e-10.
    assert len({row.tobytes() for row in out}) == 200


def test_dropout_backward_matches_numeric_gradient(cs: ModuleType) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(10, 10)) + 10
    dout = rng.normal(size=x.shape)
    param = {"mode": "train", "p": 0.2, "seed": 123}
    _, cache = cs.layers.dropout_forward(x, param)
    dx = cs.layers.dropout_backward(dout, cache)
    # Dropout is linear in x, so a large step has no truncation error and
    # little round-off.
    expected = numeric_grad_array(lambda: cs.layers.dropout_forward(x, param)[0], x, dout, h=1e-3)
    assert rel_error(dx, expected) < 1e-8


def test_dropout_backward_by_hand(cs: ModuleType) -> None:
    dout = np.arange(1.0, 7.0).reshape(2, 3)
    mask = np.array([[0.0, 2.0, 2.0], [2.0, 0.0, 0.0]])  # p = 0.5
    dx = cs.layers.dropout_backward(dout, ({"mode": "train", "p": 0.5}, mask))
    np.testing.assert_array_equal(dx, [[0.0, 4.0, 6.0], [8.0, 0.0, 0.0]])
    dx_test = cs.layers.dropout_backward(dout, ({"mode": "test", "p": 0.5}, None))
    np.testing.assert_array_equal(dx_test, dout)
