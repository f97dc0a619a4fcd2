"""A fully-connected network of any depth, with optional dropout.

Fill in every block marked TODO; delete the ``raise NotImplementedError``
line of a block when you write it.
"""

import numpy as np


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

        # TODO: initialize the weights W1 ... WL from a normal distribution
        # with mean 0 and standard deviation weight_scale, and the biases
        # b1 ... bL to zero; store them in self.params. W1 has shape
        # (input_dim, hidden_dims[0]), the last weight matrix has shape
        # (hidden_dims[-1], num_classes).
        raise NotImplementedError(
            "FullyConnectedNet.__init__: fill in the TODO in cs231n/classifiers/fc_net.py"
        )

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

        scores = None
        # TODO: the forward pass. Compute the class scores of X into scores,
        # with dropout after every hidden ReLU when self.use_dropout
        # (pass self.dropout_param to dropout_forward). Keep the caches the
        # backward pass needs.
        raise NotImplementedError(
            "FullyConnectedNet.loss (forward): fill in the TODO in cs231n/classifiers/fc_net.py"
        )

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: the backward pass. Compute the loss, the softmax loss plus
        # 0.5 * self.reg * sum(W**2) over every weight matrix, and the
        # gradient of every parameter into grads, keyed like self.params.
        raise NotImplementedError(
            "FullyConnectedNet.loss (backward): fill in the TODO in cs231n/classifiers/fc_net.py"
        )

        return loss, grads
