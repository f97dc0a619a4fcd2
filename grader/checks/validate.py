"""Validation of what the student's code returned, before any comparison.

Values arrive as plain data; these helpers make sure each has the type,
shape and dtype the API promises and is finite, and fail the check with a
sentence a student understands when it does not."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.sandbox.protocol import Opaque


def probed(found: dict[str, Any] | Exception) -> dict[str, Any]:
    """What a session fixture measured, or the error it kept instead, raised
    here by each check that needs the measurement."""
    if isinstance(found, Exception):
        raise found
    return found


def array(value: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """value as a finite floating-point array of the given shape."""
    if not isinstance(value, np.ndarray):
        raise AssertionError(f"{what} should be a numpy array, but it is {_kind(value)}")
    if shape is not None and value.shape != shape:
        raise AssertionError(f"{what} should have shape {shape}, but it has shape {value.shape}")
    if value.dtype.kind != "f":
        raise AssertionError(f"{what} should hold floating-point numbers, not {value.dtype}")
    if not np.all(np.isfinite(value)):
        bad = int(np.sum(~np.isfinite(value)))
        raise AssertionError(f"{what} holds {bad} NaN or infinite values")
    return value


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """Norm-wise relative error of two arrays of one shape (0 when both are 0)."""
    scale = float(np.linalg.norm(got) + np.linalg.norm(want))
    return 0.0 if scale == 0 else float(np.linalg.norm(got - want)) / scale


def close(got: Any, want: Any, tol: float) -> bool:
    """Does got equal the trusted answer want up to tol? A float want takes an
    absolute error (relative above 1); an array want a norm-wise relative
    error, and got must be an array of its shape."""
    if isinstance(want, float):
        return isinstance(got, float) and abs(got - want) <= tol * max(1.0, abs(want))
    if not isinstance(got, np.ndarray) or got.shape != want.shape:
        return False
    return relative_error(got, want) < tol


def pair(value: Any, what: str) -> tuple[Any, Any]:
    """value as the (out, cache) pair every forward function returns."""
    if not isinstance(value, tuple) or len(value) != 2:
        raise AssertionError(
            f"{what} should return a pair (out, cache), but it returned {_kind(value)}"
        )
    return value[0], value[1]


def _kind(value: Any) -> str:
    if isinstance(value, Opaque):  # what the sandbox could not send as plain data
        return (
            f"a {value.type_name} ({value.description[:80]}), which cannot come back from the "
            "sandbox: only numbers, strings, lists, tuples, dictionaries and numeric arrays do"
        )
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} values"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"
