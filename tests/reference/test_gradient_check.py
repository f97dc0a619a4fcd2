"""The numeric-gradient helpers students use, on functions whose gradients
are known in closed form."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

pytestmark = pytest.mark.given


def test_eval_numerical_gradient_of_sum_of_squares(cs: ModuleType) -> None:
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = cs.gradient_check.eval_numerical_gradient(
        lambda v: float(np.sum(v**2)), x, verbose=False
    )
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)


def test_eval_numerical_gradient_array_contracts_with_dout(cs: ModuleType) -> None:
    # f(x) = 3x elementwise, so d sum(f(x) * dout) / dx = 3 dout.
    x, dout = np.linspace(-1, 1, 6).reshape(2, 3), np.arange(6.0).reshape(2, 3)
    grad = cs.gradient_check.eval_numerical_gradient_array(lambda v: 3 * v, x, dout)
    np.testing.assert_allclose(grad, 3 * dout, rtol=1e-8)


def test_rel_error_by_hand(cs: ModuleType) -> None:
    assert cs.gradient_check.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert cs.gradient_check.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)


def test_grad_check_sparse_reports_small_errors(
    cs: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    x = np.random.default_rng(0).normal(size=(4, 4))
    errors = cs.gradient_check.grad_check_sparse(lambda v: float(np.sum(v**3)), x, 3 * x**2, 5)
    assert len(errors) == 5 and max(errors) < 1e-7
    assert "relative error" in capsys.readouterr().out
