"""Fully connected layer: out = x @ W + b."""
import numpy as np

from .. import _checks


class Linear:
    """A dense layer with the course skeleton's API.

    weights: (in_features, out_features), drawn as randn(in, out) * 0.05
    bias:    (1, out_features),           drawn as randn(1, out) * 0.05, after the weights
    Both come from NumPy's global RNG unless `rng` (a numpy.random.Generator) is given,
    so `np.random.seed(123)` reproduces the notebook's numbers.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float64):
        in_features = _checks.positive_int("in_features", in_features)
        out_features = _checks.positive_int("out_features", out_features)
        rng = _checks.generator("rng", rng)
        draw = np.random.randn if rng is None else (lambda *shape: rng.standard_normal(shape))
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"dtype must be a floating-point dtype, got {dtype}")
        self.weights = (draw(in_features, out_features) * 0.05).astype(dtype)
        self.bias = (draw(1, out_features) * 0.05).astype(dtype) if bias else None
        self.x = None          # cache: the input of the last forward call, (N, in)
        self.bias_grad = None  # dL/db of the last backward call, (1, out)

    def __call__(self, x):
        """x: (N, in) -> out: (N, out)."""
        x = _checks.float_array("x", x, ndim=2)
        if x.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"x must have shape (N, {self.weights.shape[0]}) for this Linear layer, got {x.shape}")
        self.x = x
        self.bias_grad = None
        out = x @ self.weights
        return out if self.bias is None else out + self.bias

    def grad(self, in_gradient, input_grad=True):
        """in_gradient: dL/dout, (N, out) -> (dL/dW: (in, out), dL/dx: (N, in), or None if not input_grad).

        dL/db, (1, out), is kept in `self.bias_grad` for Model.update_parameters. A model's first
        layer needs no dL/dx: skipping it saves one of the step's largest matrix products.
        """
        if self.x is None:
            raise RuntimeError("Linear.grad was called before the layer was called on an input")
        g = _checks.float_array("in_gradient", in_gradient, ndim=2)
        _checks.same_shape("in_gradient", g, (self.x.shape[0], self.weights.shape[1]), "(N, out_features)")
        if self.bias is not None:
            self.bias_grad = g.sum(axis=0, keepdims=True)
        return self.x.T @ g, (g @ self.weights.T if input_grad else None)

    def get_type(self):
        return "layer"

    def __repr__(self):
        n_in, n_out = self.weights.shape
        return f"Linear({n_in}, {n_out}, bias={self.bias is not None})"
