"""CORRECT submissions written in different styles: each must earn every point of the parts it is graded on.

CORRECT_DROPOUTS are graded on "Dropout forward" and "Dropout backward"; CORRECT_L2 on "L2 regularization".
"""
import numpy as np


# ---- Dropout ----------------------------------------------------------------------------------------

class DropoutRandGreater:
    """The notebook's canonical mask: rand(*out.shape) > p, scaled by 1/(1-p), from the global RNG."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.mask = None

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropoutBinomial:
    """Keep mask from np.random.binomial(1, 1 - p, size), the scale applied separately."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.binomial(1, 1 - self.p, size=out.shape)
        return out * self.mask / (1 - self.p)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient * self.mask / (1 - self.p))
        return dW, dX

    def get_type(self):
        return "layer"


class DropoutWhere:
    """A stored boolean keep mask, applied with np.where in both directions."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.uniform(0, 1, out.shape) >= self.p
        return np.where(self.mask, out / (1 - self.p), 0.0)

    def grad(self, in_gradient):
        return self.layer.grad(np.where(self.mask, in_gradient / (1 - self.p), 0.0))

    def get_type(self):
        return "layer"


class DropoutFloatMask:
    """random(shape) < 1 - p, with the 1/(1-p) folded into a float mask."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        keep = 1 - self.p
        self.mask = (np.random.random(out.shape) < keep).astype(float) * (1 / keep)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropoutStoresDropMask:
    """Stores the DROP mask (rand < p) in self.mask and zeroes those entries: unusual storage, right behaviour."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.rand(*out.shape) < self.p
        out[self.mask] = 0
        return out / (1 - self.p)

    def grad(self, in_gradient):
        in_gradient = in_gradient.copy()
        in_gradient[self.mask] = 0
        return self.layer.grad(in_gradient / (1 - self.p))

    def get_type(self):
        return "layer"


class DropoutOwnGenerator:
    """Draws from its own np.random.default_rng() stream (unseeded) instead of the global RNG."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.rng = np.random.default_rng()

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (self.rng.random(out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropoutFloat32Mask:
    """Keeps its mask in float32: (rand > p).astype(np.float32) / (1 - p); right at the assignment's tolerance."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p).astype(np.float32) / np.float32(1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


# ---- L2 regularization -------------------------------------------------------------------------------

class L2TwoCW:
    """dW + 2 * coefficient * W, reading W through the wrapped layer (self.layer.weights)."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient * self.layer.weights, dX

    def get_type(self):
        return "layer"


class L2WPlusW:
    """The derivative written as coefficient * (W + W)."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        W = self.layer.weights
        return dW + self.coefficient * (W + W), dX

    def get_type(self):
        return "layer"


class L2UsesAlias:
    """Modifies nothing: returns dW + 2 * c * self.weights through the alias taken in __init__."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class L2ViaPenaltyGradientMethod:
    """Keeps the penalty and its gradient in helper methods and checks coefficient > 0."""

    def __init__(self, layer, coefficient=0.01):
        assert coefficient > 0, "coefficient must be positive"
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def penalty(self):
        return self.coefficient * np.sum(np.square(self.layer.weights))

    def penalty_gradient(self):
        return 2.0 * self.coefficient * self.layer.weights

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        grads = self.layer.grad(in_gradient)
        return grads[0] + self.penalty_gradient(), grads[1]

    def get_type(self):
        return "layer"


CORRECT_DROPOUTS = [DropoutRandGreater, DropoutBinomial, DropoutWhere, DropoutFloatMask, DropoutStoresDropMask,
                    DropoutOwnGenerator, DropoutFloat32Mask]
CORRECT_L2 = [L2TwoCW, L2WPlusW, L2UsesAlias, L2ViaPenaltyGradientMethod]
CATALOGUE = CORRECT_DROPOUTS + CORRECT_L2
