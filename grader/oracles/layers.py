"""Expected answers of the layer checks (grader/checks/test_layers.py): the
reference's own functions at the probe's inputs. The backward passes are
the reference's analytic gradients, which tests/reference checks against
numeric ones."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._reference import reference


def answers(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    dout: np.ndarray,
    relu_x: np.ndarray,
    relu_dout: np.ndarray,
    scores: np.ndarray,
    y: np.ndarray,
    shift: float,
) -> dict[str, Any]:
    """The reference's answers, by name; softmax_loss also at scores + shift."""
    ref = reference().layers
    out, cache = ref.affine_forward(x, w, b)
    dx, dw, db = ref.affine_backward(dout, cache)
    relu_out, relu_cache = ref.relu_forward(relu_x)
    relu_dx = ref.relu_backward(relu_dout, relu_cache)
    loss, dscores = ref.softmax_loss(scores, y)
    shifted_loss, shifted_dscores = ref.softmax_loss(scores + shift, y)
    return {
        "affine_out": out,
        "affine": (dx, dw, db),
        "relu_out": relu_out,
        "relu": (relu_dx,),
        "loss": float(loss),
        "dscores": dscores,
        "shifted_loss": float(shifted_loss),
        "shifted_dscores": shifted_dscores,
    }
