"""Checks of dropout_forward and dropout_backward, and the misconceptions
their failures show.

The forward pass is probed once per grade (``forward_probe``): for three keep
probabilities the student's layer runs on a 500 x 500 input of positive
values, so a zero in the output is a dropped unit and ``out / x`` is the
mask. Every statistical check allows 6 standard deviations of the statistic
it tests; the statistics are sums of 250,000 independent terms, so the
normal approximation holds and a correct layer fails a check with
probability below 2e-9 per keep probability, 6e-9 per check.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from grader.plugin import RngFactory
from grader.profiles import Profile
from grader.proxy import StudentProxy
from grader.registry import Evidence, check, misconception

from . import validate

KEEPS = (0.3, 0.6, 0.8)
SHAPE = (500, 500)
SIGMAS = 6.0


@dataclass(frozen=True)
class ForwardRun:
    """What the student's dropout_forward did at one keep probability."""

    p: float  # the probability of keeping a unit
    p_arg: float  # what dropout_param['p'] was: p, or 1 - p where p means dropping
    x: np.ndarray
    out: np.ndarray
    mask: Any
    param_after: Any
    x_after: Any
    test_out: np.ndarray
    test_mask: Any
    same_seed: tuple[np.ndarray, np.ndarray]
    other_seed: np.ndarray
    unseeded: tuple[np.ndarray, np.ndarray]

    @property
    def label(self) -> str:
        """How a message names the setting, in the submission's own convention."""
        if self.p_arg == self.p:
            return f"p = {self.p}"
        return f"p = {self.p_arg:g} (drop probability; keep probability {self.p:g})"

    @property
    def n(self) -> int:
        return self.x.size

    # Cached: several checks and detectors read each, and one costs 2 ms.
    @functools.cached_property
    def zero_fraction(self) -> float:
        return float(np.mean(self.out == 0))

    @functools.cached_property
    def kept_scales(self) -> np.ndarray:
        # Dividing everything and keeping the kept units' quotients gives the
        # same numbers as dividing the kept units only, in half the time (one
        # boolean selection instead of two).
        with np.errstate(divide="ignore", invalid="ignore"):
            scales: np.ndarray = (self.out / self.x)[self.out != 0]
        scales.flags.writeable = False  # shared by every reader
        return scales

    def fraction_band(self, expected: float) -> bool:
        """Is the zero fraction within 6 sigma of ``expected``?"""
        sd = math.sqrt(max(expected * (1 - expected), 1e-12) / self.n)
        return abs(self.zero_fraction - expected) <= SIGMAS * sd

    def scales_are(self, value: float) -> bool:
        scales = self.kept_scales
        return scales.size > 0 and bool(np.allclose(scales, value, rtol=1e-5, atol=0))


def _mask_of(cache: Any) -> Any:
    """The mask of a (dropout_param, mask) cache, or the cache itself if it is not one."""
    return cache[1] if isinstance(cache, tuple) and len(cache) == 2 else cache


def _run_forward(
    student: StudentProxy, p: float, rng: np.random.Generator, profile: Profile
) -> ForwardRun:
    p_arg = profile.p_for(p)
    x = 10.0 + rng.normal(size=SHAPE)
    seed = int(rng.integers(1, 2**31 - 1))
    call = "layers.dropout_forward"
    value, (args, _) = student.call(
        call, x, {"p": p_arg, "mode": "train", "seed": seed}, return_args=True
    )
    out, cache = validate.pair(value, "dropout_forward")
    out = validate.array(out, "dropout_forward's output in train mode", x.shape)
    mask = _mask_of(cache)
    test_value = student.call(call, x, {"p": p_arg, "mode": "test"})
    test_out, test_cache = validate.pair(test_value, "dropout_forward in test mode")
    test_out = validate.array(test_out, "dropout_forward's output in test mode", x.shape)
    test_mask = _mask_of(test_cache)

    def train(seed_value: int | None) -> np.ndarray:
        param: dict[str, Any] = {"p": p_arg, "mode": "train"}
        if seed_value is not None:
            param["seed"] = seed_value
        small = np.full((40, 50), 10.0)
        result, _ = validate.pair(student.call(call, small, param), "dropout_forward")
        return validate.array(result, "dropout_forward's output", small.shape)

    return ForwardRun(
        p=p,
        p_arg=p_arg,
        x=x,
        out=out,
        mask=mask,
        param_after=args[1],
        x_after=args[0],
        test_out=test_out,
        test_mask=test_mask,
        same_seed=(train(seed), train(seed)),
        other_seed=train(seed + 1),
        unseeded=(train(None), train(None)),
    )


@pytest.fixture(scope="session")
def forward_probe(
    student: StudentProxy, evidence: Evidence, rng_for: RngFactory, profile: Profile
) -> dict[float, ForwardRun]:
    rng = rng_for("forward_probe")
    evidence["profile"] = profile
    runs = {p: _run_forward(student, p, rng, profile) for p in KEEPS}
    evidence["dropout_forward"] = runs
    return runs


# --- forward checks ---------------------------------------------------------


@check("dropout_forward.api", points=1, title="dropout_forward returns (out, cache) as documented")
def test_forward_api(forward_probe: dict[float, ForwardRun]) -> None:
    for run in forward_probe.values():
        assert isinstance(run.mask, np.ndarray) and run.mask.shape == run.x.shape, (
            f"in train mode the cache should be (dropout_param, mask) with mask of shape "
            f"{run.x.shape}; the mask in your cache is not such an array"
        )
        assert run.test_mask is None, "in test mode the cache's mask should be None"


@check(
    "dropout_forward.keep_fraction", points=2, title="train mode keeps each unit with probability p"
)
def test_forward_keep_fraction(forward_probe: dict[float, ForwardRun]) -> None:
    for p, run in forward_probe.items():
        assert run.fraction_band(1 - p), (
            f"with {run.label} about {1 - p:.0%} of the units should be dropped (set to 0); "
            f"your layer dropped {run.zero_fraction:.1%}"
        )


@check("dropout_forward.scaling", points=2, title="kept units are divided by p (inverted dropout)")
def test_forward_scaling(forward_probe: dict[float, ForwardRun]) -> None:
    for p, run in forward_probe.items():
        scales = run.kept_scales
        assert scales.size, f"with {run.label} your layer dropped every unit"
        assert run.scales_are(1 / p), (
            f"with {run.label} each kept unit should be divided by the keep probability, "
            f"i.e. multiplied by {1 / p:.4g}; yours were {_multiplied(scales)}"
        )


def _multiplied(scales: np.ndarray) -> str:
    """What the kept units were multiplied by: one factor, or the range of them."""
    low, high = f"{scales.min():.4g}", f"{scales.max():.4g}"
    if low != high:
        return f"multiplied by {low} to {high}"
    return "all left unchanged (multiplied by 1)" if low == "1" else f"all multiplied by {low}"


@check(
    "dropout_forward.mean_preserved", points=1, title="train mode preserves the mean of the input"
)
def test_forward_mean(forward_probe: dict[float, ForwardRun]) -> None:
    for p, run in forward_probe.items():
        # out_i = x_i B_i / p, B_i ~ Bernoulli(p): mean x_i, variance x_i^2 (1 - p) / p.
        sd = math.sqrt(float(np.sum(run.x**2)) * (1 - p) / p) / run.n
        assert abs(run.out.mean() - run.x.mean()) <= SIGMAS * sd, (
            f"with {run.label} the mean of the output should equal the mean of the input "
            f"({run.x.mean():.4f}); yours is {run.out.mean():.4f}"
        )


@check(
    "dropout_forward.test_identity", points=2, title="test mode passes the input through unchanged"
)
def test_forward_test_mode(forward_probe: dict[float, ForwardRun]) -> None:
    for run in forward_probe.values():
        assert np.array_equal(run.test_out, run.x), (
            f"with {run.label} in test mode the output should equal the input; "
            f"{np.mean(run.test_out != run.x):.1%} of your outputs differ from it"
        )


@check(
    "dropout_forward.independent_masks",
    points=1,
    title="each unit and each call gets its own random draw",
    public=False,
)
def test_forward_independent(forward_probe: dict[float, ForwardRun]) -> None:
    for run in forward_probe.values():
        rows = {row.tobytes() for row in (run.out == 0)}
        # 500 independent rows of 500 draws: two equal rows have probability < 1e-60.
        assert len(rows) == run.out.shape[0], (
            f"with {run.label} several examples of the batch were dropped at exactly the same "
            "units: draw the mask for the whole input, not for one example"
        )
        first, second = run.unseeded
        assert not np.array_equal(first, second), (
            "two calls without a seed dropped exactly the same units: "
            "each call must draw a new mask"
        )


@check(
    "dropout_forward.seed", points=1, title="the seed in dropout_param makes the layer repeatable"
)
def test_forward_seed(forward_probe: dict[float, ForwardRun]) -> None:
    for run in forward_probe.values():
        assert np.array_equal(*run.same_seed), (
            "two calls with the same dropout_param['seed'] gave different outputs: "
            "seed numpy's generator with it when the key is present"
        )
        # Different seeds give the same 2000-unit mask with probability < 1e-100.
        assert not np.array_equal(run.same_seed[0], run.other_seed), (
            "two calls with different seeds gave the same output"
        )


@check(
    "dropout_forward.no_side_effects",
    points=1,
    title="dropout_forward leaves its inputs unchanged",
    public=False,
)
def test_forward_side_effects(forward_probe: dict[float, ForwardRun]) -> None:
    for run in forward_probe.values():
        assert isinstance(run.x_after, np.ndarray) and np.array_equal(run.x_after, run.x), (
            "dropout_forward changed its input x in place; compute the output in a new array"
        )
        assert isinstance(run.param_after, dict) and run.param_after.get("p") == run.p_arg, (
            "dropout_forward changed dropout_param['p']"
        )


# --- backward checks --------------------------------------------------------


@dataclass(frozen=True)
class BackwardRun:
    p: float
    dout: np.ndarray
    mask: np.ndarray  # out / x of the student's own forward pass
    dx: np.ndarray
    test_dx: np.ndarray
    repeatable: bool  # the seeded forward pass gives the same output twice
    directional: tuple[tuple[float, float], ...]  # (numeric, analytic) per direction


STEP = 1e-5


@pytest.fixture(scope="session")
def backward_probe(
    student: StudentProxy, evidence: Evidence, rng_for: RngFactory, profile: Profile
) -> BackwardRun:
    rng = rng_for("backward_probe")
    p = 0.6
    x = 10.0 + rng.normal(size=(50, 40))
    dout = rng.normal(size=x.shape)
    param = {"p": profile.p_for(p), "mode": "train", "seed": int(rng.integers(1, 2**31 - 1))}

    def forward(at: np.ndarray) -> tuple[np.ndarray, Any]:
        out, cache = validate.pair(
            student.call("layers.dropout_forward", at, dict(param)), "dropout_forward"
        )
        return validate.array(out, "dropout_forward's output", x.shape), cache

    out, cache = forward(x)
    dx = validate.array(
        student.call("layers.dropout_backward", dout, cache), "dropout_backward's dx", x.shape
    )
    repeatable = np.array_equal(forward(x)[0], out)
    directional = []
    for _ in range(3):
        v = rng.normal(size=x.shape)
        plus, minus = forward(x + STEP * v)[0], forward(x - STEP * v)[0]
        numeric = float(np.sum(dout * (plus - minus))) / (2 * STEP)
        directional.append((numeric, float(np.sum(dx * v))))
    test_param = {"p": profile.p_for(p), "mode": "test"}
    _, test_cache = validate.pair(
        student.call("layers.dropout_forward", x, test_param), "dropout_forward"
    )
    test_dx = validate.array(
        student.call("layers.dropout_backward", dout, test_cache), "dropout_backward's dx", x.shape
    )
    run = BackwardRun(p, dout, out / x, dx, test_dx, repeatable, tuple(directional))
    evidence["dropout_backward"] = run
    return run


@check(
    "dropout_backward.train",
    points=2,
    title="dropout_backward is the gradient of your dropout_forward",
)
def test_backward_train(backward_probe: BackwardRun) -> None:
    run = backward_probe
    if run.repeatable:
        # Numeric directional derivatives of sum(dout * forward(x)) at a fixed
        # seed. forward is linear in x, so central differences are exact up
        # to round-off (below 1e-9 relative here), against a tolerance of 1e-6.
        for numeric, analytic in run.directional:
            error = abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-12)
            assert error < 1e-6, (
                "along a random direction your dx disagrees with numeric derivatives of your "
                f"own dropout_forward at the same seed: relative error {error:.2g}"
            )
        return
    # Without a working seed, use that the forward pass is x * mask: its
    # exact gradient is dout * mask, with the mask it applied.
    expected = run.dout * run.mask
    error = float(
        np.max(np.abs(run.dx - expected) / np.maximum(1e-8, np.abs(run.dx) + np.abs(expected)))
    )
    assert error < 1e-7, (
        f"dx should be dout times the mask your forward pass applied; relative error {error:.2g}"
    )


@check("dropout_backward.test", points=1, title="in test mode dropout_backward passes dout through")
def test_backward_test(backward_probe: BackwardRun) -> None:
    assert np.array_equal(backward_probe.test_dx, backward_probe.dout), (
        "in test mode the forward pass is the identity, so dx should equal dout"
    )


# --- misconceptions ---------------------------------------------------------

FORWARD_CHECKS = (
    "dropout_forward.keep_fraction",
    "dropout_forward.scaling",
    "dropout_forward.mean_preserved",
    "dropout_forward.test_identity",
)


def _runs(evidence: Evidence) -> list[ForwardRun]:
    runs = evidence.get("dropout_forward")
    return list(runs.values()) if isinstance(runs, dict) else []


@misconception(
    "DROPOUT_P_AS_DROP",
    title="p treated as the probability of dropping a unit",
    explanation=(
        "Your layer drops a fraction p of the units. In this assignment p is the "
        "probability of KEEPING a unit (the convention since 2018), so it should drop 1 - p."
    ),
    hint="Keep a unit where np.random.rand(*x.shape) < p, then divide the kept units by p.",
    checks=FORWARD_CHECKS,
)
def p_as_drop(evidence: Evidence) -> bool:
    return _p_means(evidence) == "keep" and _convention_swapped(evidence)


def _p_means(evidence: Evidence) -> str:
    profile = evidence.get("profile")
    return profile.p_means if isinstance(profile, Profile) else "keep"


def _convention_swapped(evidence: Evidence) -> bool:
    """The layer keeps the fraction its convention says it should drop."""
    runs = _runs(evidence)
    return bool(runs) and all(r.fraction_band(r.p) and not r.fraction_band(1 - r.p) for r in runs)


@misconception(
    "DROPOUT_P_AS_KEEP",
    title="p treated as the probability of keeping a unit (course-2017 convention: it drops)",
    explanation=(
        "Your submission follows the 2017 assignment, where p is the probability of "
        "DROPPING a unit (FullyConnectedNet(dropout=0) means no dropout), but your layer "
        "keeps a fraction p of the units and drops 1 - p."
    ),
    hint="In this convention drop where np.random.rand(*x.shape) < p and divide the kept "
    "units by 1 - p; or, if you meant the newer convention, say so to the course staff.",
    checks=FORWARD_CHECKS,
)
def p_as_keep(evidence: Evidence) -> bool:
    return _p_means(evidence) == "drop" and _convention_swapped(evidence)


@misconception(
    "DROPOUT_UNSCALED",
    title="kept units not divided by p",
    explanation=(
        "Your layer drops the right units but leaves the kept ones unchanged, so in "
        "training the expected output is p times the input, while at test time it is the "
        "input itself: the next layer sees a different scale in training and at test time."
    ),
    hint="Inverted dropout divides the mask by p in train mode: mask = (rand < p) / p.",
    checks=FORWARD_CHECKS,
)
def unscaled(evidence: Evidence) -> bool:
    runs = _runs(evidence)
    return (
        bool(runs)
        and all(r.fraction_band(1 - r.p) and r.scales_are(1.0) for r in runs)
        and all(np.array_equal(r.test_out, r.x) for r in runs)
    )


@misconception(
    "DROPOUT_VANILLA",
    title="vanilla dropout instead of inverted dropout",
    explanation=(
        "Your layer does not rescale in training and multiplies by p at test time: that is "
        "the original ('vanilla') dropout. The assignment asks for inverted dropout, which "
        "divides by p in training so that the test-time pass is the identity."
    ),
    hint="Divide the kept units by p in train mode, and return x unchanged in test mode.",
    checks=FORWARD_CHECKS,
)
def vanilla(evidence: Evidence) -> bool:
    runs = _runs(evidence)
    return bool(runs) and all(
        r.scales_are(1.0) and np.allclose(r.test_out, r.p * r.x, rtol=1e-6, atol=0) for r in runs
    )


@misconception(
    "DROPOUT_TEST_MODE",
    title="units dropped at test time",
    explanation=(
        "Your layer sets units to zero in test mode. At test time dropout must be switched "
        "off: every unit takes part and the output equals the input."
    ),
    hint="In the mode == 'test' branch, return out = x (and mask = None).",
    checks=("dropout_forward.test_identity",),
)
def drops_at_test(evidence: Evidence) -> bool:
    runs = _runs(evidence)
    return bool(runs) and any(np.mean(r.test_out == 0) > 0.01 for r in runs)


def _normal_cdf(value: float) -> float:
    return 0.5 * (1 + math.erf(value / math.sqrt(2)))


@misconception(
    "DROPOUT_MASK_DISTRIBUTION",
    title="mask not drawn from a uniform distribution",
    explanation=(
        "The fraction of units your layer keeps is not p: the random numbers behind the "
        "mask do not come from the uniform distribution on [0, 1). Comparing draws of "
        "np.random.randn (a normal distribution) with p keeps a fraction Phi(p) of the units."
    ),
    hint="Use np.random.rand(*x.shape) < p: uniform draws fall below p with probability p.",
    checks=("dropout_forward.keep_fraction", "dropout_forward.scaling"),
)
def mask_distribution(evidence: Evidence) -> bool:
    runs = _runs(evidence)
    if not runs:
        return False
    # randn compared with the p it was given: it keeps Phi(p) (keep convention)
    # or 1 - Phi(p) (drop convention) of the units.
    normal_draws = all(
        r.fraction_band(1 - _normal_cdf(r.p_arg))
        if r.p_arg == r.p
        else r.fraction_band(_normal_cdf(r.p_arg))
        for r in runs
    )
    spread = all(
        r.kept_scales.size and np.ptp(r.kept_scales) > 1e-3 * np.abs(r.kept_scales).max()
        for r in runs
    )
    return normal_draws or spread


@misconception(
    "DROPOUT_MASK_SHARED",
    title="one mask shared by every example of the batch",
    explanation=(
        "Every example of the batch lost exactly the same units: the mask was drawn for one "
        "example (shape x.shape[1:]) and broadcast over the batch. Each unit of each example "
        "needs its own draw."
    ),
    hint="Draw the mask with the full shape of x: np.random.rand(*x.shape).",
    checks=("dropout_forward.independent_masks",),
)
def mask_shared(evidence: Evidence) -> bool:
    runs = _runs(evidence)
    return bool(runs) and all(len({row.tobytes() for row in (r.out == 0)}) == 1 for r in runs)


@misconception(
    "DROPOUT_SEED_IGNORED",
    title="dropout_param['seed'] ignored",
    explanation=(
        "Two calls with the same seed dropped different units. The gradient checks in the "
        "notebook rely on the seed to make dropout repeatable."
    ),
    hint="Start with: if 'seed' in dropout_param: np.random.seed(dropout_param['seed']).",
    checks=("dropout_forward.seed",),
)
def seed_ignored(evidence: Evidence) -> bool:
    runs = _runs(evidence)
    return bool(runs) and not any(np.array_equal(*r.same_seed) for r in runs)


def _backward(evidence: Evidence) -> BackwardRun | None:
    run = evidence.get("dropout_backward")
    return run if isinstance(run, BackwardRun) else None


@misconception(
    "DROPOUT_BACKWARD_UNSCALED",
    title="backward pass multiplies by the 0/1 mask without dividing by p",
    explanation=(
        "Your dx is dout where a unit was kept and 0 where it was dropped, but the forward "
        "pass multiplied the kept units by 1/p, so their gradient must be multiplied by 1/p too."
    ),
    hint="Store the scaled mask, (rand < p) / p, in the cache and use dx = dout * mask.",
    checks=("dropout_backward.train",),
)
def backward_unscaled(evidence: Evidence) -> bool:
    run = _backward(evidence)
    return run is not None and bool(np.allclose(run.dx, run.dout * (run.mask != 0), rtol=1e-6))


@misconception(
    "DROPOUT_BACKWARD_NO_MASK",
    title="backward pass ignores the mask",
    explanation=(
        "Your dx has a gradient for units the forward pass dropped. A dropped unit did not "
        "affect the output, so its gradient is 0."
    ),
    hint="Multiply dout by the same mask the forward pass used: dx = dout * mask.",
    checks=("dropout_backward.train",),
)
def backward_no_mask(evidence: Evidence) -> bool:
    run = _backward(evidence)
    if run is None:
        return False
    return any(np.allclose(run.dx, run.dout * k, rtol=1e-6) for k in (1.0, 1 / run.p, run.p))
