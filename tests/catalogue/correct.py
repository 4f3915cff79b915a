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


class DropoutInPlaceGradient:
    """Multiplies the upstream gradient in place (in_gradient *= self.mask) before the wrapped layer's grad."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        out *= self.mask
        return out

    def grad(self, in_gradient):
        in_gradient *= self.mask
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"


class DropoutNamesItsLayerLinear:
    """Keeps the wrapped layer as self.linear (not self.layer): the assignment fixes the aliases, not that name."""

    def __init__(self, layer, p=0.5):
        self.linear = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.linear(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.linear.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropoutGeneratorSeededFromGlobal:
    """Its own Generator per instance, seeded from NumPy's global RNG in __init__ (reproducible under np.random.seed)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.rng = np.random.default_rng(np.random.randint(2**31))

    def __call__(self, x):
        out = self.layer(x)
        self.mask = self.rng.binomial(1, 1 - self.p, size=out.shape) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropoutChoice:
    """Draws the mask with np.random.choice([0, 1], p=[p, 1 - p])."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.choice([0, 1], size=out.shape, p=[self.p, 1 - self.p])
        return out * self.mask * (1.0 / (1 - self.p))

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask * (1.0 / (1 - self.p)))

    def get_type(self):
        return "layer"


class DropoutWithExtraState:
    """Keeps a call counter, a training flag, its last input and output and every mask it drew, in an int8 mask."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.training = True
        self.calls = 0
        self.history = []
        self.last_input = self.last_output = None

    def __call__(self, x):
        self.calls += 1
        self.last_input = x
        out = self.layer(x)
        if self.training and self.p > 0:
            self.mask = (np.random.random_sample(out.shape) >= self.p).astype(np.int8)
            self.history.append(self.mask)
            out = out * self.mask / (1 - self.p)
        else:
            self.mask = np.ones(out.shape, dtype=np.int8)
        self.last_output = out
        return out

    def grad(self, in_gradient):
        scale = 1 / (1 - self.p) if self.training else 1.0
        return self.layer.grad(in_gradient * self.mask * scale)

    def get_type(self):
        return "layer"


class DropoutReusesGradientBuffer:
    """Writes the masked gradient into one preallocated buffer, reused at every backward call."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.buffer = None

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        if self.buffer is None or self.buffer.shape != in_gradient.shape:
            self.buffer = np.empty(in_gradient.shape)
        np.multiply(in_gradient, self.mask, out=self.buffer)
        return self.layer.grad(self.buffer)

    def get_type(self):
        return "layer"


class DropoutFloat32Output:
    """Saves memory: a float32 mask, and the output built in a float32 buffer (values within float32's precision)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p).astype(np.float32) / np.float32(1 - self.p)
        result = np.zeros_like(self.mask)
        np.multiply(out, self.mask, out=result, casting="same_kind")
        return result

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropoutExtendedPrecisionScale:
    """Computes the 1/(1-p) scale in np.longdouble "to avoid rounding": its outputs are extended precision."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.scale = np.longdouble(1) / (np.longdouble(1) - np.longdouble(p))
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.rand(*out.shape) > self.p
        return out * self.mask * self.scale

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask * self.scale)

    def get_type(self):
        return "layer"


class DropoutPythonLoops:
    """Nested Python loops, one np.random.choice([0, 1], p=[p, 1 - p]) per element: ~100x slower, still correct."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.empty(out.shape)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                self.mask[i, j] = np.random.choice([0, 1], p=[self.p, 1 - self.p])
        return out * self.mask / (1 - self.p)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask / (1 - self.p))

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


class L2NamesItsLayerInner:
    """Keeps the wrapped layer as self.inner and reads W through a weights property."""

    def __init__(self, layer, coefficient=0.01):
        self.inner = layer
        self.coefficient = coefficient

    @property
    def weights(self):
        return self.inner.weights

    @property
    def bias(self):
        return self.inner.bias

    def __call__(self, x):
        return self.inner(x)

    def grad(self, in_gradient):
        dW, dX = self.inner.grad(in_gradient)
        return dW + 2 * self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class L2InPlaceOnItsArguments:
    """Works in place on what it is given: scales in_gradient in place, adds the penalty's gradient to dW in place."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        in_gradient *= 1.0
        dW, dX = self.layer.grad(in_gradient)
        dW += 2 * self.coefficient * self.weights
        return dW, dX

    def get_type(self):
        return "layer"


class L2ReusesGradientBuffer:
    """Returns the same preallocated dW array at every call, overwritten with np.add(..., out=)."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias
        self.d_weights = np.zeros(layer.weights.shape)

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        np.add(dW, 2 * self.coefficient * self.weights, out=self.d_weights)
        return self.d_weights, dX

    def get_type(self):
        return "layer"


class L2ReturnsAList:
    """Returns [dW, dX] as a list, and keeps the coefficient under another name."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.lam = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        grads = list(self.layer.grad(in_gradient))
        grads[0] = grads[0] + 2 * self.lam * self.weights
        return grads

    def get_type(self):
        return "layer"


CORRECT_DROPOUTS = [DropoutRandGreater, DropoutBinomial, DropoutWhere, DropoutFloatMask, DropoutStoresDropMask,
                    DropoutOwnGenerator, DropoutFloat32Mask, DropoutInPlaceGradient, DropoutNamesItsLayerLinear,
                    DropoutGeneratorSeededFromGlobal, DropoutChoice, DropoutWithExtraState,
                    DropoutReusesGradientBuffer, DropoutFloat32Output, DropoutExtendedPrecisionScale,
                    DropoutPythonLoops]
CORRECT_L2 = [L2TwoCW, L2WPlusW, L2UsesAlias, L2ViaPenaltyGradientMethod, L2NamesItsLayerInner,
              L2InPlaceOnItsArguments, L2ReusesGradientBuffer, L2ReturnsAList]
CATALOGUE = CORRECT_DROPOUTS + CORRECT_L2
# Correct but slow on purpose (whole seconds per mask study): graded in the slower tier only.
SLOW = [DropoutPythonLoops]
