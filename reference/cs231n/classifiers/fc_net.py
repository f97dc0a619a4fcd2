"""A fully-connected network of any depth, with optional dropout."""

import numpy as np

from ..layer_utils import affine_relu_backward, affine_relu_forward
from ..layers import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    softmax_loss,
)


class FullyConnectedNet:
    """A fully-connected network with ReLU nonlinearities and a softmax loss.

    With L = len(hidden_dims) + 1 layers the architecture is

        {affine - relu - [dropout]} x (L - 1) - affine - softmax

    Dropout follows every hidden ReLU when dropout_keep_ratio < 1; the class
    scores are never dropped. The learnable parameters live in
    ``self.params``: weights ``W1`` ... ``WL`` and biases ``b1`` ... ``bL``.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """Make a new network.

        Inputs:
        - hidden_dims: list of the sizes of the hidden layers.
        - input_dim: size of the input.
        - num_classes: number of classes.
        - dropout_keep_ratio: probability of keeping a hidden unit, in
          (0, 1]; 1 means no dropout.
        - normalization: only None (no normalization) in this assignment.
        - reg: L2 regularization strength.
        - weight_scale: standard deviation of the normal distribution the
          weights are drawn from; biases start at zero.
        - dtype: numpy dtype of every parameter. float32 trains faster;
          use float64 for numeric gradient checks.
        - seed: when given, dropout is made deterministic with this seed
          (for gradient checks).
        """
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
        self.params = {}

        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(self.num_layers):
            fan_in, fan_out = dims[i], dims[i + 1]
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(fan_in, fan_out)
            self.params[f"b{i + 1}"] = np.zeros(fan_out)

        # One dropout_param dictionary is shared by every dropout layer; the
        # mode is set on each call to loss().
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and its gradient, or the class scores.

        Inputs:
        - X: input data, shape (N, d_1, ..., d_k).
        - y: labels, shape (N,); y[i] is the label of X[i].

        Returns:
        If y is None, run a test-time forward pass (no dropout) and return
        - scores: shape (N, C), the class scores of each example.

        If y is given, run a training-time forward and backward pass and
        return a tuple of
        - loss: scalar, the softmax loss plus 0.5 * reg * sum(W**2) over every
          weight matrix (biases are not regularized).
        - grads: dictionary with the same keys as self.params, the gradient
          of the loss with respect to each parameter.
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        caches = []
        h = X
        for i in range(1, self.num_layers):
            h, cache = affine_relu_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((cache, drop_cache))
        last = self.num_layers
        scores, last_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])

        if mode == "test":
            return scores

        loss, dscores = softmax_loss(scores, y)
        weights = [self.params[f"W{i}"] for i in range(1, last + 1)]
        loss += 0.5 * self.reg * sum(np.sum(w * w) for w in weights)

        grads = {}
        dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
        for i in range(last - 1, 0, -1):
            cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dh, cache)
        for i in range(1, last + 1):
            grads[f"W{i}"] += self.reg * self.params[f"W{i}"]

        return loss, grads
