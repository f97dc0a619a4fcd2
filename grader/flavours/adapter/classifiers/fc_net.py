"""``FullyConnectedNet`` in terms of the student's ``MultiLayerNet``
(``common/multi_layer_net.py``).

=====================================  ==========================================
FullyConnectedNet                      MultiLayerNet
=====================================  ==========================================
``FullyConnectedNet(hidden_dims, input_dim, num_classes, dropout_keep_ratio,
reg, weight_scale, dtype, seed)``      ``MultiLayerNet(input_size, hidden_size_list,
                                       output_size, weight_init_std,
                                       weight_decay_lambda=reg, use_dropout=keep
                                       != 1, dropout_ratio=1 - keep, dtype[, seed]
                                       [, weight_decay_type])``
``params``                             the same arrays as ``net.params``
``loss(X)``                            ``net.predict(X, train_flg=False)``
``loss(X, y)``                         ``(loss, net.gradient(X, y))``, the loss
                                       being the one gradient's own
                                       ``self.loss(X, y, train_flg=True)``
                                       returned (else a call of it)
``dropout_param["mode"]``              the train_flg the net last passed to its
                                       Dropout layers
=====================================  ==========================================

The function API lets a caller replace ``params["W1"]`` with a new array
(the grader and the Solver do). A class network may hold its arrays in its
layers, so before every pass a replaced array is copied into the network's
own array, in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _student


class FullyConnectedNet:
    def __init__(
        self,
        hidden_dims: Any,
        input_dim: int = 3 * 32 * 32,
        num_classes: int = 10,
        dropout_keep_ratio: float = 1,
        normalization: Any = None,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype: Any = np.float32,
        seed: Any = None,
        weight_decay_type: Any = None,
    ) -> None:
        if normalization is not None:
            raise ValueError(
                f"normalization={normalization!r} is not part of this assignment; "
                "use normalization=None"
            )
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        kwargs: dict[str, Any] = {
            "input_size": input_dim,
            "hidden_size_list": list(hidden_dims),
            "output_size": num_classes,
            "weight_init_std": weight_scale,
            "weight_decay_lambda": reg,
            "use_dropout": self.use_dropout,
            "dropout_ratio": 1 - dropout_keep_ratio,
            "dtype": dtype,
        }
        if seed is not None:
            kwargs["seed"] = seed
        if weight_decay_type is not None:
            kwargs["weight_decay_type"] = weight_decay_type
        self.net = _student.attr("multi_layer_net", "MultiLayerNet")(**kwargs)
        found = self.net.params
        self.params: Any = dict(found) if isinstance(found, dict) else found
        self.dropout_param: dict[str, Any] = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

    def _sync(self) -> None:
        """Hand the network every array a caller put into self.params."""
        theirs = self.net.params
        if not isinstance(self.params, dict) or not isinstance(theirs, dict):
            return
        for name, value in self.params.items():
            current = theirs.get(name)
            if current is value:
                continue
            if (
                isinstance(current, np.ndarray)
                and isinstance(value, np.ndarray)
                and current.shape == value.shape
                and current.flags.writeable
            ):
                current[...] = value
                self.params[name] = current
            else:
                theirs[name] = value

    def _record(self, modes: list[str]) -> None:
        if self.use_dropout and modes:
            self.dropout_param["mode"] = modes[-1]

    def loss(self, X: Any, y: Any = None) -> Any:
        self._sync()
        if y is None:
            with _student.dropout_modes() as modes:
                scores = self.net.predict(X, train_flg=False)
            self._record(modes)
            return scores
        losses: list[Any] = []
        own_loss = self.net.loss

        def loss_seen(*args: Any, **kwargs: Any) -> Any:
            value = own_loss(*args, **kwargs)
            losses.append(value)
            return value

        shadowed = "loss" in vars(self.net)
        self.net.loss = loss_seen
        try:
            with _student.dropout_modes() as modes:
                grads = self.net.gradient(X, y)
        finally:
            if shadowed:
                self.net.loss = own_loss
            else:
                del self.net.loss
        self._record(modes)
        if not losses:  # gradient() did not go through self.loss
            losses.append(own_loss(X, y, train_flg=True))
        return losses[-1], grads
