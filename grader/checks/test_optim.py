"""Checks of the update rules against the reference, computed in the trusted
process, and the misconceptions recognised by the variant formulas that
match the student's numbers. Both come through grader.oracle (the oracles
``optim.*``).

Per rule the probe makes one step from a given state, five chained steps
from a fresh one, one step with config=None (the documented defaults), and
one edge step from a fresh state (a config holding only the learning rate):
zero gradients, where a missing epsilon gives 0/0, and gradients of 1e-12 at
w = 0, so that the step itself is compared and not drowned in w.

Deterministic comparisons: no false-fail probability beyond float round-off,
which the 1e-6 relative tolerance leaves far behind.
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
from grader.proxy import StudentProxy
from grader.registry import Evidence, check, misconception

from . import validate

RULES = ("sgd", "sgd_momentum", "rmsprop", "adam", "adagrad")
STATE: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "sgd_momentum": ("velocity",),
    "rmsprop": ("cache",),
    "adam": ("m", "v"),
    "adagrad": ("cache",),
}
SHAPE = (6, 7)
STEPS = 5
TOL = 1e-6
ZERO_ROWS, TINY_ROWS = slice(0, 3), slice(3, 6)  # of the edge step


def close(a: Any, b: np.ndarray) -> bool:
    return validate.close(a, b, TOL)


def _copy(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in config.items()}


def _start_config(rule: str, rng: np.random.Generator) -> dict[str, Any]:
    config: dict[str, Any] = {"learning_rate": float(rng.uniform(1e-3, 5e-2))}
    if rule == "sgd_momentum":
        config["velocity"] = rng.normal(size=SHAPE)
    elif rule in ("rmsprop", "adagrad"):
        config["cache"] = rng.uniform(0.1, 1.0, size=SHAPE)
        config["cache"][0] = 0.0  # with the tiny gradients of row 0: where eps matters
    elif rule == "adam":
        config |= {"m": rng.normal(size=SHAPE), "v": rng.uniform(0.1, 1, SHAPE), "t": 4}
        config["m"][0], config["v"][0] = 0.0, 0.0
    return config


def _edge_inputs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """w and dw of the edge step: zero gradients in ZERO_ROWS; in TINY_ROWS,
    gradients of about 1e-12 at w = 0, so that next_w there is the step itself."""
    w, dw = rng.normal(size=SHAPE), np.zeros(SHAPE)
    w[TINY_ROWS] = 0.0
    tiny = dw[TINY_ROWS].shape
    dw[TINY_ROWS] = 1e-12 * rng.uniform(0.5, 2.0, tiny) * rng.choice([-1.0, 1.0], tiny)
    return w, dw


def documented(rule: str) -> dict[str, Any]:
    """The reference's fresh config: the documented hyper-parameters, zero state, t = 0."""
    config: dict[str, Any] = oracle.expect("optim.documented", rule, SHAPE)
    return config


def reference_step(
    rule: str, w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None
) -> tuple[np.ndarray, dict[str, Any]]:
    """The reference's (next_w, config) of one step."""
    next_w, next_config = oracle.expect("optim.step", rule, w, dw, config)
    return next_w, next_config


def reference_path(
    rule: str, w: np.ndarray, grads: list[np.ndarray], config: dict[str, Any], *, carry: bool = True
) -> list[np.ndarray]:
    """w after each of the reference's steps along grads, each given the
    config the previous step returned (carry), or a fresh copy of config."""
    path: list[np.ndarray] = oracle.expect("optim.chain", rule, w, grads, config, carry=carry)
    return path


def _sized_gradient(rng: np.random.Generator) -> np.ndarray:
    """A gradient with entries of size 1 to 2 and random signs."""
    sized: np.ndarray = rng.uniform(1.0, 2.0, SHAPE) * rng.choice([-1.0, 1.0], SHAPE)
    return sized


def _probe_rule(student: StudentProxy, rule: str, rng: np.random.Generator) -> dict[str, Any]:
    """One rule's calls, in four parts; each keeps its own error, raised
    again by the checks that need that part: "error" (one step from a given
    state), "multi_error" (five chained steps from a fresh state),
    "defaults_error" (config=None) and "edge_error"."""
    call = f"optim.{rule}"
    w, dw = rng.normal(size=SHAPE), rng.normal(size=SHAPE)
    dw[0] = 1e-9 * np.sign(dw[0])  # tiny gradients: epsilon's placement shows here
    config = _start_config(rule, rng)
    # Gradients of size 1 to 2 for the chained steps and the defaults: where
    # epsilon sits is the one_step and edge checks' concern (their tiny
    # gradients show it), so it must not show in these checks too.
    grads = [_sized_gradient(rng) for _ in range(STEPS)]
    defaults_dw = _sized_gradient(rng)
    edge_w, edge_dw = _edge_inputs(rng)
    entry: dict[str, Any] = {"w": w, "dw": dw, "config": config}
    entry |= {"grads": grads, "lr": {"learning_rate": config["learning_rate"]}}
    entry |= {"defaults_dw": defaults_dw, "edge_w": edge_w, "edge_dw": edge_dw}
    entry["edge_config"] = {"learning_rate": 1e-2}

    def one_step() -> None:
        value = student.call(call, w.copy(), dw, _copy(config))
        entry["next_w"], entry["next_config"] = validate.pair(value, rule)

    def multi_step() -> None:
        trajectory, current, state = [], w.copy(), dict(entry["lr"])
        for g in grads:
            current, state = validate.pair(student.call(call, current, g, state), rule)
            if not isinstance(state, dict):
                raise AssertionError(f"{rule} should return its config dictionary")
            trajectory.append(current)
        entry["trajectory"] = trajectory

    def defaults() -> None:
        value = student.call(call, w.copy(), defaults_dw, None)
        entry["defaults_w"], entry["defaults"] = validate.pair(value, rule)
        # The same step with the documented defaults given explicitly: the
        # defaults check compares the two, so a wrong formula, the other
        # checks' concern, does not fail it too.
        try:
            value = student.call(call, w.copy(), defaults_dw, documented(rule))
            entry["explicit_w"] = validate.pair(value, rule)[0]
        except Exception:
            entry["explicit_w"] = None

    def edge() -> None:
        config = dict(entry["edge_config"])
        entry["edge_value"], entry["edge_args"] = student.call(
            call, edge_w, edge_dw, config, return_args=True
        )

    parts = {"error": one_step, "multi_error": multi_step}
    parts |= {"defaults_error": defaults, "edge_error": edge}
    for key, part in parts.items():
        try:
            part()
            entry[key] = None
        except Exception as exc:  # kept, raised again by each check that needs it
            entry[key] = exc
    return entry


@pytest.fixture(scope="session")
def optim_probe(
    student: StudentProxy, evidence: Evidence, rng_for: RngFactory, profile: Profile
) -> dict[str, dict[str, Any]]:
    """Per rule of the submission's course year: see _probe_rule. Each rule
    draws from its own generator, so its inputs do not depend on the others."""
    probe: dict[str, dict[str, Any]] = {}
    for rule in RULES:
        # A rule the course year did not have is not called; the plugin's
        # profile gate skips its checks.
        if not profile.excludes(f"optim.{rule}.one_step"):
            probe[rule] = _probe_rule(student, rule, rng_for(f"optim_probe.{rule}"))
    evidence["optim"] = probe
    return probe


def _entry(probe: dict[str, dict[str, Any]], rule: str, part: str = "") -> dict[str, Any]:
    """The rule's entry; the error of ``part`` ("", "multi", "defaults", "edge") raised again."""
    entry = probe[rule]
    error = entry[f"{part}_error" if part else "error"]
    if error is not None:
        raise error
    return entry


def _one_step(rule: str) -> Callable[[dict[str, dict[str, Any]]], None]:
    def test(optim_probe: dict[str, dict[str, Any]]) -> None:
        e = _entry(optim_probe, rule)
        expected_w, expected_config = reference_step(rule, e["w"], e["dw"], e["config"])
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
        e = _entry(optim_probe, rule, "multi")
        path = reference_path(rule, e["w"], e["grads"], e["lr"])
        for step, (want, got) in enumerate(zip(path, e["trajectory"], strict=True), 1):
            assert close(got, want), (
                f"{rule}: feeding back the config it returns, "
                f"w is wrong after step {step} of {STEPS}"
            )

    return test


def _same_number(got: Any, want: float) -> bool:
    if type(got) not in (int, float) or not math.isfinite(got):
        return False
    return bool(got == want or abs(got - want) <= 1e-12 * abs(want))


def _defaults(rule: str) -> Callable[[dict[str, dict[str, Any]]], None]:
    def test(optim_probe: dict[str, dict[str, Any]]) -> None:
        e = _entry(optim_probe, rule, "defaults")
        config = e["defaults"]
        assert isinstance(config, dict), (
            f"{rule} called with config=None should return (next_w, config) with config a "
            f"dictionary; its second value is a {type(config).__name__}"
        )
        expected_w, expected = reference_step(rule, e["w"], e["defaults_dw"], None)
        for key, want in expected.items():
            if key in STATE[rule] or key == "t":
                continue  # the state: the one_step and multi_step checks' concern
            assert key in config, (
                f"{rule} called with config=None should fill in config['{key}'] with its "
                f"documented default, {want!r}; your config has no '{key}'"
            )
            assert _same_number(config[key], want), (
                f"{rule} called with config=None: config['{key}'] should be the documented "
                f"default {want!r}, but it is {config[key]!r}"
            )
        next_w = validate.array(e["defaults_w"], f"{rule}'s next_w", SHAPE)
        explicit = e["explicit_w"]
        if isinstance(explicit, np.ndarray) and explicit.shape == SHAPE:
            given = ", ".join(
                f"{k}=zeros" if k in STATE[rule] else f"{k}={v!r}"
                for k, v in documented(rule).items()
            )
            assert close(next_w, explicit), (
                f"{rule} called with config=None takes a different step than with the "
                f"documented fresh config given explicitly ({given}): check the defaults it "
                "fills in, and that its state starts as zeros like w"
            )
        else:
            assert close(next_w, expected_w), (
                f"{rule} called with config=None does not take the step the documented "
                "defaults give (did its state start as zeros like w?)"
            )

    return test


def _edge(rule: str) -> Callable[[dict[str, dict[str, Any]]], None]:
    def test(optim_probe: dict[str, dict[str, Any]]) -> None:
        e = _entry(optim_probe, rule, "edge")
        w, dw = e["edge_w"], e["edge_dw"]
        next_w, config = validate.pair(e["edge_value"], rule)
        assert isinstance(config, dict), (
            f"{rule} should return (next_w, config) with config a dictionary; its second "
            f"value is a {type(config).__name__}"
        )
        if isinstance(next_w, np.ndarray) and next_w.shape == SHAPE and next_w.dtype.kind == "f":
            assert np.isfinite(next_w[ZERO_ROWS]).all(), (
                f"{rule}: a zero gradient from a fresh state (no state in config yet) gives NaN "
                "or infinite weights, as 0 / 0 does: every denominator must stay above 0 "
                "(epsilon is there for that)"
            )
        next_w = validate.array(next_w, f"{rule}'s next_w", SHAPE)
        assert next_w.dtype == w.dtype, (
            f"{rule}'s next_w should have the dtype of w, {w.dtype}, not {next_w.dtype}"
        )
        assert close(next_w[ZERO_ROWS], w[ZERO_ROWS]), (
            f"{rule}: a zero gradient from a fresh state (no state in config yet) should leave w "
            "unchanged, but yours moved it"
        )
        expected, _ = reference_step(rule, w, dw, dict(e["edge_config"]))
        got, want = next_w[TINY_ROWS], expected[TINY_ROWS]
        worst = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
        assert close(got, want), (
            f"{rule}: from a fresh state, at w = 0, gradients of about 1e-12 should move w "
            f"to about +-{np.abs(want).mean():.2g}; for a gradient of {dw[TINY_ROWS][worst]:.3g} "
            f"next_w should be {want[worst]:.3g}, but yours is {got[worst]:.3g}"
        )
        after = e["edge_args"]
        readable = isinstance(after, tuple) and len(after) == 2 and isinstance(after[0], list)
        dw_after = after[0][1] if readable and len(after[0]) == 3 else None
        assert isinstance(dw_after, np.ndarray) and np.array_equal(dw_after, dw), (
            f"{rule} changed its argument dw in place; compute with dw without writing to it"
        )

    return test


#: Rules students receive complete: checked (a student may break them) but
#: worth no points, so untouched starter code earns nothing.
GIVEN = frozenset({"sgd"})


def _points(rule: str, points: float) -> float:
    return 0.0 if rule in GIVEN else points


def _title(rule: str, title: str) -> str:
    return f"{title} (given complete: checked, no points)" if rule in GIVEN else title


for _rule in RULES:
    globals()[f"test_{_rule}_one_step"] = check(
        f"optim.{_rule}.one_step",
        points=_points(_rule, 2),
        title=_title(_rule, f"{_rule}: one update matches the formula"),
    )(_one_step(_rule))
    globals()[f"test_{_rule}_multi_step"] = check(
        f"optim.{_rule}.multi_step",
        points=_points(_rule, 1),
        title=_title(_rule, f"{_rule}: five updates in a row, state carried"),
    )(_multi_step(_rule))
    globals()[f"test_{_rule}_defaults"] = check(
        f"optim.{_rule}.defaults",
        points=_points(_rule, 1),
        title=_title(_rule, f"{_rule}: config=None gives the documented defaults"),
    )(_defaults(_rule))
    globals()[f"test_{_rule}_edge"] = check(
        f"optim.{_rule}.edge",
        points=_points(_rule, 1),
        title=_title(
            _rule, f"{_rule}: zero and tiny gradients from a fresh state; returns (next_w, config)"
        ),
    )(_edge(_rule))


# --- misconceptions ---------------------------------------------------------


def _matches(evidence: Evidence, rule: str, variant: str) -> bool:
    """Is the student's one step of ``rule`` the step of the formula ``variant``
    (the oracle ``optim.variant``) from the same state?"""
    entry = (evidence.get("optim") or {}).get(rule)
    if not entry or entry.get("error") is not None or "next_w" not in entry:
        return False
    want = oracle.expect("optim.variant", variant, entry["w"], entry["dw"], entry["config"])
    return close(entry["next_w"], want)


@misconception(
    "MOMENTUM_VELOCITY_SIGN",
    title="momentum step taken against the velocity",
    explanation=(
        "Your update moves w by minus the velocity, while the velocity already holds the "
        "negative gradient (v = momentum * v - learning_rate * dw): the step goes uphill."
    ),
    hint="With v = momentum * v - learning_rate * dw, the update is next_w = w + v.",
    checks=("optim.sgd_momentum.one_step", "optim.sgd_momentum.edge"),
)
def momentum_sign(evidence: Evidence) -> bool:
    return _matches(evidence, "sgd_momentum", "momentum_sign")


@misconception(
    "OPTIM_STATE_NOT_SAVED",
    title="optimizer state not stored back in config",
    explanation=(
        "Each update of w is right for a first step, but over several updates your rule "
        "behaves as if it started from scratch each time: the new velocity or moving "
        "averages are computed but never saved in config (or kept in a local variable that "
        "starts afresh), so the next call cannot use them."
    ),
    hint="Before returning, store the new state: config['velocity'] = v (or cache, m, v, t).",
    # one_step shows it in the state config returns (or in w, when the given state is
    # not read either); multi_step in the w that follows.
    checks=tuple(f"optim.{r}.{k}" for r in RULES if STATE[r] for k in ("one_step", "multi_step")),
)
def state_not_saved(evidence: Evidence) -> bool:
    probe = evidence.get("optim") or {}
    for rule, e in probe.items():
        if not STATE[rule] or e.get("multi_error") is not None or "trajectory" not in e:
            continue  # sgd keeps no state: a fresh start each step is right
        fresh = reference_path(rule, e["w"], e["grads"], e["lr"], carry=False)
        if all(close(got, want) for got, want in zip(e["trajectory"], fresh, strict=True)):
            return True
    return False


@misconception(
    "RMSPROP_EPS_PLACEMENT",
    title="epsilon inside the square root",
    explanation="Your RMSProp divides by sqrt(cache + eps); the formula is sqrt(cache) + eps.",
    hint="next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon).",
    checks=("optim.rmsprop.one_step", "optim.rmsprop.edge"),
)
def rmsprop_eps(evidence: Evidence) -> bool:
    return _matches(evidence, "rmsprop", "rmsprop_eps_inside")


@misconception(
    "RMSPROP_DECAY",
    title="running average of squared gradients built wrongly",
    explanation=(
        "Your cache is not decay_rate * cache + (1 - decay_rate) * dw**2: the two weights "
        "are swapped, or the gradient is not squared."
    ),
    hint="cache = decay_rate * cache + (1 - decay_rate) * dw**2.",
    checks=("optim.rmsprop.one_step", "optim.rmsprop.edge"),
)
def rmsprop_decay(evidence: Evidence) -> bool:
    return any(
        _matches(evidence, "rmsprop", variant)
        for variant in ("rmsprop_decay_swapped", "rmsprop_decay_unsquared")
    )


@misconception(
    "ADAM_NO_BIAS_CORRECTION",
    title="Adam without bias correction",
    explanation=(
        "Your Adam uses m and v directly; it must divide them by 1 - beta1**t and 1 - beta2**t."
    ),
    hint="mt = m / (1 - beta1**t); vt = v / (1 - beta2**t); then divide by sqrt(vt) + eps.",
    checks=("optim.adam.one_step", "optim.adam.edge"),
)
def adam_no_correction(evidence: Evidence) -> bool:
    return _matches(evidence, "adam", "adam_no_correction")


@misconception(
    "ADAM_T_ORDER",
    title="Adam's t incremented after the bias correction",
    explanation=(
        "Your bias correction uses the old t; increment t first, so the first step uses t = 1."
    ),
    hint="t = config['t'] + 1 before computing 1 - beta1**t and 1 - beta2**t.",
    checks=("optim.adam.one_step", "optim.adam.edge"),
)
def adam_t_order(evidence: Evidence) -> bool:
    return _matches(evidence, "adam", "adam_t_after")


@misconception(
    "ADAM_EPS_PLACEMENT",
    title="Adam's epsilon inside the square root",
    explanation="Your Adam divides by sqrt(vt + eps); the formula is sqrt(vt) + eps.",
    hint="next_w = w - learning_rate * mt / (np.sqrt(vt) + epsilon).",
    checks=("optim.adam.one_step", "optim.adam.edge"),
)
def adam_eps(evidence: Evidence) -> bool:
    return _matches(evidence, "adam", "adam_eps_inside")


@misconception(
    "ADAGRAD_EPS_PLACEMENT",
    title="AdaGrad's epsilon inside the square root",
    explanation=(
        "Your AdaGrad divides by sqrt(cache + eps); the formula is sqrt(cache) + eps. Where "
        "the gradients so far are tiny the two differ by orders of magnitude."
    ),
    hint="next_w = w - learning_rate * dw / (np.sqrt(cache) + epsilon).",
    checks=("optim.adagrad.one_step", "optim.adagrad.edge"),
)
def adagrad_eps(evidence: Evidence) -> bool:
    return _matches(evidence, "adagrad", "adagrad_eps_inside")
