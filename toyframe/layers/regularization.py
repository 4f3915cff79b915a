"""Weight penalties as layer wrappers: the caller adds `penalty()` to the loss."""
import numpy as np

from .. import _checks
from .wrapper import LayerWrapper


class L2regularization(LayerWrapper):
    """Penalty coefficient * sum(W**2) (weights only, no 1/2); dL/dW gains 2 * coefficient * W.

    Equivalent to torch.optim.SGD(weight_decay=2 * coefficient) on the weights alone.
    """

    def __init__(self, layer, coefficient=0.01):
        super().__init__(layer)
        self.coefficient = _checks.positive("coefficient", coefficient)

    def penalty(self):
        return self.coefficient * np.sum(np.square(self.weights))

    def grad(self, in_gradient):
        """in_gradient: (N, out) -> (dL/dW + 2c W: (in, out), dL/dx: (N, in))."""
        d_weights, d_x = self.layer.grad(in_gradient)
        return d_weights + 2.0 * self.coefficient * self.weights, d_x

    def __repr__(self):
        return f"L2regularization({self.layer!r}, coefficient={self.coefficient})"


class L1regularization(LayerWrapper):
    """Penalty coefficient * sum(|W|); dL/dW gains the subgradient coefficient * sign(W)."""

    def __init__(self, layer, coefficient=0.01):
        super().__init__(layer)
        self.coefficient = _checks.positive("coefficient", coefficient)

    def penalty(self):
        return self.coefficient * np.sum(np.abs(self.weights))

    def grad(self, in_gradient):
        """in_gradient: (N, out) -> (dL/dW + c sign(W): (in, out), dL/dx: (N, in))."""
        d_weights, d_x = self.layer.grad(in_gradient)
        return d_weights + self.coefficient * np.sign(self.weights), d_x

    def __repr__(self):
        return f"L1regularization({self.layer!r}, coefficient={self.coefficient})"
