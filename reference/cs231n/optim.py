"""First-order update rules for training neural networks.

Every rule has the same interface::

    next_w, config = update(w, dw, config=None)

- w: the current weights, a numpy array.
- dw: the gradient of the loss with respect to w, same shape as w.
- config: a dictionary of hyper-parameters (learning rate, decay rates, ...)
  and of the state the rule keeps between steps (a velocity, running
  averages). When it is None a fresh one with the default hyper-parameters
  is made; missing hyper-parameters are filled in with their defaults.

The rule returns the new weights and the config to pass to its next call.
The solver keeps one config per parameter, so state saved in it is carried
from step to step.
"""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent.

    config keys:
    - learning_rate: scalar step size (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    config keys:
    - learning_rate: scalar step size (default 1e-2).
    - momentum: scalar in [0, 1), how much of the velocity is kept from one
      step to the next (default 0.9); 0 gives vanilla SGD.
    - velocity: array of the same shape as w, the running velocity
      (default zeros). Stored back into config after every step.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    # The velocity accumulates the negative gradient; the weights move along it.
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v

    config["velocity"] = v
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: a step scaled per weight by a running average of the squared
    gradient.

    config keys:
    - learning_rate: scalar step size (default 1e-2).
    - decay_rate: scalar in [0, 1), how much of the running average is kept
      at each step (default 0.99).
    - epsilon: small scalar added to the denominator, outside the square
      root, so that it is never zero (default 1e-8).
    - cache: running average of dw**2, same shape as w (default zeros).
      Stored back into config after every step.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    decay = config["decay_rate"]
    cache = decay * config["cache"] + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])

    config["cache"] = cache
    return next_w, config


def adam(w, dw, config=None):
    """Adam: momentum on the gradient and RMSProp-style scaling, each with a
    bias correction for its zero initialization.

    config keys:
    - learning_rate: scalar step size (default 1e-3).
    - beta1: decay rate of the first moment, the running mean of the
      gradient (default 0.9).
    - beta2: decay rate of the second moment, the running mean of the
      squared gradient (default 0.999).
    - epsilon: small scalar added to the denominator, outside the square
      root (default 1e-8).
    - m: first moment, same shape as w (default zeros).
    - v: second moment, same shape as w (default zeros).
    - t: number of steps taken so far (default 0). It is incremented BEFORE
      the bias correction, so the first step uses t = 1.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])

    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config


def adagrad(w, dw, config=None):
    """AdaGrad: a step scaled per weight by the square root of the sum of
    all squared gradients seen so far.

    config keys:
    - learning_rate: scalar step size (default 1e-2).
    - epsilon: small scalar added to the denominator, outside the square
      root (default 1e-8).
    - cache: sum of dw**2 over all steps so far, same shape as w (default
      zeros). Stored back into config after every step.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    cache = config["cache"] + dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])

    config["cache"] = cache
    return next_w, config
