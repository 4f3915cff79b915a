"""Weight penalties as layer wrappers: the caller adds `penalty()` to the loss."""
import numpy as np

from .. import _checks
from .wrapper import LayerWrapper


class WeightPenalty(LayerWrapper):
    """A penalty on the wrapped layer's weights (not its bias): subclasses give its value and gradient."""

    def __init__(self, layer, coefficient=0.01):
        super().__init__(layer)
        self.coefficient = _checks.positive("coefficient", coefficient)

    def penalty(self):
        return self.value(self.weights)

    def grad(self, in_gradient, input_grad=True):
        """in_gradient: (N, out) -> (dL/dW + d penalty/dW: (in, out), dL/dx: (N, in))."""
        d_weights, d_x = self.inner_grad(in_gradient, input_grad)
        return d_weights + self.gradient(self.weights), d_x

    def __repr__(self):
        return f"{type(self).__name__}({self.layer!r}, coefficient={self.coefficient})"


class L2regularization(WeightPenalty):
    """Penalty coefficient * sum(W**2) (no 1/2); dL/dW gains 2 * coefficient * W.

    Equivalent to torch.optim.SGD(weight_decay=2 * coefficient) on the weights alone.
    """

    def value(self, weights):
        return self.coefficient * np.sum(np.square(weights))

    def gradient(self, weights):
        return 2.0 * self.coefficient * weights


class L1regularization(WeightPenalty):
    """Penalty coefficient * sum(|W|); dL/dW gains the subgradient coefficient * sign(W)."""

    def value(self, weights):
        return self.coefficient * np.sum(np.abs(weights))

    def gradient(self, weights):
        return self.coefficient * np.sign(weights)
