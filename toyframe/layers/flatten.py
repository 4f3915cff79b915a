"""Flatten every axis but the batch axis: how a convolutional stack hands over to Linear layers."""
import math

from .. import _checks
from ..activations import Activation


class Flatten(Activation):
    """x: (N, d1, d2, ...) -> (N, d1*d2*...) in C order (torch's x.view(N, -1) and nn.Flatten())."""

    def __init__(self):
        self.input_shape = None  # cache: the only thing backward needs

    def __call__(self, x):
        x = _checks.float_array("x", x)
        if x.ndim < 2:
            raise ValueError(f"x must have a batch axis and at least one more, got shape {x.shape}")
        self.input_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def grad(self, in_gradient):
        """in_gradient: (N, d1*d2*...) -> dL/dx: (N, d1, d2, ...)."""
        if self.input_shape is None:
            raise RuntimeError("Flatten.grad was called before the layer was called")
        g = _checks.float_array("in_gradient", in_gradient, ndim=2)
        n, features = self.input_shape[0], math.prod(self.input_shape[1:])
        _checks.same_shape("in_gradient", g, (n, features), "(N, product of the input's other axes)")
        return g.reshape(self.input_shape)
