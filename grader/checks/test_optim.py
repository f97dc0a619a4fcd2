"""Checks of the update rules against the reference, computed in the trusted
process, and the misconceptions recognised by the variant formulas that
match the student's numbers.

Deterministic comparisons: no false-fail probability beyond float round-off,
which the 1e-6 relative tolerance leaves far behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from grader import load_cs231n, reference_root
from grader.plugin import RngFactory
from grader.proxy import StudentProxy
from grader.registry import Evidence, check, misconception

from . import validate

RULES = ("sgd_momentum", "rmsprop", "adam")
STATE = {"sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v")}
SHAPE = (6, 7)
STEPS = 5
TOL = 1e-6


def reference() -> Any:
    return load_cs231n(reference_root(), alias="grader_reference_cs231n").optim


def close(a: Any, b: np.ndarray) -> bool:
    if not isinstance(a, np.ndarray) or a.shape != b.shape:
        return False
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return scale == 0 or float(np.linalg.norm(a - b)) / scale < TOL


def _copy(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in config.items()}


def _start_config(rule: str, rng: np.random.Generator) -> dict[str, Any]:
    config: dict[str, Any] = {"learning_rate": float(rng.uniform(1e-3, 5e-2))}
    if rule == "sgd_momentum":
        config["velocity"] = rng.normal(size=SHAPE)
    elif rule == "rmsprop":
        config["cache"] = rng.uniform(0.1, 1.0, size=SHAPE)
        config["cache"][0] = 0.0  # with the tiny gradients of row 0: where eps matters
    elif rule == "adam":
        config |= {"m": rng.normal(size=SHAPE), "v": rng.uniform(0.1, 1, SHAPE), "t": 4}
        config["m"][0], config["v"][0] = 0.0, 0.0
    return config


@pytest.fixture(scope="session")
def optim_probe(
    student: StudentProxy, evidence: Evidence, rng_for: RngFactory
) -> dict[str, dict[str, Any]]:
    """Per rule: one step from a given state, and a 5-step run from a fresh one."""
    rng = rng_for("optim_probe")
    probe: dict[str, dict[str, Any]] = {}
    for rule in RULES:
        w, dw = rng.normal(size=SHAPE), rng.normal(size=SHAPE)
        dw[0] = 1e-9 * np.sign(dw[0])  # tiny gradients: epsilon's placement shows here
        config = _start_config(rule, rng)
        entry: dict[str, Any] = {"w": w, "dw": dw, "config": config, "error": None}
        try:
            value = student.call(f"optim.{rule}", w.copy(), dw, _copy(config))
            next_w, next_config = validate.pair(value, rule)
            entry["next_w"], entry["next_config"] = next_w, next_config
            grads = [rng.normal(size=SHAPE) for _ in range(STEPS)]
            lr = {"learning_rate": config["learning_rate"]}
            trajectory, current, state = [], w.copy(), dict(lr)
            for g in grads:
                current, state = validate.pair(
                    student.call(f"optim.{rule}", current, g, state), rule
                )
                if not isinstance(state, dict):
                    raise AssertionError(f"{rule} should return its config dictionary")
                trajectory.append(current)
            entry["grads"], entry["trajectory"], entry["lr"] = grads, trajectory, lr
            defaults = validate.pair(student.call(f"optim.{rule}", w.copy(), dw, None), rule)[1]
            entry["defaults"] = defaults
        except Exception as exc:  # kept, re-raised by each check that needs it
            entry["error"] = exc
        probe[rule] = entry
    evidence["optim"] = probe
    return probe


def _entry(probe: dict[str, dict[str, Any]], rule: str) -> dict[str, Any]:
    entry = probe[rule]
    if entry["error"] is not None:
        raise entry["error"]
    return entry


def _one_step(rule: str) -> Callable[[dict[str, dict[str, Any]]], None]:
    def test(optim_probe: dict[str, dict[str, Any]]) -> None:
        e = _entry(optim_probe, rule)
        expected_w, expected_config = getattr(reference(), rule)(
            e["w"].copy(), e["dw"], _copy(e["config"])
        )
        next_w = validate.array(e["next_w"], f"{rule}'s next_w", SHAPE)
        assert close(next_w, expected_w), (
            f"{rule}: one step from a given state moves w to the wrong place"
        )
        for key in STATE[rule]:
            got = e["next_config"].get(key) if isinstance(e["next_config"], dict) else None
            assert close(got, expected_config[key]), (
                f"{rule}: config['{key}'] after one step is wrong"
            )

    return test


def _multi_step(rule: str) -> Callable[[dict[str, dict[str, Any]]], None]:
    def test(optim_probe: dict[str, dict[str, Any]]) -> None:
        e = _entry(optim_probe, rule)
        current, config = e["w"].copy(), dict(e["lr"])
        for step, (g, got) in enumerate(zip(e["grads"], e["trajectory"], strict=True), 1):
            current, config = getattr(reference(), rule)(current, g, config)
            assert close(got, current), (
                f"{rule}: feeding back the config it returns, "
                f"w is wrong after step {step} of {STEPS}"
            )

    return test


for _rule in RULES:
    globals()[f"test_{_rule}_one_step"] = check(
        f"optim.{_rule}.one_step", points=2, title=f"{_rule}: one update matches the formula"
    )(_one_step(_rule))
    globals()[f"test_{_rule}_multi_step"] = check(
        f"optim.{_rule}.multi_step",
        points=1,
        title=f"{_rule}: five updates in a row, state carried",
    )(_multi_step(_rule))


# --- misconceptions ---------------------------------------------------------


def _matches(
    evidence: Evidence, rule: str, formula: Callable[[dict[str, Any]], np.ndarray]
) -> bool:
    entry = (evidence.get("optim") or {}).get(rule)
    if not entry or entry.get("error") is not None or "next_w" not in entry:
        return False
    return close(entry["next_w"], formula(entry))


@misconception(
    "MOMENTUM_VELOCITY_SIGN",
    title="momentum step taken against the velocity",
    explanation=(
        "Your update moves w by minus the velocity, while the velocity already holds the "
        "negative gradient (v = momentum * v - learning_rate * dw): the step goes uphill."
    ),
    hint="With v = momentum * v - learning_rate * dw, the update is next_w = w + v.",
    checks=("optim.sgd_momentum.one_step",),
)
def momentum_sign(evidence: Evidence) -> bool:
    def formula(e: dict[str, Any]) -> np.ndarray:
        c = e["config"]
        v = 0.9 * c["velocity"] - c["learning_rate"] * e["dw"]
        return np.asarray(e["w"] - v)

    return _matches(evidence, "sgd_momentum", formula)


@misconception(
    "OPTIM_STATE_NOT_SAVED",
    title="optimizer state not stored back in config",
    explanation=(
        "One update is right, but over several updates your rule behaves as if it started "
        "from scratch each time: the new velocity or moving averages are computed but never "
        "saved in config, so the next call cannot use them."
    ),
    hint="Before returning, store the new state: config['velocity'] = v (or cache, m, v, t).",
    checks=tuple(f"optim.{r}.multi_step" for r in RULES),
)
def state_not_saved(evidence: Evidence) -> bool:
    probe = evidence.get("optim") or {}
    for rule, e in probe.items():
        if e.get("error") is not None or "trajectory" not in e:
            continue
        current = e["w"].copy()
        for g, got in zip(e["grads"], e["trajectory"], strict=True):
            current, _ = getattr(reference(), rule)(current, g, dict(e["lr"]))
            if not close(got, current):
                break
        else:
            return True
    return False


@misconception(
    "RMSPROP_EPS_PLACEMENT",
    title="epsilon inside the square root",
    explanation="Your RMSProp divides by sqrt(cache + eps); the formula is sqrt(cache) + eps.",
    hint="next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon).",
    checks=("optim.rmsprop.one_step",),
)
def rmsprop_eps(evidence: Evidence) -> bool:
    def formula(e: dict[str, Any]) -> np.ndarray:
        c = e["config"]
        cache = 0.99 * c["cache"] + 0.01 * e["dw"] ** 2
        return np.asarray(e["w"] - c["learning_rate"] * e["dw"] / np.sqrt(cache + 1e-8))

    return _matches(evidence, "rmsprop", formula)


@misconception(
    "RMSPROP_DECAY",
    title="running average of squared gradients built wrongly",
    explanation=(
        "Your cache is not decay_rate * cache + (1 - decay_rate) * dw**2: the two weights "
        "are swapped, or the gradient is not squared."
    ),
    hint="cache = decay_rate * cache + (1 - decay_rate) * dw**2.",
    checks=("optim.rmsprop.one_step",),
)
def rmsprop_decay(evidence: Evidence) -> bool:
    def variant(swap: bool, square: bool) -> Callable[[dict[str, Any]], np.ndarray]:
        def formula(e: dict[str, Any]) -> np.ndarray:
            c, g = e["config"], e["dw"]
            a, b = (0.01, 0.99) if swap else (0.99, 0.01)
            cache = a * c["cache"] + b * (g**2 if square else g)
            return np.asarray(e["w"] - c["learning_rate"] * g / (np.sqrt(np.abs(cache)) + 1e-8))

        return formula

    return any(
        _matches(evidence, "rmsprop", variant(s, q)) for s, q in ((True, True), (False, False))
    )


def _adam(
    e: dict[str, Any], *, correct: bool = True, t_after: bool = False, eps_inside: bool = False
) -> np.ndarray:
    c, g = e["config"], e["dw"]
    m = 0.9 * c["m"] + 0.1 * g
    v = 0.999 * c["v"] + 0.001 * g**2
    t = c["t"] if t_after else c["t"] + 1
    if correct:
        m, v = m / (1 - 0.9**t), v / (1 - 0.999**t)
    denominator = np.sqrt(v + 1e-8) if eps_inside else np.sqrt(v) + 1e-8
    return np.asarray(e["w"] - c["learning_rate"] * m / denominator)


@misconception(
    "ADAM_NO_BIAS_CORRECTION",
    title="Adam without bias correction",
    explanation=(
        "Your Adam uses m and v directly; it must divide them by 1 - beta1**t and 1 - beta2**t."
    ),
    hint="mt = m / (1 - beta1**t); vt = v / (1 - beta2**t); then divide by sqrt(vt) + eps.",
    checks=("optim.adam.one_step",),
)
def adam_no_correction(evidence: Evidence) -> bool:
    return _matches(evidence, "adam", lambda e: _adam(e, correct=False))


@misconception(
    "ADAM_T_ORDER",
    title="Adam's t incremented after the bias correction",
    explanation=(
        "Your bias correction uses the old t; increment t first, so the first step uses t = 1."
    ),
    hint="t = config['t'] + 1 before computing 1 - beta1**t and 1 - beta2**t.",
    checks=("optim.adam.one_step",),
)
def adam_t_order(evidence: Evidence) -> bool:
    return _matches(evidence, "adam", lambda e: _adam(e, t_after=True))


@misconception(
    "ADAM_EPS_PLACEMENT",
    title="Adam's epsilon inside the square root",
    explanation="Your Adam divides by sqrt(vt + eps); the formula is sqrt(vt) + eps.",
    hint="next_w = w - learning_rate * mt / (np.sqrt(vt) + epsilon).",
    checks=("optim.adam.one_step",),
)
def adam_eps(evidence: Evidence) -> bool:
    return _matches(evidence, "adam", lambda e: _adam(e, eps_inside=True))
