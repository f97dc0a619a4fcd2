"""Expected answers of the L1 weight-decay checks
(grader/checks/test_weight_decay.py): the class flavour's network written
out in numpy, with its penalty and the variants its misconceptions are
recognised by."""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]


def net(
    params: Params, X: np.ndarray, y: np.ndarray, lam: float, *, l1: float = 1.0, l2: float = 0.0
) -> tuple[float, Params]:
    """Loss and gradients of {affine - relu} x (L-1) - affine - softmax plus
    ``l1 * lam * sum|W| + l2 * lam * sum(W**2)`` over the weights. The
    defaults are the assignment's L1 weight decay; the keywords make the
    variants misconceptions are recognised by (l1=0: none, l2=0.5: L2)."""
    layers = len(params) // 2
    h, tape = X.reshape(X.shape[0], -1), []
    for i in range(1, layers):
        a = h @ params[f"W{i}"] + params[f"b{i}"]
        tape.append((h, a))
        h = np.maximum(a, 0)
    scores = h @ params[f"W{layers}"] + params[f"b{layers}"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = float(-log_probs[np.arange(n), y].mean())
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    grads = {f"W{layers}": h.T @ dscores, f"b{layers}": dscores.sum(axis=0)}
    dh = dscores @ params[f"W{layers}"].T
    for i in range(layers - 1, 0, -1):
        h_in, a = tape[i - 1]
        da = dh * (a > 0)
        grads[f"W{i}"], grads[f"b{i}"] = h_in.T @ da, da.sum(axis=0)
        dh = da @ params[f"W{i}"].T
    for i in range(1, layers + 1):
        w = params[f"W{i}"]
        loss += lam * (l1 * float(np.sum(np.abs(w))) + l2 * float(np.sum(w * w)))
        grads[f"W{i}"] = grads[f"W{i}"] + lam * (l1 * np.sign(w) + 2 * l2 * w)
    return loss, grads
