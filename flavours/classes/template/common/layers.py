"""Layers of a fully-connected network, one class per layer.

Every layer has ``forward`` and ``backward`` methods. ``forward`` computes
the layer's output and keeps on the instance what the backward pass will
need; ``backward(dout)`` takes the gradient of the loss with respect to
that output and returns the gradient with respect to the forward pass's
input. A layer with parameters also stores their gradients on the
instance (``Affine.dW`` and ``Affine.db``). Neither pass changes its
arguments in place.

Fill in every block marked TODO; delete the ``raise NotImplementedError``
line of a block when you write it.
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
    - db: gradient with respect to b, shape (M,).
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
        out = None
        # TODO: the affine forward pass. Keep what backward needs on self.
        raise NotImplementedError("Affine.forward: fill in the TODO in common/layers.py")
        return out

    def backward(self, dout):
        """dout of shape (N, M); returns dx in the shape of the forward's x,
        and sets self.dW and self.db."""
        dx = None
        # TODO: the affine backward pass.
        raise NotImplementedError("Affine.backward: fill in the TODO in common/layers.py")
        return dx


class Relu:
    """Rectified linear unit: ``max(0, x)`` elementwise."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        """Returns max(0, x); remembers where x was positive."""
        out = None
        # TODO: the ReLU forward pass.
        raise NotImplementedError("Relu.forward: fill in the TODO in common/layers.py")
        return out

    def backward(self, dout):
        """The gradient flows only where the forward's input was positive."""
        dx = None
        # TODO: the ReLU backward pass. Do not change dout in place.
        raise NotImplementedError("Relu.backward: fill in the TODO in common/layers.py")
        return dx


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
      multiplied by; None after a test-time pass.
    """

    def __init__(self, dropout_ratio=0.5, seed=None):
        self.dropout_ratio = dropout_ratio
        self.seed = seed
        self.mask = None

    def forward(self, x, train_flg=True):
        """x of any shape; train_flg True in training, False at test time.
        Returns an array of x's shape and dtype."""
        out = None
        if train_flg:
            if self.seed is not None:
                np.random.seed(self.seed)
            # TODO: training-time inverted dropout. Store the array you
            # multiply x by in self.mask.
            raise NotImplementedError(
                "Dropout.forward (training): fill in the TODO in common/layers.py"
            )
        else:
            # TODO: test-time dropout.
            raise NotImplementedError(
                "Dropout.forward (test time): fill in the TODO in common/layers.py"
            )
        return out

    def backward(self, dout):
        """dout times the mask of the last forward pass (dout itself after a
        test-time pass)."""
        if self.mask is None:
            return dout
        dx = None
        # TODO: the backward pass of training-time inverted dropout.
        raise NotImplementedError("Dropout.backward: fill in the TODO in common/layers.py")
        return dx


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
        loss = None
        # TODO: the softmax and the mean cross-entropy. Make it numerically
        # stable: large scores must not overflow. Keep softmax(x) in self.probs.
        raise NotImplementedError("SoftmaxWithLoss.forward: fill in the TODO in common/layers.py")
        return loss

    def backward(self, dout=1):
        """Gradient of dout * loss with respect to x, shape (N, C)."""
        dx = None
        # TODO: the gradient of the mean cross-entropy.
        raise NotImplementedError("SoftmaxWithLoss.backward: fill in the TODO in common/layers.py")
        return dx
