"""Expected answers of the update-rule checks (grader/checks/test_optim.py):
the reference's rules, and the variant formulas its misconceptions are
recognised by."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._reference import reference


def step(rule: str, w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None) -> Any:
    """The reference's ``rule(w, dw, config)``: (next_w, config)."""
    return getattr(reference().optim, rule)(w, dw, config)


def chain(
    rule: str, w: np.ndarray, grads: list[np.ndarray], config: dict[str, Any], *, carry: bool
) -> list[np.ndarray]:
    """w after each of the reference's steps along ``grads``, from ``config``:
    each step given the config the previous one returned (``carry``), or a
    fresh copy of ``config`` (a rule that never saves its state)."""
    update = getattr(reference().optim, rule)
    current, state, path = w, dict(config), []
    for g in grads:
        current, returned = update(current, g, state if carry else dict(config))
        state = returned
        path.append(np.array(current, copy=True))  # sgd updates w in place
    return path


def documented(rule: str, shape: tuple[int, ...]) -> dict[str, Any]:
    """The reference's fresh config: the documented hyper-parameters, zero state, t = 0."""
    config: dict[str, Any] = step(rule, np.zeros(shape), np.zeros(shape), None)[1]
    return config if "t" not in config else config | {"t": 0}


def variant(name: str, w: np.ndarray, dw: np.ndarray, config: dict[str, Any]) -> np.ndarray:
    """next_w of one step of a misconception's formula, from ``config``."""
    c, g = config, dw
    lr = c["learning_rate"]
    if name == "momentum_sign":  # a step against the velocity
        v = 0.9 * c["velocity"] - lr * g
        return np.asarray(w - v)
    if name == "rmsprop_eps_inside":
        cache = 0.99 * c["cache"] + 0.01 * g**2
        return np.asarray(w - lr * g / np.sqrt(cache + 1e-8))
    if name in ("rmsprop_decay_swapped", "rmsprop_decay_unsquared"):
        swap = name == "rmsprop_decay_swapped"
        a, b = (0.01, 0.99) if swap else (0.99, 0.01)
        cache = a * c["cache"] + b * (g**2 if swap else g)
        return np.asarray(w - lr * g / (np.sqrt(np.abs(cache)) + 1e-8))
    if name.startswith("adam_"):
        return _adam(
            w,
            g,
            c,
            correct=name != "adam_no_correction",
            t_after=name == "adam_t_after",
            eps_inside=name == "adam_eps_inside",
        )
    if name == "adagrad_eps_inside":
        cache = c["cache"] + g**2
        return np.asarray(w - lr * g / np.sqrt(cache + 1e-8))
    raise KeyError(f"no update-rule variant {name!r}")


def _adam(
    w: np.ndarray,
    g: np.ndarray,
    c: dict[str, Any],
    *,
    correct: bool,
    t_after: bool,
    eps_inside: bool,
) -> np.ndarray:
    m = 0.9 * c["m"] + 0.1 * g
    v = 0.999 * c["v"] + 0.001 * g**2
    t = c["t"] if t_after else c["t"] + 1
    if correct:
        m, v = m / (1 - 0.9**t), v / (1 - 0.999**t)
    denominator = np.sqrt(v + 1e-8) if eps_inside else np.sqrt(v) + 1e-8
    return np.asarray(w - c["learning_rate"] * m / denominator)
