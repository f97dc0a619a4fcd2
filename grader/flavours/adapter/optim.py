"""The function API of ``cs231n.optim``, in terms of the student's optimizer
classes in ``common/optimizer.py``.

Each ``rule(w, dw, config=None) -> (next_w, config)`` makes a new optimizer
from the config on every call, so its state travels in config as plain
data, as the function API's does:

1. the optimizer is made with the hyper-parameters config holds (the
   rest keep the constructor's defaults), e.g.
   ``Momentum(lr=config["learning_rate"], momentum=config["momentum"])``;
2. the state config holds is set on it, as dictionaries under the single
   key "w" (``optimizer.v = {"w": config["velocity"]}``);
3. ``optimizer.update({"w": w}, {"w": dw})`` is called;
4. the optimizer's hyper-parameters and state are written back into config,
   and the updated "w" is next_w.

=============  =========  ===========================================
function       class      config key -> attribute
=============  =========  ===========================================
sgd            SGD        learning_rate -> lr
sgd_momentum   Momentum   learning_rate -> lr, momentum, velocity -> v
rmsprop        RMSprop    learning_rate -> lr, decay_rate, epsilon -> eps,
                          cache -> h
adam           Adam       learning_rate -> lr, beta1, beta2, epsilon -> eps,
                          m, v, t
adagrad        AdaGrad    learning_rate -> lr, epsilon -> eps, cache -> h
=============  =========  ===========================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _student

KEY = "w"


def _step(
    name: str,
    hyper: dict[str, str],
    state: dict[str, str],
    w: Any,
    dw: Any,
    config: dict[str, Any] | None,
) -> tuple[Any, dict[str, Any]]:
    config = {} if config is None else config
    cls = _student.attr("optimizer", name)
    optimizer = cls(**{attr: config[key] for key, attr in hyper.items() if key in config})
    for key, attr in state.items():
        if key in config:
            setattr(optimizer, attr, {KEY: np.array(config[key], copy=True)})
    if name == "Adam" and "t" in config:
        optimizer.t = config["t"]
    params, grads = {KEY: w}, {KEY: dw}
    optimizer.update(params, grads)
    for key, attr in hyper.items():
        if hasattr(optimizer, attr):
            config[key] = getattr(optimizer, attr)
    for key, attr in state.items():
        found = getattr(optimizer, attr, None)
        if isinstance(found, dict) and KEY in found:
            config[key] = found[KEY]
    if name == "Adam" and hasattr(optimizer, "t"):
        config["t"] = optimizer.t
    return params[KEY], config


def sgd(w: Any, dw: Any, config: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    return _step("SGD", {"learning_rate": "lr"}, {}, w, dw, config)


def sgd_momentum(
    w: Any, dw: Any, config: dict[str, Any] | None = None
) -> tuple[Any, dict[str, Any]]:
    hyper = {"learning_rate": "lr", "momentum": "momentum"}
    return _step("Momentum", hyper, {"velocity": "v"}, w, dw, config)


def rmsprop(w: Any, dw: Any, config: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    hyper = {"learning_rate": "lr", "decay_rate": "decay_rate", "epsilon": "eps"}
    return _step("RMSprop", hyper, {"cache": "h"}, w, dw, config)


def adam(w: Any, dw: Any, config: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    hyper = {"learning_rate": "lr", "beta1": "beta1", "beta2": "beta2", "epsilon": "eps"}
    return _step("Adam", hyper, {"m": "m", "v": "v"}, w, dw, config)


def adagrad(w: Any, dw: Any, config: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    hyper = {"learning_rate": "lr", "epsilon": "eps"}
    return _step("AdaGrad", hyper, {"cache": "h"}, w, dw, config)
