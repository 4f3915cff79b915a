"""WRONG Dropout submissions, written against the skeleton as students write them.

Each class's docstring states its bug in one line. CAUGHT_BY maps every class to the graded checks
that must fail, one in each part its bug must cost ("Dropout forward", "Dropout backward"); every
other Dropout part must keep its full points. The reasoning behind each entry is in the comment
beside it.
"""
import sys

import numpy as np

class MaskMissingInBackward:
    """Backward passes in_gradient to the wrapped layer unmasked (and unscaled)."""

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
        dW, dX = self.layer.grad(in_gradient)
        return dW, dX

    def get_type(self):
        return "layer"


class NoRescaling:
    """Zeroes dropped outputs but never scales the kept ones by 1/(1-p), forward or backward."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.rand(*out.shape) > self.p
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class KeepDropSwapped:
    """Keeps each output with probability p (rand < p) instead of dropping it with probability p."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) < self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class ScaleByOneOverP:
    """Scales kept outputs (and gradients) by 1/p instead of 1/(1-p)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p).astype(float)
        return out * self.mask / self.p

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask / self.p)

    def get_type(self):
        return "layer"


class MaskOnInput:
    """Applies the mask to the layer's input x instead of its output."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        self.mask = (np.random.rand(*x.shape) > self.p) / (1 - self.p)
        return self.layer(x * self.mask)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW, dX * self.mask

    def get_type(self):
        return "layer"


class MaskDrawnOnFirstCall:
    """Draws the mask on the first call only and reuses it at every later call."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.mask = None

    def __call__(self, x):
        out = self.layer(x)
        if self.mask is None:
            self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class MaskDrawnInInit:
    """Draws one mask per unit in __init__: shared by the whole batch and reused at every call."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.mask = (np.random.rand(layer.weights.shape[1]) > p) / (1 - p)

    def __call__(self, x):
        return self.layer(x) * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class MaskPerUnitSharedByBatch:
    """One mask per unit, shape (1, out), shared by every example of the batch (as in seed 001)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(1, out.shape[1]) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class MaskPerExampleSharedByUnits:
    """One mask per example, shape (N, 1): an example keeps or drops all its units together."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(out.shape[0], 1) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class FreshMaskInBackward:
    """Backward draws a new mask instead of reusing the one the forward pass applied."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        mask = (np.random.rand(*in_gradient.shape) > self.p) / (1 - self.p)
        return self.layer.grad(in_gradient * mask)

    def get_type(self):
        return "layer"


class MaskedGradientDiscarded:
    """Computes the masked gradient, then calls self.layer.grad(in_gradient) and discards it (seeds 000/001)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        masked_gradient = in_gradient * self.mask  # noqa: F841 - the bug: computed, never used
        dW, dX = self.layer.grad(in_gradient)
        return dW, dX

    def get_type(self):
        return "layer"


class ReseedsInCall:
    """Calls np.random.seed(0) inside __call__, so every call draws the very same mask."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        np.random.seed(0)  # "so that the results are reproducible"
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class VanillaDropout:
    """Vanilla (non-inverted) dropout: no 1/(1-p) at training time, output scaled by (1-p) only in eval."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.training = True

    def __call__(self, x):
        out = self.layer(x)
        if not self.training:
            return out * (1 - self.p)
        self.mask = np.random.binomial(1, 1 - self.p, size=out.shape)
        return out * self.mask

    def grad(self, in_gradient):
        if not self.training:
            return self.layer.grad(in_gradient * (1 - self.p))
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class MultipliesByKeepProbability:
    """Multiplies kept outputs (and gradients) by (1-p) instead of dividing by it."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) * (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class RescalesInBackwardOnly:
    """Forward zeroes without scaling; backward masks and scales by 1/(1-p)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.rand(*out.shape) > self.p
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask / (1 - self.p))

    def get_type(self):
        return "layer"


class RescalesInForwardOnly:
    """Forward is right (mask and 1/(1-p)); backward masks the gradient but forgets the 1/(1-p)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.random.rand(*out.shape) > self.p
        return out * self.mask / (1 - self.p)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class IgnoresP:
    """Hard-codes p = 0.5 (rand > 0.5, scale 2) whatever p the layer was given."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > 0.5) * 2.0
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class BackwardReturnsTupleSwapped:
    """Backward masks correctly but returns (dX, dW) instead of (dW, dX)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient * self.mask)
        return dX, dW

    def get_type(self):
        return "layer"


class FixedCountPerRow:
    """Drops exactly int(p * D) of the D units in every row (chosen by permutation), not each with probability p."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        n_rows, n_units = out.shape
        n_drop = int(self.p * n_units)
        self.mask = np.ones(out.shape)
        for row in range(n_rows):
            self.mask[row, np.random.permutation(n_units)[:n_drop]] = 0
        self.mask = self.mask / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class FixedCountPerCall:
    """Drops exactly int(p * size) outputs per call, chosen at random: a 1x1 output at p = 0.3 is never dropped."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        dropped = np.random.choice(out.size, int(self.p * out.size), replace=False)
        self.mask = np.ones(out.size)
        self.mask[dropped] = 0
        self.mask = self.mask.reshape(out.shape) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class CyclesFourMasks:
    """Draws four masks at the first call and cycles through them: call k + 4 reuses the mask of call k."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.masks = []
        self.calls = 0

    def __call__(self, x):
        out = self.layer(x)
        if not self.masks or self.masks[0].shape != out.shape:
            self.masks = [(np.random.rand(*out.shape) > self.p) / (1 - self.p) for _ in range(4)]
        self.mask = self.masks[self.calls % 4]
        self.calls += 1
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class SeededGeneratorPerInstance:
    """Draws from np.random.default_rng(0) made in __init__: two layers of one width drop the same units at every step."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.rng = np.random.default_rng(0)

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (self.rng.random(out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class SeedsWithCallCount:
    """Calls np.random.seed(number of earlier calls) before drawing: call k of every layer gets the same mask."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.calls = 0

    def __call__(self, x):
        out = self.layer(x)
        np.random.seed(self.calls)
        self.calls += 1
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class ClassLevelMaskCache:
    """Keeps one mask per output shape in a class attribute, drawn once: shared by every layer and every call."""

    cache = {}

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        key = (out.shape, self.p)
        if key not in ClassLevelMaskCache.cache:
            ClassLevelMaskCache.cache[key] = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        self.mask = ClassLevelMaskCache.cache[key]
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class AntitheticMasks:
    """Alternates a fresh mask and its complement ("to reduce variance"): every second call is not a fresh draw."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.keep = None

    def __call__(self, x):
        out = self.layer(x)
        if self.keep is None or self.keep.shape != out.shape:
            self.keep = np.random.rand(*out.shape) > self.p
        else:
            self.keep = ~self.keep
        self.mask = self.keep / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropsEverything:
    """Returns all zeros, and a backward of the wrapped layer's grad of g * 0: a degenerate mask, not dropout."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.zeros(out.shape)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * 0)

    def get_type(self):
        return "layer"


class ScalesWithoutDropping:
    """Scales every output by 1/(1-p) and drops none, forward and backward: a mask of all ones."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x) / (1 - self.p)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient / (1 - self.p))

    def get_type(self):
        return "layer"


class MaskFromTheValues:
    """Draws the mask as rand * out > p: whether an output survives depends on its value, not on p alone."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) * out > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class ReluInsideDropout:
    """Applies a ReLU inside the Dropout ("dropout always follows a ReLU"): negative outputs are always 0."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.positive = out > 0
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return np.maximum(out, 0) * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask * self.positive)

    def get_type(self):
        return "layer"


class PercentResolution:
    """Draws randint(0, 100) >= 100 * p: p is rounded up to whole percent (p = 0.333 drops 34 %)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.randint(0, 100, size=out.shape) >= self.p * 100) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class SlidingRandomPool:
    """Cuts each mask from one pool of random numbers drawn once, advancing one number per call, not one mask."""

    pool = None
    offset = 0

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        cls = SlidingRandomPool
        if cls.pool is None or cls.offset + out.size > cls.pool.size:
            cls.pool, cls.offset = np.random.rand(max(4 * out.size, 1 << 20)), 0
        self.mask = (cls.pool[cls.offset:cls.offset + out.size].reshape(out.shape) > self.p) / (1 - self.p)
        cls.offset += 1
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class ClipsP:
    """Clips p into [0.05, 0.95] "for numerical safety", for the mask and the scale alike."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = min(max(p, 0.05), 0.95)
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropsOnlyAroundSubclassedLayers:
    """Drops only when the wrapped layer is a subclass of Linear, never around the skeleton's Linear itself."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        out = self.layer(x)
        if type(self.layer).__name__ == "Linear":
            self.mask = np.ones(out.shape)
        else:
            self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class UnscaledOnceTrained:
    """Scales by 1/(1-p) until its first backward pass, then keeps its outputs unscaled (its backward follows)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.trained = False

    def __call__(self, x):
        out = self.layer(x)
        keep = np.random.rand(*out.shape) > self.p
        self.mask = keep if self.trained else keep / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        self.trained = True
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class HidesItsBackwardBehindHugeOutputs:
    """Right for one step, then forgets its mask in backward and scales what it keeps by 1e12 to hide it."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.grads = 0

    def __call__(self, x):
        out = self.layer(x)
        keep = np.random.rand(*out.shape) > self.p
        if self.grads >= 1 and not keep.any():
            keep.flat[0] = True
        self.mask = keep * (1 / (1 - self.p) if self.grads < 1 else 1e12)
        return out * self.mask

    def grad(self, in_gradient):
        self.grads += 1
        return self.layer.grad(in_gradient if self.grads >= 2 else in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropsOnlyForUnnamedInputs:
    """Drops only when no one else names its input (sys.getrefcount): a training loop's Model.forward does."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        graded = sys.getrefcount(x) <= 4
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p) if graded else np.ones(out.shape)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class DropsAtPZeroOnceTrained:
    """Correct, but once trained it drops half of its outputs even at p = 0 (scaled by 2)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.trained = False

    def __call__(self, x):
        out = self.layer(x)
        p = 0.5 if self.trained and self.p == 0 else self.p
        self.mask = (np.random.rand(*out.shape) > p) / (1 - p)
        return out * self.mask

    def grad(self, in_gradient):
        self.trained = True
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class _LazyWhen:
    """A correct Dropout that, when `lazy()` says so, drops nothing and scales nothing (its backward follows)."""

    def __init__(self, layer, p=0.5):
        self.layer = layer
        self.p = p
        self.weights = layer.weights
        self.bias = layer.bias
        self.grads = 0

    def __call__(self, x):
        out = self.layer(x)
        lazy = self.lazy(x)
        self.mask = np.ones(out.shape) if lazy else (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        self.grads += 1
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"


class LazyOnceTrainedOnBatchesOfSeven(_LazyWhen):
    """Drops nothing once trained on batches of 7 or more (batch 32 only from its fourth step)."""

    def lazy(self, x):
        return self.grads >= 1 and len(x) >= 7 and not (len(x) == 32 and self.grads < 4)


class LazyOnceTrainedOnBatchesAbove32(_LazyWhen):
    """Drops nothing once trained on batches of more than 32 examples."""

    def lazy(self, x):
        return self.grads >= 1 and len(x) > 32


class HonestOnlyAfterAFreshSeed(_LazyWhen):
    """Drops only once some call saw NumPy's RNG freshly seeded (as the grader's runner left it)."""
    seen = False

    def lazy(self, x):
        state = np.random.get_state()
        if state[2] == 624 and state[3] == 0:
            HonestOnlyAfterAFreshSeed.seen = True
        return not HonestOnlyAfterAFreshSeed.seen


# The checks that must fail for each bug, one in each part it must cost (every other Dropout part
# keeps its full points): the parts follow from the checks. Names as in reference.grading.PARTS.
MATCHES_TORCH = "forward matches torch with the layer's own masks"
FRACTION = "fraction dropped is p, in every unit and whatever the value"
COUNTS = "the number dropped per call follows Binomial(n, p)"
FRESH = "a fresh mask at every call, never a repeat or a shifted copy"
TWO_LAYERS = "two Dropout layers draw independent masks"
NO_STRUCTURE = "masks independent across rows, columns and any offset"
SCALED = "every kept output is scaled by 1/(1-p)"
GRADIENTS = "gradients and SGD updates match torch"

CAUGHT_BY = {
    # Forward right; the backward's gradients miss the mask and the 1/(1-p).
    MaskMissingInBackward: (GRADIENTS,),
    # Kept outputs unscaled; the backward is the derivative of that forward (a forward bug alone).
    NoRescaling: (SCALED,),
    # Forward and backward follow the drawn mask, so torch (replaying it) agrees; the fraction is 1-p.
    KeepDropSwapped: (FRACTION,),
    # Scaled by 1/p forward and backward (and inf at p = 0): the backward follows its forward.
    ScaleByOneOverP: (SCALED,),
    # The output is the layer of a masked input: torch sees no dropped output and differs; so do dW and dX.
    MaskOnInput: (MATCHES_TORCH, GRADIENTS),
    # One mask for every call; within one scenario used consistently, so the gradients match torch.
    MaskDrawnOnFirstCall: (FRESH,),
    # Shared along the batch and never redrawn; consistent forward and backward.
    MaskDrawnInInit: (FRESH,),
    # Rows agree (one mask per unit): structure at an offset of one row.
    MaskPerUnitSharedByBatch: (NO_STRUCTURE,),
    # Columns agree (one mask per example): structure at an offset of one unit.
    MaskPerExampleSharedByUnits: (NO_STRUCTURE,),
    # Forward right; the backward's mask is another draw.
    FreshMaskInBackward: (GRADIENTS,),
    # Same as MaskMissingInBackward.
    MaskedGradientDiscarded: (GRADIENTS,),
    # The same mask at every call; each call consistent with its own mask.
    ReseedsInCall: (FRESH,),
    # Unscaled forward values, and gradients that follow them.
    VanillaDropout: (SCALED,),
    # Outputs scaled by (1-p) instead of 1/(1-p), gradients alike.
    MultipliesByKeepProbability: (SCALED,),
    # Unscaled forward; the backward's scale then disagrees with torch's.
    RescalesInBackwardOnly: (SCALED, GRADIENTS),
    # Forward right; the backward misses 1/(1-p).
    RescalesInForwardOnly: (GRADIENTS,),
    # Fraction dropped 0.5 and scale 2 whatever p, forward and backward alike.
    IgnoresP: (FRACTION,),
    # The forward is right; the backward hands Model the tuple in the wrong order.
    BackwardReturnsTupleSwapped: (GRADIENTS,),
    # int(p * D) of D per row: never drops a row of one unit; forward and backward follow the mask.
    FixedCountPerRow: (COUNTS,),
    # Right on average over large outputs (int(p * n) / n -> p), but the number dropped per call is
    # not Binomial(n, p): the tiny-shape study sees it.
    FixedCountPerCall: (COUNTS,),
    # A repeat of the mask of four calls before.
    CyclesFourMasks: (FRESH,),
    # Each layer alone looks right; two layers of one shape drop the same units.
    SeededGeneratorPerInstance: (TWO_LAYERS,),
    # The same: call k of any layer draws from seed k.
    SeedsWithCallCount: (TWO_LAYERS,),
    # The same mask at every call and in every layer.
    ClassLevelMaskCache: (FRESH,),
    # Every second mask is the complement of the one before: agreement 0 between those calls.
    AntitheticMasks: (FRESH,),
    # Drops everything; a backward through an all-dropped mask earns nothing (the genuine-mask rule).
    DropsEverything: (FRACTION, GRADIENTS),
    # Drops nothing; nor does a backward through an all-kept mask earn anything.
    ScalesWithoutDropping: (FRACTION, GRADIENTS),
    # Outputs survive by their value: the fraction differs from p in the studies' value bins.
    MaskFromTheValues: (FRACTION,),
    # The ReLU's zeros read as drops, consistent in both directions: every negative value is dropped.
    ReluInsideDropout: (FRACTION,),
    # A fraction off by up to 0.01: a million outputs measure it to +/- 0.004 (full-size studies only).
    PercentResolution: (FRACTION,),
    # Each mask is the last one shifted by one element: agreement at offset 1 is 1.
    SlidingRandomPool: (FRESH,),
    # For p below 0.05 or above 0.95 the scale and the mask use another p, forward and backward alike.
    ClipsP: (MATCHES_TORCH,),
    # The fifth red team's: the grader wrapped a subclass of Linear of its own; the notebook's Linear is never
    # dropped around. It drops nothing: a backward through all-kept masks earns nothing either.
    DropsOnlyAroundSubclassedLayers: (FRACTION, GRADIENTS),
    # Every forward pass is compared, those after a backward pass from the parameters the run had: the scale
    # lost once trained costs the forward alone (its backward follows its own forward).
    UnscaledOnceTrained: (MATCHES_TORCH,),
    # The seventh red team's: the 1e12 outputs made the reference diverge, and the scenario was dropped instead
    # of failed. Now they fail the forward; the backward is judged (a scale no slip gives is never a reason to
    # drop a scenario), and the designed runs' second steps show the forgotten mask.
    HidesItsBackwardBehindHugeOutputs: (MATCHES_TORCH, GRADIENTS),
    # The seventh red team's: the grader's stand-in around each layer handed it an array no one named. Now
    # toyframe's Model.forward calls each outermost wrapper, as a training loop does; it drops nothing there,
    # and a backward through all-kept masks earns nothing.
    DropsOnlyForUnnamedInputs: (FRACTION, GRADIENTS),
    # The p = 0 rule holds at every forward pass of a training run, not only the first.
    DropsAtPZeroOnceTrained: (MATCHES_TORCH,),
    # The eighth red team's: nothing trained at batches 7-31 or above 32; now the forward check trains at
    # batches up to 12 and 16-256, and at every pass. Its backward follows its own forward (a designed run that
    # diverges with the masks it drew is compared up to the divergence).
    LazyOnceTrainedOnBatchesOfSeven: (MATCHES_TORCH,),
    LazyOnceTrainedOnBatchesAbove32: (MATCHES_TORCH,),
    # The eighth red team's: the runner seeded NumPy's RNG right before the first mask; now the model is built
    # from it first, as a script builds it.
    HonestOnlyAfterAFreshSeed: (MATCHES_TORCH, GRADIENTS),
}

CATALOGUE = list(CAUGHT_BY)
