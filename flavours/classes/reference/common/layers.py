"""Layers of a fully-connected network, one class per layer.

Every layer has ``forward`` and ``backward`` methods. ``forward`` computes
the layer's output and keeps on the instance what the backward pass will
need; ``backward(dout)`` takes the gradient of the loss with respect to
that output and returns the gradient with respect to the forward pass's
input. A layer with parameters also stores their gradients on the
instance (``Affine.dW`` and ``Affine.db``). Neither pass changes its
arguments in place.
"""

import numpy as np


class Affine:
    """Fully-connected layer: ``out = x.reshape(N, -1) @ W + b``.

    Inputs of the constructor:
    - W: weights, shape (D, M). The layer uses this array itself, not a
      copy, so an update of it in place is seen by the layer.
    - b: biases, shape (M,).

    Attributes set by the passes:
    - dW: gradient of the loss with respect to W, shape (D, M).
    - db: gradient with respect to b, shape (M,): the SUM of dout over the
      batch, since the bias is added to every example.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """x of shape (N, d_1, ..., d_k), each example flattened to D values;
        returns the output, shape (N, M)."""
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        """dout of shape (N, M); returns dx in the shape of the forward's x,
        and sets self.dW and self.db."""
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.x_shape)


class Relu:
    """Rectified linear unit: ``max(0, x)`` elementwise."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """Returns max(0, x); remembers where x was positive."""
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        """The gradient flows only where the forward's input was positive."""
        return dout * self.mask


class Dropout:
    """Inverted dropout.

    Inputs of the constructor:
    - dropout_ratio: the probability of DROPPING each unit, 0 <= ratio < 1.
      In training each unit is kept with probability 1 - dropout_ratio, and
      the kept units are divided by 1 - dropout_ratio so that the expected
      output equals the input; at test time the input passes unchanged.
    - seed: optional. When given, every training-time forward pass first
      seeds numpy's global generator with it, which makes the layer
      repeatable (for gradient checks).

    Attributes set by the passes:
    - mask: after a training-time forward pass, the array the input was
      multiplied by (0 for dropped units, 1 / (1 - dropout_ratio) for kept
      ones); None after a test-time pass.
    """

    def __init__(self, dropout_ratio=0.5, seed=None):
        self.dropout_ratio = dropout_ratio
        self.seed = seed
        self.mask = None

    def forward(self, x, train_flg=True):
        """x of any shape; train_flg True in training, False at test time.
        Returns an array of x's shape and dtype."""
        if not train_flg:
            self.mask = None
            return x
        if self.seed is not None:
            np.random.seed(self.seed)
        keep = 1.0 - self.dropout_ratio
        self.mask = (np.random.rand(*x.shape) < keep) / keep
        return (x * self.mask).astype(x.dtype, copy=False)

    def backward(self, dout):
        """dout times the mask of the last forward pass (dout itself after a
        test-time pass)."""
        if self.mask is None:
            return dout
        return dout * self.mask


class SoftmaxWithLoss:
    """Softmax classifier: the mean cross-entropy of softmax(x) and the labels.

    Attributes set by the forward pass:
    - probs: softmax(x), shape (N, C).
    - t: the labels as class indices, shape (N,).
    """

    def __init__(self):
        self.probs = None
        self.t = None

    def forward(self, x, t):
        """x: class scores, shape (N, C). t: labels, either class indices of
        shape (N,) or one-hot rows of shape (N, C). Returns the loss, a
        number. Large scores do not overflow."""
        t = np.asarray(t)
        self.t = t.argmax(axis=1) if t.ndim == 2 else t
        n = x.shape[0]
        # The softmax is unchanged by subtracting each row's maximum, and
        # exp() then never sees a positive argument.
        shifted = x - x.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs = np.exp(log_probs)
        return float(-log_probs[np.arange(n), self.t].mean())

    def backward(self, dout=1):
        """Gradient of dout * loss with respect to x, shape (N, C)."""
        n = self.probs.shape[0]
        dx = self.probs.copy()
        dx[np.arange(n), self.t] -= 1
        return dout * dx / n
