"""A fully-connected network of any depth, with optional dropout and L1 or L2
weight decay.

Fill in every block marked TODO; delete the ``raise NotImplementedError``
line of a block when you write it.
"""

import numpy as np

from .layers import Affine, Dropout, Relu, SoftmaxWithLoss

#: The kinds of weight decay MultiLayerNet accepts.
WEIGHT_DECAY_TYPES = ("L2", "L1")


class MultiLayerNet:
    """A fully-connected network with ReLU nonlinearities and a softmax loss.

    With L = len(hidden_size_list) + 1 affine layers the architecture is

        {Affine - Relu - [Dropout]} x (L - 1) - Affine - SoftmaxWithLoss

    A Dropout layer follows every hidden Relu when use_dropout is true; the
    class scores are never dropped. The learnable parameters live in
    ``self.params``: weights ``W1`` ... ``WL`` and biases ``b1`` ... ``bL``.
    The network reads them from ``self.params`` on every pass, so assigning
    a new array to ``self.params['W1']`` takes effect at once.

    Inputs of the constructor:
    - input_size: size of the input (each example is flattened).
    - hidden_size_list: list of the sizes of the hidden layers.
    - output_size: number of classes.
    - weight_init_std: standard deviation of the normal distribution the
      weights are drawn from; biases start at zero.
    - weight_decay_lambda: strength of the weight decay (0: none).
    - weight_decay_type: "L2" adds 0.5 * lambda * sum(W**2) over every
      weight matrix to the loss (its gradient is lambda * W); "L1" adds
      lambda * sum(|W|) (its gradient is lambda * sign(W)). Biases are not
      decayed.
    - use_dropout: whether to put a Dropout layer after every hidden Relu.
    - dropout_ratio: the Dropout layers' probability of DROPPING a unit.
    - dtype: numpy dtype of every parameter. float32 trains faster; use
      float64 for numeric gradient checks.
    - seed: when given, it is every Dropout layer's seed, which makes
      dropout repeatable (for gradient checks).
    """

    def __init__(
        self,
        input_size,
        hidden_size_list,
        output_size,
        weight_init_std=0.01,
        weight_decay_lambda=0.0,
        weight_decay_type="L2",
        use_dropout=False,
        dropout_ratio=0.5,
        dtype=np.float32,
        seed=None,
    ):
        if weight_decay_type not in WEIGHT_DECAY_TYPES:
            valid = ", ".join(repr(name) for name in WEIGHT_DECAY_TYPES)
            raise ValueError(
                f"weight_decay_type={weight_decay_type!r} is not known; valid types: {valid}"
            )
        self.hidden_size_list = list(hidden_size_list)
        self.num_layers = len(self.hidden_size_list) + 1
        self.weight_decay_lambda = weight_decay_lambda
        self.weight_decay_type = weight_decay_type
        self.use_dropout = use_dropout
        self.dropout_ratio = dropout_ratio
        self.seed = seed
        self.params = {}
        # TODO: the weights W1 ... WL from a normal distribution with standard
        # deviation weight_init_std, the biases b1 ... bL zeros; every
        # parameter of the given dtype.
        raise NotImplementedError(
            "MultiLayerNet.__init__: fill in the TODO in common/multi_layer_net.py"
        )
        self.layers = []
        self.last_layer = SoftmaxWithLoss()

    def _build(self):
        """The layers of one pass, made from the current self.params."""
        layers = []
        # TODO: {Affine - Relu - [Dropout]} x (L - 1) - Affine, the Affine
        # layers made with the arrays of self.params.
        raise NotImplementedError(
            "MultiLayerNet._build: fill in the TODO in common/multi_layer_net.py"
        )
        return layers

    def predict(self, x, train_flg=False):
        """The class scores of x, shape (N, output_size). train_flg: True in
        training (dropout drops units), False at test time."""
        self.layers = self._build()
        for layer in self.layers:
            x = layer.forward(x, train_flg) if isinstance(layer, Dropout) else layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        """The softmax loss of the scores of x against the labels t (class
        indices, or one-hot rows), plus the weight decay."""
        scores = self.predict(x, train_flg)
        loss = None
        # TODO: the softmax loss of the scores (self.last_layer), plus the
        # weight decay of every weight matrix, L2 or L1.
        raise NotImplementedError(
            "MultiLayerNet.loss: fill in the TODO in common/multi_layer_net.py"
        )
        return loss

    def gradient(self, x, t):
        """The gradient of the training-time loss with respect to every
        parameter: a dictionary with the keys of self.params.

        Runs ``self.loss(x, t, train_flg=True)`` and backpropagates through
        the layers of that pass."""
        self.loss(x, t, train_flg=True)
        grads = {}
        # TODO: backpropagate from self.last_layer through self.layers, and
        # add the gradient of the weight decay to each weight's gradient.
        raise NotImplementedError(
            "MultiLayerNet.gradient: fill in the TODO in common/multi_layer_net.py"
        )
        return grads
