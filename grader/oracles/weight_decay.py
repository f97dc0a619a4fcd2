"""Expected answers of the L1 weight-decay checks
(grader/checks/test_weight_decay.py): the network of grader.oracles.fc_net
with the L1 penalty, and the variants its misconceptions are recognised by."""

from __future__ import annotations

import numpy as np

from . import fc_net
from .fc_net import Params


def net(
    params: Params, X: np.ndarray, y: np.ndarray, lam: float, *, l1: float = 1.0, l2: float = 0.0
) -> tuple[float, Params]:
    """Loss and gradients of fc_net.net's network (no dropout, no L2 term) plus
    ``l1 * lam * sum|W| + l2 * lam * sum(W**2)`` over the weights. The
    defaults are the assignment's L1 weight decay; the keywords make the
    variants misconceptions are recognised by (l1=0: none, l2=0.5: L2)."""
    loss, grads = fc_net.net(params, X, y)  # the softmax loss alone: no L2 term
    for i in range(1, len(params) // 2 + 1):
        w = params[f"W{i}"]
        loss += lam * (l1 * float(np.sum(np.abs(w))) + l2 * float(np.sum(w * w)))
        grads[f"W{i}"] = grads[f"W{i}"] + lam * (l1 * np.sign(w) + 2 * l2 * w)
    return loss, grads
