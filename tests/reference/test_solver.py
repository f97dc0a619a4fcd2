"""The Solver: it trains, it is reproducible, and it names the valid update
rules when given an unknown one."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest


def tiny_problem(seed: int = 0) -> dict[str, np.ndarray]:
    # Two well separated Gaussian blobs per class, 3 classes, 8 features.
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(3, 8))
    y = rng.integers(3, size=200)
    X = centers[y] + rng.normal(size=(200, 8))
    return {"X_train": X[:150], "y_train": y[:150], "X_val": X[150:], "y_val": y[150:]}


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam", "adagrad"])
def test_solver_trains_with_every_update_rule(cs: ModuleType, rule: str) -> None:
    np.random.seed(0)
    model = cs.classifiers.fc_net.FullyConnectedNet(
        [20], input_dim=8, num_classes=3, weight_scale=0.1, dtype=np.float64
    )
    solver = cs.solver.Solver(
        model,
        tiny_problem(),
        update_rule=rule,
        optim_config={"learning_rate": 1e-2},
        num_epochs=20,
        batch_size=50,
        verbose=False,
        seed=1,
    )
    solver.train()
    assert np.mean(solver.loss_history[-3:]) < 0.5 * solver.loss_history[0]
    assert solver.best_val_acc > 0.9
    assert len(solver.val_acc_history) == 21  # before training, then every epoch


def test_solver_with_seed_is_reproducible(cs: ModuleType) -> None:
    histories = []
    for _ in range(2):
        np.random.seed(3)
        model = cs.classifiers.fc_net.FullyConnectedNet(
            [10], input_dim=8, num_classes=3, dropout_keep_ratio=0.5, dtype=np.float64
        )
        solver = cs.solver.Solver(model, tiny_problem(), num_epochs=2, verbose=False, seed=9)
        solver.train()
        histories.append(solver.loss_history)
    assert histories[0] == histories[1]


@pytest.mark.given
def test_solver_unknown_rule_lists_valid_ones(cs: ModuleType) -> None:
    with pytest.raises(ValueError, match='"sgd", "sgd_momentum", "rmsprop", "adam", "adagrad"'):
        cs.solver.Solver(object(), tiny_problem(), update_rule="nesterov")


@pytest.mark.given
def test_solver_unknown_option_is_named(cs: ModuleType) -> None:
    with pytest.raises(ValueError, match='"learning_rate"'):
        cs.solver.Solver(object(), tiny_problem(), learning_rate=0.1)
