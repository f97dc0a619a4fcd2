"""Convenience layers: common sequences of layers as a single forward and
backward function. Given to students complete."""

from .layers import affine_backward, affine_forward, relu_backward, relu_forward


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: input to the affine layer, shape (N, d_1, ..., d_k).
    - w, b: weights and biases of the affine layer.

    Returns a tuple of:
    - out: output of the ReLU.
    - cache: what the backward pass needs, (affine cache, relu cache).
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward pass of ``affine_relu_forward``.

    Returns a tuple of the gradients (dx, dw, db).
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)
