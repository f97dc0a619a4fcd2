"""Expected answers of the FullyConnectedNet checks (grader/checks/test_fc_net.py)
and the regularization experiment's accuracies: a small network written out
with numpy, tested against the reference net in tests/grader."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def net(
    params: Params,
    X: np.ndarray,
    y: np.ndarray | None,
    reg: float = 0.0,
    *,
    masks: list[np.ndarray] | None = None,
    score_mask: np.ndarray | None = None,
    weight_factor: float = 0.5,
    bias_factor: float = 0.0,
) -> Any:
    """Scores (y None) or (loss, grads) of {affine - relu - [mask]} x (L-1) - affine - softmax.

    The defaults are the assignment's net; the keywords make the variants
    that misconceptions are recognised by.
    """
    # Without masks no array of ones is made or multiplied by (x * 1.0 is x,
    # exactly): the experiment asks for 62 nets' scores a grade.
    layers = len(params) // 2
    h = X.reshape(X.shape[0], -1)
    tape = []
    for i in range(1, layers):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        mask = masks[i - 1] if masks is not None else None
        tape.append((h, a, mask))
        h = np.maximum(a, 0) if mask is None else np.maximum(a, 0) * mask
    scores = h @ params[f"W{layers}"] + params[f"b{layers}"]
    if score_mask is not None:
        scores = scores * score_mask
    if y is None:
        return scores
    n = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_probs[np.arange(n), y].mean())
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    dscores = dscores / n
    if score_mask is not None:
        dscores = dscores * score_mask
    for i in range(1, layers + 1):
        loss += weight_factor * reg * float(np.sum(params[f"W{i}"] ** 2))
        loss += bias_factor * reg * float(np.sum(params[f"b{i}"] ** 2))
    grads = {f"W{layers}": h.T @ dscores, f"b{layers}": dscores.sum(axis=0)}
    dh = dscores @ params[f"W{layers}"].T
    for i in range(layers - 1, 0, -1):
        h_in, a, mask = tape[i - 1]
        da = dh * (a > 0) if mask is None else dh * mask * (a > 0)
        grads[f"W{i}"], grads[f"b{i}"] = h_in.T @ da, da.sum(axis=0)
        dh = da @ params[f"W{i}"].T
    for i in range(1, layers + 1):
        grads[f"W{i}"] = grads[f"W{i}"] + 2 * weight_factor * reg * params[f"W{i}"]
        grads[f"b{i}"] = grads[f"b{i}"] + 2 * bias_factor * reg * params[f"b{i}"]
    return loss, grads


def min_relu_input(params: Params, X: np.ndarray, masks: list[np.ndarray] | None) -> float:
    """The smallest distance of a hidden ReLU's input from 0, with these masks."""
    h, smallest = X.reshape(X.shape[0], -1), math.inf
    for i in range(1, len(params) // 2):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        smallest = min(smallest, float(np.min(np.abs(a))))
        h = np.maximum(a, 0) * (masks[i - 1] if masks is not None else 1.0)
    return smallest
