"""Element-wise and row-wise activations. Each keeps what its backward needs."""
import numpy as np

from . import _checks


class Activation:
    """Base class: `__call__(x)` keeps a cache, `grad(in_gradient)` returns dL/dx.

    The cache never aliases an array the caller can change: ReLU-like layers keep their own
    boolean mask, and layers whose output is their cache return it read-only, so an in-place
    edit of the output raises instead of silently corrupting the backward pass.
    """

    cache = None

    def get_type(self):
        return "activation"

    def _upstream(self, in_gradient):
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.grad was called before the activation was called")
        g = np.asarray(in_gradient)
        if g.shape != self.cache.shape:
            raise ValueError(f"in_gradient must have the shape of the last input {self.cache.shape}, got {g.shape}")
        return g

    def __repr__(self):
        return f"{type(self).__name__}()"


def _read_only(array):
    view = array.view()
    view.flags.writeable = False
    return view


class ReLU(Activation):
    """max(x, 0); derivative 1 where x > 0, else 0 (torch's choice at 0)."""

    def __call__(self, x):
        x = _checks.float_array("x", x)
        self.cache = x > 0
        return np.maximum(x, 0)

    def grad(self, in_gradient):
        g = self._upstream(in_gradient)
        return g * self.cache


class LeakyReLU(Activation):
    """x where x > 0, else alpha * x; derivative alpha at 0, like torch.nn.LeakyReLU."""

    def __init__(self, alpha=0.01):
        self.alpha = _checks.finite_real("alpha", alpha)

    def __call__(self, x):
        x = _checks.float_array("x", x)
        self.cache = x > 0
        return np.where(self.cache, x, self.alpha * x)

    def grad(self, in_gradient):
        g = self._upstream(in_gradient)
        return np.where(self.cache, g, self.alpha * g)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


class Sigmoid(Activation):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""

    def __call__(self, x):
        x = _checks.float_array("x", x)
        e = np.exp(-np.abs(x))
        self.cache = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return _read_only(self.cache)

    def grad(self, in_gradient):
        g = self._upstream(in_gradient)
        s = self.cache
        return g * s * (1 - s)


class Tanh(Activation):
    def __call__(self, x):
        x = _checks.float_array("x", x)
        self.cache = np.tanh(x)
        return _read_only(self.cache)

    def grad(self, in_gradient):
        g = self._upstream(in_gradient)
        return g * (1 - self.cache * self.cache)


class Softmax(Activation):
    """Row-wise softmax over the last axis: x (N, C) -> (N, C)."""

    def __call__(self, x):
        x = _checks.float_array("x", x)
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        self.cache = e / e.sum(axis=-1, keepdims=True)
        return _read_only(self.cache)

    def grad(self, in_gradient):
        g = self._upstream(in_gradient)
        s = self.cache
        return s * (g - (g * s).sum(axis=-1, keepdims=True))


__all__ = ["Activation", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax"]
