"""First-order update rules, one class per rule.

Every optimizer has the same interface::

    optimizer = Momentum(lr=0.01, momentum=0.9)
    optimizer.update(params, grads)

- params: a dictionary of numpy arrays, the parameters by name (a
  network's ``params``). ``update`` changes it: each array is updated in
  place (``params[key] -= step``), so a layer that holds the array sees the
  new values.
- grads: a dictionary with the same keys, the gradient of the loss with
  respect to each parameter. It is not changed.

The constructor's keywords are stored as attributes of the same names
(``self.lr``, ``self.momentum``, ...). The state a rule keeps between
updates lives on the instance, as dictionaries keyed like params, created
on the first update with zeros like each parameter:

=========  ============================  ======================================
rule       hyper-parameters (default)    state
=========  ============================  ======================================
SGD        lr (0.01)                     none
Momentum   lr (0.01), momentum (0.9)     v: the velocity
AdaGrad    lr (0.01), eps (1e-8)         h: the sum of all squared gradients
RMSprop    lr (0.01), decay_rate (0.99), h: running average of the squared
           eps (1e-8)                    gradient
Adam       lr (0.001), beta1 (0.9),      m, v: running averages of the
           beta2 (0.999), eps (1e-8)     gradient and of its square; t: the
                                         number of updates made (an int)
=========  ============================  ======================================

A state attribute is None until the first update; one already set (by an
earlier update, or from outside) is used as it is.

``SGD`` is given as an example; fill in every block marked TODO.
"""

import numpy as np


class SGD:
    """Vanilla stochastic gradient descent: ``param -= lr * grad``."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        """One update of every parameter of params, in place, with its gradient in grads."""
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """Stochastic gradient descent with momentum.

    The velocity accumulates the negative gradient and the parameters move
    along it: ``v = momentum * v - lr * grad``, ``param += v``. momentum is
    how much of the velocity is kept from one update to the next (0 gives
    vanilla SGD).
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """One update of every parameter of params, in place, with its gradient in grads."""
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        # TODO: the momentum update of every parameter. Keep the new
        # velocities in self.v for the next update.
        raise NotImplementedError("Momentum.update: fill in the TODO in common/optimizer.py")


class AdaGrad:
    """AdaGrad: each parameter's step is scaled by the square root of the sum
    of all its squared gradients so far.

    ``h += grad**2``, ``param -= lr * grad / (sqrt(h) + eps)``; eps keeps the
    denominator above zero.
    """

    def __init__(self, lr=0.01, eps=1e-8):
        self.lr = lr
        self.eps = eps
        self.h = None

    def update(self, params, grads):
        """One update of every parameter of params, in place, with its gradient in grads."""
        if self.h is None:
            self.h = {key: np.zeros_like(value) for key, value in params.items()}
        # TODO: the AdaGrad update. Keep the new sums in self.h.
        raise NotImplementedError("AdaGrad.update: fill in the TODO in common/optimizer.py")


class RMSprop:
    """RMSProp: the step is scaled by a running average of the squared gradient.

    ``h = decay_rate * h + (1 - decay_rate) * grad**2``,
    ``param -= lr * grad / (sqrt(h) + eps)``. decay_rate is how much of the
    running average is kept at each update; eps sits outside the square root.
    """

    def __init__(self, lr=0.01, decay_rate=0.99, eps=1e-8):
        self.lr = lr
        self.decay_rate = decay_rate
        self.eps = eps
        self.h = None

    def update(self, params, grads):
        """One update of every parameter of params, in place, with its gradient in grads."""
        if self.h is None:
            self.h = {key: np.zeros_like(value) for key, value in params.items()}
        # TODO: the RMSProp update. Keep the new running averages in self.h.
        raise NotImplementedError("RMSprop.update: fill in the TODO in common/optimizer.py")


class Adam:
    """Adam: momentum on the gradient and RMSProp-style scaling, each corrected
    for starting at zero.

    At each update t grows by 1 first, so the first update uses t = 1; then
    ``m = beta1 * m + (1 - beta1) * grad``,
    ``v = beta2 * v + (1 - beta2) * grad**2``,
    ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)`` and
    ``param -= lr * m_hat / (sqrt(v_hat) + eps)``.
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.m = None
        self.v = None
        self.t = 0

    def update(self, params, grads):
        """One update of every parameter of params, in place, with its gradient in grads."""
        if self.m is None:
            self.m = {key: np.zeros_like(value) for key, value in params.items()}
        if self.v is None:
            self.v = {key: np.zeros_like(value) for key, value in params.items()}
        # TODO: the Adam update, with bias correction. Keep the new m, v and
        # t in self.m, self.v and self.t.
        raise NotImplementedError("Adam.update: fill in the TODO in common/optimizer.py")
