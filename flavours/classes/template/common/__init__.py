"""The class flavour of the assignment: layers, update rules and a network
written as classes.

- ``common.layers``: ``Affine``, ``Relu``, ``Dropout`` and
  ``SoftmaxWithLoss``; each has ``forward`` and ``backward`` methods and
  keeps what its backward pass needs on the instance.
- ``common.optimizer``: ``SGD``, ``Momentum``, ``AdaGrad``, ``RMSprop`` and
  ``Adam``; each ``update(params, grads)`` changes a dictionary of
  parameters in place and keeps its own state between calls.
- ``common.multi_layer_net``: ``MultiLayerNet``, a fully-connected network
  with optional dropout and L1 or L2 weight decay.

The modules import each other relatively (``from .layers import Affine``).
"""
