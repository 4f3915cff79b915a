"""WRONG L2regularization submissions, written against the skeleton as students write them.

Each class's docstring states its bug in one line. Every one must score 0 on "L2 regularization":
CAUGHT_BY names the check that must fail (as in wrong_dropouts.py).
"""
import numpy as np

GRADIENT = "gradient and SGD updates match torch over several steps"


class MissingFactorTwo:
    """Adds coefficient * W to dW (the derivative of coefficient*sum(W**2) without its 2)."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class AddsScalarPenalty:
    """Adds the scalar penalty coefficient * sum(W**2) to every element of dW."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + self.coefficient * np.sum(self.weights ** 2), dX

    def get_type(self):
        return "layer"


class AddsTwoCoefficient:
    """Adds the constant 2 * coefficient to dW, forgetting the W."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient, dX

    def get_type(self):
        return "layer"


class WrongSign:
    """Subtracts 2 * coefficient * W from dW (pushes the weights away from 0)."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW - 2 * self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class DividedByBatchSize:
    """Divides the penalty gradient by the batch size: dW + 2 * coefficient * W / N."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        n = in_gradient.shape[0]
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient * self.weights / n, dX

    def get_type(self):
        return "layer"


class InitialWeightsCopy:
    """Computes the penalty gradient from a copy of the initial weights taken in __init__."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias
        self.initial_weights = layer.weights.copy()

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient * self.initial_weights, dX

    def get_type(self):
        return "layer"


class AliasesACopy:
    """Aliases a copy (self.weights = layer.weights.copy()): penalty and its gradient go stale after one update."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights.copy()
        self.bias = layer.bias.copy()

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class L1SignGradient:
    """Adds the L1 subgradient coefficient * sign(W) instead of 2 * coefficient * W."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + self.coefficient * np.sign(self.weights), dX

    def get_type(self):
        return "layer"


class DropsDataGradient:
    """Returns only the penalty gradient 2 * coefficient * W as dW, dropping the data gradient."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        _, dX = self.layer.grad(in_gradient)
        return 2 * self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class PenaltyComputedThenDiscarded:
    """Computes dW + 2 * coefficient * W into a variable, then returns the unregularized dW."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        regularized = dW + 2 * self.coefficient * self.weights  # noqa: F841 - the bug: never returned
        return dW, dX

    def get_type(self):
        return "layer"


class PenaltyOnInputGradient:
    """Adds the penalty gradient to dX (summed over the outputs to fit its shape) instead of dW."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW, dX + 2 * self.coefficient * np.sum(self.weights, axis=1)

    def get_type(self):
        return "layer"


class HardCodedCoefficient:
    """Uses 0.01 (the notebook's value) instead of the coefficient it was given."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * 0.01 * self.weights, dX

    def get_type(self):
        return "layer"


class WeightsSnapshotAtForward:
    """Keeps self.weights as a copy refreshed at each forward call: right within a step, stale after an update."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights.copy()
        self.bias = layer.bias.copy()

    def __call__(self, x):
        self.weights = self.layer.weights.copy()
        self.bias = self.layer.bias.copy()
        return self.layer(x)

    def grad(self, in_gradient):
        dW, dX = self.layer.grad(in_gradient)
        return dW + 2 * self.coefficient * self.weights, dX

    def get_type(self):
        return "layer"


class PenaltyStopsAfterFiveSteps:
    """Adds 2 * coefficient * W for the first five calls of grad, then nothing ("the warm-up is over")."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias
        self.calls = 0

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        self.calls += 1
        dW, dX = self.layer.grad(in_gradient)
        return (dW + 2 * self.coefficient * self.weights if self.calls <= 5 else dW), dX

    def get_type(self):
        return "layer"


class PenaltyForSixteenCallsOnly:
    """Adds 2 * coefficient * W to dW for the first 16 grad calls only (past the grader's 12-step runs)."""

    def __init__(self, layer, coefficient=0.01):
        self.layer = layer
        self.coefficient = coefficient
        self.weights = layer.weights
        self.bias = layer.bias
        self.calls = 0

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        self.calls += 1
        dW, dX = self.layer.grad(in_gradient)
        return (dW + 2 * self.coefficient * self.weights if self.calls <= 16 else dW), dX

    def get_type(self):
        return "layer"


CAUGHT_BY = {cls: (GRADIENT,) for cls in (
    MissingFactorTwo, AddsScalarPenalty, AddsTwoCoefficient, WrongSign, DividedByBatchSize, InitialWeightsCopy,
    AliasesACopy, L1SignGradient, DropsDataGradient, PenaltyComputedThenDiscarded, PenaltyOnInputGradient,
    HardCodedCoefficient, WeightsSnapshotAtForward, PenaltyStopsAfterFiveSteps, PenaltyForSixteenCallsOnly)}

CATALOGUE = list(CAUGHT_BY)
