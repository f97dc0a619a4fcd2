"""Layers of a fully-connected network: forward and backward passes.

Every ``*_forward`` function returns ``(out, cache)``; the matching
``*_backward(dout, cache)`` takes the upstream gradient and that cache and
returns the gradients with respect to the forward inputs, in the order the
forward function takes them.
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
    flat = x.reshape(x.shape[0], -1)
    out = flat @ w + b
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
    - db: shape (M,); the bias is added to every example, so its gradient is
      the SUM of dout over the batch.
    """
    x, w, _b = cache
    flat = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """Rectified linear unit, forward pass: ``max(0, x)`` elementwise.

    Returns a tuple of:
    - out: same shape as x.
    - cache: x.
    """
    out = np.maximum(x, 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Rectified linear unit, backward pass.

    The gradient flows only where the input was strictly positive.

    Returns:
    - dx: same shape as dout.
    """
    x = cache
    dx = dout * (x > 0)
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
    n = x.shape[0]
    # Subtracting the row maximum leaves the softmax unchanged and keeps
    # exp() from overflowing on large scores.
    shifted = x - x.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_norm
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    dx /= n
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
      input was multiplied by (0 for dropped units, 1/p for kept ones); in
      test mode it is None.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    else:
        raise ValueError(f"dropout mode must be 'train' or 'test', not {mode!r}")

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Inverted dropout, backward pass.

    Inputs:
    - dout: upstream gradient, of any shape.
    - cache: (dropout_param, mask) from ``dropout_forward``.

    Returns:
    - dx: gradient with respect to the input of ``dropout_forward``. In
      train mode it is dout times the same mask (dropped units get no
      gradient, kept ones are scaled by 1/p); in test mode it is dout.
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]
    if mode == "train":
        dx = dout * mask
    elif mode == "test":
        dx = dout
    else:
        raise ValueError(f"dropout mode must be 'train' or 'test', not {mode!r}")
    return dx
