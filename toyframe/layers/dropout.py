"""Inverted dropout on the output of a wrapped layer."""
import numpy as np

from .. import _checks
from .wrapper import LayerWrapper


class Dropout(LayerWrapper):
    """Inverted dropout: each output element is 0 with probability p, else scaled by 1/(1-p).

    p is the DROP probability (torch.nn.Dropout's convention). In training mode each call
    draws a fresh mask, `self.mask`: (N, out), in the output's dtype, holding 0 or 1/(1-p),
    from `rng` or, if None, NumPy's global RNG as `rand(*out.shape) > p`. In eval mode, and
    for p = 0, the layer is the identity.
    """

    def __init__(self, layer, p=0.5, rng=None):
        super().__init__(layer)
        self.p = _checks.probability("p", p)
        self.rng = _checks.generator("rng", rng)
        self.mask = None

    def __call__(self, x):
        """x: (N, in) -> out: (N, out)."""
        out = self.layer(x)
        if not self.training:
            self.mask = None
            return out
        if self.p == 0.0:
            self.mask = np.ones_like(out)
            return out
        uniform = np.random.rand(*out.shape) if self.rng is None else self.rng.random(out.shape)
        self.mask = (uniform > self.p).astype(out.dtype) / (1.0 - self.p)
        return out * self.mask

    def grad(self, in_gradient, input_grad=True):
        """in_gradient: (N, out) -> (dL/dW, dL/dx) of the wrapped layer, through the same mask."""
        if self.mask is None:
            return self.inner_grad(in_gradient, input_grad)
        g = np.asarray(in_gradient)
        if g.shape != self.mask.shape:
            raise ValueError(f"in_gradient must have the shape of the last output {self.mask.shape}, got {g.shape}")
        return self.inner_grad(g * self.mask, input_grad)

    def __repr__(self):
        return f"Dropout({self.layer!r}, p={self.p})"
