"""The update rules against the course's published arrays and trajectories
derived by hand."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest

from tests.numeric import rel_error

N, D = 4, 5


def course_inputs() -> tuple[np.ndarray, np.ndarray]:
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    return w, dw


# The expected arrays of the course's optimizer notebook cells.
def test_sgd_momentum_matches_course_arrays(cs: ModuleType) -> None:
    w, dw = course_inputs()
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    next_w, config = cs.optim.sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    expected_next_w = np.array(
        [
            [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
            [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
            [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
            [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096],
        ]
    )
    expected_velocity = np.array(
        [
            [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
            [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
            [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
            [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096],
        ]
    )
    assert rel_error(next_w, expected_next_w) < 1e-8
    assert rel_error(config["velocity"], expected_velocity) < 1e-8


def test_rmsprop_matches_course_arrays(cs: ModuleType) -> None:
    w, dw = course_inputs()
    cache = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    next_w, config = cs.optim.rmsprop(w, dw, {"learning_rate": 1e-2, "cache": cache})
    expected_next_w = np.array(
        [
            [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
            [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
            [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
            [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619],
        ]
    )
    expected_cache = np.array(
        [
            [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
            [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
            [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
            [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926],
        ]
    )
    assert rel_error(next_w, expected_next_w) < 1e-7
    assert rel_error(config["cache"], expected_cache) < 1e-7


def test_adam_matches_course_arrays(cs: ModuleType) -> None:
    w, dw = course_inputs()
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    next_w, config = cs.optim.adam(w, dw, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    expected_next_w = np.array(
        [
            [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
            [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
            [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
            [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459],
        ]
    )
    expected_v = np.array(
        [
            [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
            [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
            [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
            [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966],
        ]
    )
    expected_m = np.array(
        [
            [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
            [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
            [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
            [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85],
        ]
    )
    assert rel_error(next_w, expected_next_w) < 1e-6
    assert rel_error(config["v"], expected_v) < 1e-8
    assert rel_error(config["m"], expected_m) < 1e-8
    assert config["t"] == 6


# Three steps each, worked out by hand in the comments. Each rule is run on
# a one-element weight with the gradient sequence given, feeding back the
# config it returns, as the solver does.
def run(rule: object, w0: float, grads: list[float], config: dict[str, float]) -> list[float]:
    w = np.array([w0])
    trajectory = []
    for g in grads:
        w, config = rule(w, np.array([g]), config)  # type: ignore[operator]
        trajectory.append(float(w[0]))
    return trajectory


@pytest.mark.given  # sgd is given to students complete
def test_sgd_three_steps_by_hand(cs: ModuleType) -> None:
    # w <- w - 0.1 g: 1 - 0.1 = 0.9; 0.9 + 0.2 = 1.1; 1.1 - 0.05 = 1.05.
    got = run(cs.optim.sgd, 1.0, [1.0, -2.0, 0.5], {"learning_rate": 0.1})
    assert got == pytest.approx([0.9, 1.1, 1.05], abs=1e-12)


def test_sgd_momentum_three_steps_by_hand(cs: ModuleType) -> None:
    # v <- 0.9 v - 0.1 g, w <- w + v, with g = w (the gradient of w^2 / 2):
    # v1 = -0.1,                w1 = 0.9
    # v2 = -0.09 - 0.09 = -0.18, w2 = 0.72
    # v3 = -0.162 - 0.072 = -0.234, w3 = 0.486
    rule, config = cs.optim.sgd_momentum, {"learning_rate": 0.1, "momentum": 0.9}
    w, trajectory = np.array([1.0]), []
    for _ in range(3):
        w, config = rule(w, w.copy(), config)
        trajectory.append(float(w[0]))
    assert trajectory == pytest.approx([0.9, 0.72, 0.486], abs=1e-12)
    assert float(config["velocity"][0]) == pytest.approx(-0.234, abs=1e-12)


def test_rmsprop_three_steps_by_hand(cs: ModuleType) -> None:
    # g = 1 every step, decay 0.99, lr 0.01:
    # cache1 = 0.01,               step 0.01 / 0.1
    # cache2 = 0.0099 + 0.01 = 0.0199,   step 0.01 / sqrt(0.0199)
    # cache3 = 0.019701 + 0.01 = 0.029701, step 0.01 / sqrt(0.029701)
    got = run(cs.optim.rmsprop, 0.0, [1.0, 1.0, 1.0], {"learning_rate": 0.01})
    steps = [0.01 / (math.sqrt(c) + 1e-8) for c in (0.01, 0.0199, 0.029701)]
    expected = [-sum(steps[: i + 1]) for i in range(3)]
    assert got == pytest.approx(expected, rel=1e-12)


def test_adam_three_steps_by_hand(cs: ModuleType) -> None:
    # g = 1, -1, 2; lr 0.1; t counts 1, 2, 3 before the bias correction.
    # t=1: m = 0.1,  v = 0.001;     m^ = 1,                  v^ = 1
    # t=2: m = -0.01, v = 0.001999; m^ = -0.01 / 0.19,       v^ = 1
    # t=3: m = 0.191, v = 0.005997001
    #      m^ = 0.191 / 0.271, v^ = 0.005997001 / 0.002997001
    m_hats = [1.0, -0.01 / 0.19, 0.191 / 0.271]
    v_hats = [1.0, 1.0, 0.005997001 / 0.002997001]
    steps = [0.1 * m / (math.sqrt(v) + 1e-8) for m, v in zip(m_hats, v_hats, strict=True)]
    expected = [-sum(steps[: i + 1]) for i in range(3)]
    config: dict[str, float] = {"learning_rate": 0.1}
    got = run(cs.optim.adam, 0.0, [1.0, -1.0, 2.0], config)
    assert got == pytest.approx(expected, rel=1e-9)


def test_adagrad_three_steps_by_hand(cs: ModuleType) -> None:
    # g = 1, -1, 2; lr 0.1; cache = 1, 2, 6:
    # w1 = -0.1, w2 = -0.1 + 0.1 / sqrt(2), w3 = w2 - 0.2 / sqrt(6).
    got = run(cs.optim.adagrad, 0.0, [1.0, -1.0, 2.0], {"learning_rate": 0.1})
    w2 = -0.1 + 0.1 / math.sqrt(2)
    assert got == pytest.approx([-0.1, w2, w2 - 0.2 / math.sqrt(6)], rel=1e-7)


@pytest.mark.parametrize(
    ("rule", "defaults"),
    [
        pytest.param("sgd", {"learning_rate": 1e-2}, marks=pytest.mark.given),
        ("sgd_momentum", {"learning_rate": 1e-2, "momentum": 0.9}),
        ("rmsprop", {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
        ("adam", {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}),
        ("adagrad", {"learning_rate": 1e-2, "epsilon": 1e-8}),
    ],
)
def test_default_config(cs: ModuleType, rule: str, defaults: dict[str, float]) -> None:
    w, dw = course_inputs()
    _, config = getattr(cs.optim, rule)(w.copy(), dw, None)
    for key, value in defaults.items():
        assert config[key] == value, key


@pytest.mark.parametrize(
    ("rule", "state"),
    [
        ("sgd_momentum", ["velocity"]),
        ("rmsprop", ["cache"]),
        ("adam", ["m", "v"]),
        ("adagrad", ["cache"]),
    ],
)
def test_state_is_stored_in_config(cs: ModuleType, rule: str, state: list[str]) -> None:
    w, dw = course_inputs()
    _, config = getattr(cs.optim, rule)(w.copy(), dw, None)
    for key in state:
        assert config[key].shape == w.shape
        assert np.any(config[key] != 0), f"{rule} left {key} at its initial zeros"


@pytest.mark.parametrize(
    "rule",
    [pytest.param("sgd", marks=pytest.mark.given), "sgd_momentum", "rmsprop", "adam", "adagrad"],
)
def test_zero_gradient_from_fresh_state_leaves_weights(cs: ModuleType, rule: str) -> None:
    w, _ = course_inputs()
    next_w, _ = getattr(cs.optim, rule)(w.copy(), np.zeros_like(w), None)
    np.testing.assert_array_equal(next_w, w)


@pytest.mark.parametrize("rule", ["rmsprop", "adagrad"])
def test_epsilon_is_outside_the_square_root(cs: ModuleType, rule: str) -> None:
    # With g = 1e-12 and a fresh cache: eps outside the root gives a step of
    # lr * g / (sqrt(k) g + 1e-8), about lr * 1e-4 / sqrt(k); eps inside
    # would give lr * g / sqrt(k g^2 + 1e-8), about lr * 1e-8.
    g, lr = 1e-12, 1e-2
    k = 1.0 if rule == "adagrad" else 0.01  # the weight of g^2 in the new cache
    next_w, _ = getattr(cs.optim, rule)(np.zeros(1), np.full(1, g), {"learning_rate": lr})
    assert -next_w[0] == pytest.approx(lr * g / (math.sqrt(k) * g + 1e-8), rel=1e-9)


def test_adam_epsilon_is_outside_the_square_root(cs: ModuleType) -> None:
    # First step, g = 1e-12: m^ = g, v^ = g^2, so the step is lr * g / (g + eps).
    g, lr = 1e-12, 1e-3
    next_w, _ = cs.optim.adam(np.zeros(1), np.full(1, g), {"learning_rate": lr})
    assert -next_w[0] == pytest.approx(lr * g / (g + 1e-8), rel=1e-9)
