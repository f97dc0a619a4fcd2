"""Layers of a fully-connected network: forward and backward passes.

Every ``*_forward`` function returns ``(out, cache)``; the matching
``*_backward(dout, cache)`` takes the upstream gradient and that cache and
returns the gradients with respect to the forward inputs, in the order the
forward function takes them.

Fill in every block marked TODO; delete the ``raise NotImplementedError``
line of a block when you write it.
"""

import numpy as np


def affine_forward(x, w, b):
    """Affine (fully-connected) layer, forward pass.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k); each example is flattened to a
      vector of D = d_1 * ... * d_k values.
    - w: weights, shape (D, M).
    - b: biases, shape (M,).

    Returns a tuple of:
    - out: shape (N, M).
    - cache: (x, w, b).
    """
    out = None
    # TODO: compute the affine forward pass into out. Reshape each example
    # of x into a row vector first.
    raise NotImplementedError("affine_forward: fill in the TODO in cs231n/layers.py")
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Affine layer, backward pass.

    Inputs:
    - dout: upstream gradient, shape (N, M).
    - cache: (x, w, b) as stored by ``affine_forward``.

    Returns a tuple of:
    - dx: shape of x, (N, d_1, ..., d_k).
    - dw: shape (D, M).
    - db: shape (M,).
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # TODO: compute the affine backward pass.
    raise NotImplementedError("affine_backward: fill in the TODO in cs231n/layers.py")
    return dx, dw, db


def relu_forward(x):
    """Rectified linear unit, forward pass: ``max(0, x)`` elementwise.

    Returns a tuple of:
    - out: same shape as x.
    - cache: x.
    """
    out = None
    # TODO: compute the ReLU forward pass.
    raise NotImplementedError("relu_forward: fill in the TODO in cs231n/layers.py")
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Rectified linear unit, backward pass.

    Returns:
    - dx: same shape as dout.
    """
    dx, x = None, cache
    # TODO: compute the ReLU backward pass.
    raise NotImplementedError("relu_backward: fill in the TODO in cs231n/layers.py")
    return dx


def softmax_loss(x, y):
    """Softmax classifier: mean cross-entropy loss and its gradient.

    Inputs:
    - x: class scores, shape (N, C); x[i, j] is the score of class j for
      example i.
    - y: labels, shape (N,), with 0 <= y[i] < C.

    Returns a tuple of:
    - loss: a scalar.
    - dx: gradient of the loss with respect to x, shape (N, C).
    """
    loss, dx = None, None
    # TODO: compute the softmax loss and its gradient. Make it numerically
    # stable: large scores must not overflow.
    raise NotImplementedError("softmax_loss: fill in the TODO in cs231n/layers.py")
    return loss, dx


def dropout_forward(x, dropout_param):
    """Inverted dropout, forward pass.

    Inputs:
    - x: input data, of any shape.
    - dropout_param: a dictionary with the keys:
      - p: the probability of KEEPING each unit (0 < p <= 1).
      - mode: 'train' or 'test'. In train mode units are dropped at random
        and the survivors are divided by p, so that the expected output
        equals the input; in test mode the input passes through unchanged.
      - seed: optional; when present the global numpy generator is seeded
        with it, which makes the function deterministic (for gradient
        checks).

    Returns a tuple of:
    - out: same shape and dtype as x.
    - cache: (dropout_param, mask). In train mode mask is the array the
      input was multiplied by; in test mode it is None.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None
    if mode == "train":
        # TODO: train-time inverted dropout. Store the mask you multiply by
        # in mask.
        raise NotImplementedError("dropout_forward (train): fill in the TODO in cs231n/layers.py")
    elif mode == "test":
        # TODO: test-time dropout.
        raise NotImplementedError("dropout_forward (test): fill in the TODO in cs231n/layers.py")

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Inverted dropout, backward pass.

    Inputs:
    - dout: upstream gradient, of any shape.
    - cache: (dropout_param, mask) from ``dropout_forward``.

    Returns:
    - dx: gradient with respect to the input of ``dropout_forward``.
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    dx = None
    if mode == "train":
        # TODO: train-time backward pass of inverted dropout.
        raise NotImplementedError("dropout_backward: fill in the TODO in cs231n/layers.py")
    elif mode == "test":
        dx = dout
    return dx
