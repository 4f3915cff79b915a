"""Channel dropout (torch.nn.Dropout2d) on the NCHW output of a wrapped layer, e.g. a Conv2d."""
import numpy as np

from .dropout import Dropout


class Dropout2d(Dropout):
    """Each whole feature map out[n, c] is 0 with probability p, else scaled by 1/(1-p).

    Neighbouring pixels of a feature map are strongly correlated, so dropping them one by one
    hardly regularizes; dropping the map does. p is the DROP probability, as for Dropout. In
    training mode each call draws `self.mask`: (N, C, 1, 1) in the output's dtype, holding 0 or
    1/(1-p), from `rng` or, if None, NumPy's global RNG as `rand(N, C, 1, 1) > p`. In eval mode,
    and for p = 0, the layer is the identity.
    """

    def __call__(self, x):
        """x: the wrapped layer's input -> out: (N, C, H, W), whole channels dropped."""
        out = self.layer(x)
        if out.ndim != 4:
            raise ValueError(f"Dropout2d needs the wrapped layer's output to be (N, C, H, W), got shape {out.shape}")
        if not self.training:
            self.mask = None
            return out
        shape = (*out.shape[:2], 1, 1)
        if self.p == 0.0:
            self.mask = np.ones(shape, dtype=out.dtype)
            return out
        uniform = np.random.rand(*shape) if self.rng is None else self.rng.random(shape)
        self.mask = (uniform > self.p).astype(out.dtype) / (1.0 - self.p)
        return out * self.mask

    def grad(self, in_gradient, input_grad=True):
        """in_gradient: (N, C, H, W) -> (dL/dW, dL/dx) of the wrapped layer, through the same channel mask."""
        if self.mask is None:
            return self.inner_grad(in_gradient, input_grad)
        g = np.asarray(in_gradient)
        if g.ndim != 4 or g.shape[:2] != self.mask.shape[:2]:
            raise ValueError(f"in_gradient must be (N, C, H, W) with (N, C) = {self.mask.shape[:2]}, the last "
                             f"output's, got shape {g.shape}")
        return self.inner_grad(g * self.mask, input_grad)

    def __repr__(self):
        return f"Dropout2d({self.layer!r}, p={self.p})"
