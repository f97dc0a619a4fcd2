"""The function API of ``cs231n.layers``, in terms of the student's layer
classes in ``common/layers.py``.

- ``affine_forward(x, w, b)`` is ``Affine(w, b).forward(x)``, with the
  cache ``(x, w, b)``; ``affine_backward(dout, (x, w, b))`` makes the layer
  again, runs its forward pass on x, then its backward pass, and returns
  ``(dx, layer.dW, layer.db)``.
- ``relu_forward(x)`` is ``Relu().forward(x)``, with the cache x;
  ``relu_backward(dout, x)`` runs a new Relu forward on x, then backward.
- ``softmax_loss(x, y)`` is ``SoftmaxWithLoss().forward(x, y)`` and that
  layer's ``backward(1.0)``.
- ``dropout_forward(x, {"p": keep, "mode": ..., "seed": ...})`` is
  ``Dropout(dropout_ratio=1 - keep, seed=seed).forward(x, train_flg=mode ==
  "train")``. The layer is kept in this process, named in the cache, and
  ``dropout_backward(dout, cache)`` is that same layer's ``backward(dout)``.

Caches are plain data (the grader reads them), so a layer whose state
cannot be rebuilt from its inputs (Dropout's random mask) stays here under
a number.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import count
from typing import Any

import numpy as np

from . import _student

#: Dropout layers of the latest forward passes, by number; the oldest go first.
_DROPOUTS: OrderedDict[int, Any] = OrderedDict()
_KEEP = 64
_numbers = count(1)


def affine_forward(x: Any, w: Any, b: Any) -> tuple[Any, Any]:
    layer = _student.attr("layers", "Affine")(w, b)
    return layer.forward(x), (x, w, b)


def affine_backward(dout: Any, cache: Any) -> tuple[Any, Any, Any]:
    x, w, b = cache
    layer = _student.attr("layers", "Affine")(w, b)
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.dW, layer.db


def relu_forward(x: Any) -> tuple[Any, Any]:
    return _student.attr("layers", "Relu")().forward(x), x


def relu_backward(dout: Any, cache: Any) -> Any:
    layer = _student.attr("layers", "Relu")()
    layer.forward(cache)
    return layer.backward(dout)


def softmax_loss(x: Any, y: Any) -> tuple[Any, Any]:
    layer = _student.attr("layers", "SoftmaxWithLoss")()
    loss = layer.forward(x, y)
    return loss, layer.backward(1.0)


def dropout_forward(x: Any, dropout_param: dict[str, Any]) -> tuple[Any, Any]:
    """cache: (dropout_param with the layer's number under "layer", mask),
    mask being what the layer multiplied x by where x is not 0 (None at
    test time)."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param['mode'] is {mode!r}; the adapter knows 'train' and 'test'")
    kwargs: dict[str, Any] = {"dropout_ratio": 1 - p}
    if "seed" in dropout_param:
        kwargs["seed"] = dropout_param["seed"]
    layer = _student.attr("layers", "Dropout")(**kwargs)
    out = layer.forward(x, train_flg=mode == "train")
    number = next(_numbers)
    _DROPOUTS[number] = layer
    while len(_DROPOUTS) > _KEEP:
        _DROPOUTS.popitem(last=False)
    mask = None
    arrays = isinstance(out, np.ndarray) and isinstance(x, np.ndarray)
    if mode == "train" and arrays and out.shape == x.shape:
        mask = np.divide(out, x, out=np.zeros(x.shape), where=x != 0)
    return out, ({**dropout_param, "layer": number}, mask)


def dropout_backward(dout: Any, cache: Any) -> Any:
    param = cache[0] if isinstance(cache, tuple | list) and cache else None
    number = param.get("layer") if isinstance(param, dict) else None
    layer = _DROPOUTS.get(number) if isinstance(number, int) else None
    if layer is None:
        raise ValueError(
            "dropout_backward needs the cache of one of the latest dropout_forward calls: "
            "the Dropout layer it names is no longer kept"
        )
    return layer.backward(dout)
