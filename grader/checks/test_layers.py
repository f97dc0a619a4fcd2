"""Checks of the layers the rest of the assignment is built on
(affine_forward, affine_backward, relu_forward, relu_backward,
softmax_loss), and the misconceptions their failures show.

One probe per grade (``layers_probe``) calls each function once on the
course's kind of input, x of shape (N, d1, d2) that the affine layer
flattens; each backward once more with the cache of the student's own
forward pass; and softmax_loss once more with every score shifted by +1000.
Every call hands back the arguments as the call left them, to see in-place
changes. The trusted process compares the answers with the reference at the
same inputs, which come through grader.oracle (for the backward passes,
the reference's analytic gradients, which tests/reference checks against
numeric ones).

Tolerance: norm-wise relative error below 1e-7. A correct float64
implementation differs from the reference only in the order of its
operations, about 1e-15 relative here (sums of at most 20 terms of order
one); the scores shifted by 1000 carry 1e-13 absolute round-off of their own.
That leaves a margin of a million to round-off, while the bugs these checks
are for are off by more than 1% (a forgotten bias, the smallest, by about 5%):
deterministic checks, no false-fail probability beyond round-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from grader import oracle
from grader.plugin import RngFactory
from grader.proxy import StudentError, StudentProxy
from grader.registry import Evidence, check, misconception
from grader.sandbox.protocol import Opaque

from . import validate

N, D1, D2, M, C = 8, 4, 5, 6, 10
D = D1 * D2
SHIFT = 1000.0  # added to every score: the softmax does not change, exp(score) overflows
TOL = 1e-7


@dataclass(frozen=True)
class Returned:
    """What one call of the student's function gave back."""

    value: Any
    args: tuple[Any, ...] | None  # the arguments as the call left them (None: unreadable)


#: A call's answer, or why there is none.
Result = Returned | StudentError


@dataclass(frozen=True)
class LayersProbe:
    """The inputs, the student's answers and the reference's, of one grade."""

    x: np.ndarray  # (N, D1, D2), for affine_forward
    w: np.ndarray
    b: np.ndarray
    dout: np.ndarray  # (N, M)
    relu_x: np.ndarray
    relu_dout: np.ndarray
    scores: np.ndarray  # (N, C), moderate
    y: np.ndarray
    affine_forward: Result
    affine_backward: Result  # with the documented cache (x, w, b)
    affine_backward_own: Result | None  # with the cache of the student's forward
    relu_forward: Result
    relu_backward: Result  # with the documented cache x
    relu_backward_own: Result | None
    softmax: Result
    softmax_shifted: Result  # at scores + SHIFT
    expected: dict[str, Any]  # the reference's answers, by name


def _call(student: StudentProxy, name: str, *args: Any) -> Result:
    try:
        value, after = student.call(f"layers.{name}", *args, return_args=True)
    except StudentError as exc:  # kept, raised again by each check that needs the answer
        return exc
    readable = isinstance(after, tuple) and len(after) == 2 and isinstance(after[0], list)
    return Returned(value, tuple(after[0]) if readable else None)


def _cache_of(result: Result) -> tuple[bool, Any]:
    """(True, cache) when result is a forward pass's (out, cache) pair."""
    if isinstance(result, Returned) and isinstance(result.value, tuple | list):
        pair = tuple(result.value)
        return len(pair) == 2, pair[1] if len(pair) == 2 else None
    return False, None


def _expected(*inputs: np.ndarray) -> dict[str, Any]:
    """The reference's answers at the probe's inputs (grader.oracles.layers)."""
    answers: dict[str, Any] = oracle.expect("layers.answers", *inputs, SHIFT)
    return answers


@pytest.fixture(scope="session")
def layers_probe(student: StudentProxy, evidence: Evidence, rng_for: RngFactory) -> LayersProbe:
    rng = rng_for("layers_probe")
    x, w, b = rng.normal(size=(N, D1, D2)), rng.normal(size=(D, M)), rng.normal(size=M)
    dout = rng.normal(size=(N, M))
    relu_x, relu_dout = rng.normal(size=(N, D1, D2)), rng.normal(size=(N, D1, D2))
    scores, y = 2 * rng.normal(size=(N, C)), rng.integers(0, C, size=N)

    affine_forward = _call(student, "affine_forward", x, w, b)
    has_cache, cache = _cache_of(affine_forward)
    affine_backward = _call(student, "affine_backward", dout, (x, w, b))
    affine_own = _call(student, "affine_backward", dout, cache) if has_cache else None
    relu_forward = _call(student, "relu_forward", relu_x)
    has_cache, cache = _cache_of(relu_forward)
    relu_backward = _call(student, "relu_backward", relu_dout, relu_x)
    relu_own = _call(student, "relu_backward", relu_dout, cache) if has_cache else None
    probe = LayersProbe(
        x=x,
        w=w,
        b=b,
        dout=dout,
        relu_x=relu_x,
        relu_dout=relu_dout,
        scores=scores,
        y=y,
        affine_forward=affine_forward,
        affine_backward=affine_backward,
        affine_backward_own=affine_own,
        relu_forward=relu_forward,
        relu_backward=relu_backward,
        relu_backward_own=relu_own,
        softmax=_call(student, "softmax_loss", scores, y),
        softmax_shifted=_call(student, "softmax_loss", scores + SHIFT, y),
        expected=_expected(x, w, b, dout, relu_x, relu_dout, scores, y),
    )
    evidence["layers"] = probe
    return probe


# --- helpers ----------------------------------------------------------------


def _answer(result: Result | None, name: str) -> Returned:
    """The call's answer; the student's error again if it failed."""
    if isinstance(result, StudentError):
        raise result
    if result is None:
        raise AssertionError(f"{name} was not called: its forward pass gave no cache")
    return result


relative_error = validate.relative_error


def close(got: Any, want: np.ndarray) -> bool:
    """Is got a finite float array of want's shape, equal to it up to round-off?"""
    if not isinstance(got, np.ndarray) or got.shape != want.shape or got.dtype.kind != "f":
        return False
    return bool(np.all(np.isfinite(got))) and relative_error(got, want) < TOL


def _assert_close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    error = relative_error(got, want)
    assert error < TOL, f"{what} is wrong: relative error {error:.2g} from the expected values"


def number(value: Any, what: str) -> float:
    """value as a real number (a Python or numpy number, or an array of one)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        value = value.reshape(()).item()
    if type(value) not in (float, int):
        kind = "None (is a `return` missing?)" if value is None else f"a {type(value).__name__}"
        raise AssertionError(f"{what} should be a number, but it is {kind}")
    return float(value)


def _sequence(value: Any, what: str, n: int, names: str) -> tuple[Any, ...]:
    if isinstance(value, tuple | list) and len(value) == n:
        return tuple(value)
    if value is None:
        got = "None (is a `return` missing?)"
    elif isinstance(value, tuple | list):
        got = f"{len(value)} values"
    else:
        got = f"a {type(value).__name__}"
    raise AssertionError(f"{what} should return {names}, but it returned {got}")


def _affine_grads(value: Any, what: str) -> tuple[np.ndarray, ...]:
    dx, dw, db = _sequence(value, what, 3, "the tuple (dx, dw, db)")
    return (
        validate.array(dx, f"{what}'s dx", (N, D1, D2)),
        validate.array(dw, f"{what}'s dw", (D, M)),
        validate.array(db, f"{what}'s db", (M,)),
    )


def _relu_grads(value: Any, what: str) -> tuple[np.ndarray, ...]:
    return (validate.array(value, f"{what}'s dx", (N, D1, D2)),)


def _softmax(value: Any, what: str) -> tuple[float, Any]:
    loss, dx = _sequence(value, what, 2, "the pair (loss, dx)")
    return number(loss, f"{what}'s loss"), dx


def _softmax_answer(result: Result) -> tuple[float, np.ndarray] | None:
    """softmax_loss's (loss, dx) if it has the documented types and shapes."""
    if not isinstance(result, Returned):
        return None
    try:
        loss, dx = _softmax(result.value, "softmax_loss")
    except AssertionError:
        return None
    usable = isinstance(dx, np.ndarray) and dx.shape == (N, C) and dx.dtype.kind == "f"
    return (loss, dx) if usable else None


# --- checks -----------------------------------------------------------------


@check(
    "layers.affine_forward",
    points=1,
    title="affine_forward: each example flattened to a row, times w, plus b",
)
def test_affine_forward(layers_probe: LayersProbe) -> None:
    p = layers_probe
    out, _ = validate.pair(_answer(p.affine_forward, "affine_forward").value, "affine_forward")
    out = validate.array(out, "affine_forward's out", (N, M))
    _assert_close(
        out, p.expected["affine_out"], f"for x of shape {p.x.shape}, affine_forward's out"
    )


@check("layers.affine_backward", points=1, title="affine_backward: the gradients dx, dw and db")
def test_affine_backward(layers_probe: LayersProbe) -> None:
    p = layers_probe
    grads = _affine_grads(_answer(p.affine_backward, "affine_backward").value, "affine_backward")
    for name, got, want in zip(("dx", "dw", "db"), grads, p.expected["affine"], strict=True):
        _assert_close(got, want, f"affine_backward's {name}")


@check(
    "layers.relu",
    points=1,
    title="relu_forward is max(0, x); relu_backward passes dout where x > 0",
)
def test_relu(layers_probe: LayersProbe) -> None:
    p = layers_probe
    out, _ = validate.pair(_answer(p.relu_forward, "relu_forward").value, "relu_forward")
    out = validate.array(out, "relu_forward's out", p.relu_x.shape)
    _assert_close(out, p.expected["relu_out"], "relu_forward's out")
    (dx,) = _relu_grads(_answer(p.relu_backward, "relu_backward").value, "relu_backward")
    _assert_close(dx, p.expected["relu"][0], "relu_backward's dx")


@check(
    "layers.softmax_loss", points=1, title="softmax_loss: the mean cross-entropy and its gradient"
)
def test_softmax_loss(layers_probe: LayersProbe) -> None:
    p = layers_probe
    loss, dx = _softmax(_answer(p.softmax, "softmax_loss").value, "softmax_loss")
    want = p.expected["loss"]
    assert math.isfinite(loss), (
        f"softmax_loss's loss is {loss} for moderate scores (of size about 2)"
    )
    error = abs(loss - want) / max(abs(loss) + abs(want), 1e-300)
    assert error < TOL, f"softmax_loss's loss should be {want:.6g}, but it is {loss:.6g}"
    dx = validate.array(dx, "softmax_loss's dx", (N, C))
    _assert_close(dx, p.expected["dscores"], "softmax_loss's dx")


@check(
    "layers.softmax_stable",
    points=1,
    title="softmax_loss stays finite and unchanged when every score grows by 1000",
)
def test_softmax_stable(layers_probe: LayersProbe) -> None:
    p = layers_probe
    what = f"with every score shifted by +{SHIFT:g}, softmax_loss"
    loss, dx = _softmax(_answer(p.softmax_shifted, "softmax_loss").value, what)
    overflow = (
        "adding the same constant to every score of an example leaves the softmax unchanged, "
        "but np.exp of a score near 1000 overflows: subtract each row's largest score before "
        "taking np.exp"
    )
    assert math.isfinite(loss), f"{what} gives the loss {loss}: {overflow}"
    assert not (
        isinstance(dx, np.ndarray) and dx.dtype.kind == "f" and not np.isfinite(dx).all()
    ), f"{what} gives a dx holding NaN or infinite values: {overflow}"
    dx = validate.array(dx, f"{what}'s dx", (N, C))
    # Right at these scores, or the same as the student's own answer at the
    # unshifted ones (the softmax is shift-invariant): a mistake made at every
    # scale is the softmax_loss check's, not this one's.
    want_loss, want_dx = p.expected["shifted_loss"], p.expected["shifted_dscores"]
    own = _softmax_answer(p.softmax)
    if own is not None and _same(loss, own[0]) and _same(dx, own[1]):
        return
    error = abs(loss - want_loss) / max(abs(loss) + abs(want_loss), 1e-300)
    assert error < TOL, (
        f"{what} gives the loss {loss:.6g} instead of {want_loss:.6g}, "
        "but shifting every score by the same amount must not change the loss"
    )
    _assert_close(dx, want_dx, f"{what}, dx")


def _opaque(value: Any) -> Opaque | None:
    """The first value the grader could not read back, anywhere in value."""
    if isinstance(value, Opaque):
        return value
    if isinstance(value, tuple | list):
        items: list[Any] = list(value)
    elif isinstance(value, dict):
        items = list(value.values())
    else:
        return None
    for item in items:
        found = _opaque(item)
        if found is not None:
            return found
    return None


@check(
    "layers.cache",
    points=1,
    title="each backward pass works with the cache its own forward pass returns",
)
def test_cache(layers_probe: LayersProbe) -> None:
    p = layers_probe
    for layer, grads_of in (("affine", _affine_grads), ("relu", _relu_grads)):
        forward, backward = f"{layer}_forward", f"{layer}_backward"
        validate.pair(_answer(getattr(p, forward), forward).value, forward)
        _, cache = _cache_of(getattr(p, forward))
        odd = _opaque(cache)
        assert odd is None, (
            f"the cache of your {forward} holds a {odd.type_name} object, which cannot be "
            "handed back to your backward pass; keep plain arrays and tuples in it, "
            "as documented"
        )
        own = _answer(getattr(p, f"{backward}_own"), backward)
        documented = getattr(p, backward)
        # The same answer as with the documented cache passes, right or wrong:
        # a wrong gradient is the backward check's mistake, not this one's.
        if isinstance(documented, Returned) and _same(own.value, documented.value):
            continue
        what = f"with the cache of your {forward}, {backward}"
        got = grads_of(own.value, what)
        for got_one, want_one in zip(got, p.expected[layer], strict=True):
            _assert_close(got_one, want_one, what)


def _same(a: Any, b: Any) -> bool:
    """Are two answers the same, up to round-off (NaN equal to NaN)?"""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return False
        if a.dtype.kind == "f" and b.dtype.kind == "f":
            if np.array_equal(a, b, equal_nan=True):
                return True
            finite = bool(np.isfinite(a).all() and np.isfinite(b).all())
            return finite and relative_error(a, b) < TOL
        return bool(np.array_equal(a, b))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) in (int, float) and type(b) in (int, float):
        if a == b or (math.isnan(a) and math.isnan(b)):
            return True
        return math.isfinite(a) and math.isfinite(b) and abs(a - b) < TOL * (abs(a) + abs(b))
    return a is None and b is None


def _unchanged(after: Any, before: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and after.dtype == before.dtype
            and np.array_equal(after, before)
        )
    if isinstance(before, tuple):
        return (
            isinstance(after, tuple)
            and len(after) == len(before)
            and all(_unchanged(a, b) for a, b in zip(after, before, strict=True))
        )
    return bool(after == before)


@check(
    "layers.no_side_effects",
    points=1,
    title="the layers leave their inputs unchanged",
    public=False,
)
def test_no_side_effects(layers_probe: LayersProbe) -> None:
    p = layers_probe
    calls = (
        ("affine_forward", p.affine_forward, {"x": p.x, "w": p.w, "b": p.b}),
        ("affine_backward", p.affine_backward, {"dout": p.dout, "cache": (p.x, p.w, p.b)}),
        ("relu_forward", p.relu_forward, {"x": p.relu_x}),
        ("relu_backward", p.relu_backward, {"dout": p.relu_dout, "cache": p.relu_x}),
        ("softmax_loss", p.softmax, {"x": p.scores, "y": p.y}),
    )
    for name, result, inputs in calls:
        after = _answer(result, name).args
        assert after is not None and len(after) == len(inputs), (
            f"the grader could not read back the arguments of {name}"
        )
        for (arg, before), now in zip(inputs.items(), after, strict=True):
            assert _unchanged(now, before), (
                f"{name} changed its argument {arg} in place; compute the result in a new "
                "array (np.maximum(x, 0) rather than x[x < 0] = 0, dout * mask rather than "
                "dout[...] = 0, x - x.max(...) rather than x -= ...)"
            )


# --- misconceptions ---------------------------------------------------------


def _probe(evidence: Evidence) -> LayersProbe | None:
    probe = evidence.get("layers")
    return probe if isinstance(probe, LayersProbe) else None


def _affine_backward_value(evidence: Evidence) -> tuple[LayersProbe, tuple[Any, ...]] | None:
    p = _probe(evidence)
    if p is None or not isinstance(p.affine_backward, Returned):
        return None
    value = p.affine_backward.value
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    return p, tuple(value)


@misconception(
    "AFFINE_DB_MEAN",
    title="db averaged over the batch instead of summed",
    explanation=(
        "Your db is the mean of dout over the examples. The bias is added to every example, "
        "so each example's gradient adds up: db is the SUM of dout over the batch (the 1/N of "
        "the mean loss is already inside dout)."
    ),
    hint="db = dout.sum(axis=0)",
    checks=("layers.affine_backward",),
)
def db_mean(evidence: Evidence) -> bool:
    found = _affine_backward_value(evidence)
    if found is None:
        return False
    p, (_, _, db) = found
    return close(db, p.expected["affine"][2] / N)


@misconception(
    "AFFINE_DX_NOT_RESHAPED",
    title="affine_backward's dx left flat",
    explanation=(
        "Your dx has the right values but the shape of the flattened x, (N, D). The input x "
        "had shape (N, d_1, ..., d_k), and its gradient must have that shape too."
    ),
    hint="dx = (dout @ w.T).reshape(x.shape)",
    checks=("layers.affine_backward",),
)
def dx_not_reshaped(evidence: Evidence) -> bool:
    found = _affine_backward_value(evidence)
    if found is None:
        return False
    p, (dx, _, _) = found
    return close(dx, p.expected["affine"][0].reshape(N, D))


@misconception(
    "AFFINE_NO_RESHAPE",
    title="x not flattened before the matrix product",
    explanation=(
        "affine_forward failed with a shape mismatch in the matrix product: x has shape "
        "(N, d_1, ..., d_k) (here (8, 4, 5)), and it must be reshaped to (N, D) with "
        "D = d_1 * ... * d_k before it can be multiplied by w of shape (D, M)."
    ),
    hint="out = x.reshape(x.shape[0], -1) @ w + b",
    checks=("layers.affine_forward",),
)
def no_reshape(evidence: Evidence) -> bool:
    p = _probe(evidence)
    if p is None or not isinstance(p.affine_forward, StudentError):
        return False
    message = p.affine_forward.message
    return p.affine_forward.kind == "raised" and (
        "mismatch in its core dimension" in message or "not aligned" in message
    )


@misconception(
    "SOFTMAX_UNSTABLE",
    title="softmax computed without subtracting the largest score",
    explanation=(
        "Your softmax_loss is finite for moderate scores but gives NaN or infinity when every "
        "score is about 1000: np.exp(1000) overflows to infinity, and infinity / infinity is "
        "NaN. Subtracting the largest score of each example first changes nothing "
        "mathematically (the factor cancels between numerator and denominator) and keeps "
        "every exponent at most 0."
    ),
    hint="shifted = x - x.max(axis=1, keepdims=True), then the softmax of shifted.",
    checks=("layers.softmax_stable",),
)
def softmax_unstable(evidence: Evidence) -> bool:
    p = _probe(evidence)
    if p is None:
        return False
    moderate = _softmax_answer(p.softmax)
    if moderate is None or not math.isfinite(moderate[0]) or not np.isfinite(moderate[1]).all():
        return False
    if isinstance(p.softmax_shifted, StudentError):
        # np.seterr(all="raise") makes the overflow a FloatingPointError.
        message = p.softmax_shifted.message.lower()
        return p.softmax_shifted.kind == "raised" and any(
            word in message for word in ("overflow", "invalid value")
        )
    large = _softmax_answer(p.softmax_shifted)
    if large is None:
        return False
    return not math.isfinite(large[0]) or not np.isfinite(large[1]).all()


@misconception(
    "SOFTMAX_NOT_AVERAGED",
    title="softmax loss summed over the batch instead of averaged",
    explanation=(
        "Your loss, or its gradient dx, is N times too large: the loss is the MEAN of the "
        "examples' cross-entropies, so both the loss and dx are divided by N."
    ),
    hint="loss = -log_probs[np.arange(N), y].mean(); dx = (probs - one_hot) / N",
    checks=("layers.softmax_loss",),
)
def softmax_not_averaged(evidence: Evidence) -> bool:
    p = _probe(evidence)
    answer = _softmax_answer(p.softmax) if p is not None else None
    if p is None or answer is None:
        return False
    loss, dx = answer
    want = N * p.expected["loss"]
    loss_summed = math.isfinite(loss) and abs(loss - want) < TOL * abs(want)
    return loss_summed or close(dx, N * p.expected["dscores"])
