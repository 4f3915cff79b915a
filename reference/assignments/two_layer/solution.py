"""two-layer's model solution: the contract's functions in NumPy (trusted side only)."""
import numpy as np

from .worker import Loaded


class ModelSolution:
    """The four functions of the contract on toyframe's quadrant experiment (trusted side only): the
    experiment's forward takes a random source and its backward the parameters, so the masks come
    from NumPy's global RNG and the cache carries the parameters."""

    @staticmethod
    def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
        from toyframe.experiments import xor_quadrants
        A2, cache = xor_quadrants.forward(X, parameters, keep_prob, np.random)
        return A2, (cache, parameters)

    @staticmethod
    def compute_cost_with_regularization(A2, Y, parameters, lambd):
        from toyframe.experiments import xor_quadrants
        return xor_quadrants.cost(A2, Y, parameters, lambd)

    @staticmethod
    def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
        from toyframe.experiments import xor_quadrants
        forward_cache, parameters = cache
        return xor_quadrants.backward(forward_cache, X, Y, parameters, lambd, keep_prob)

    @staticmethod
    def update_parameters(parameters, grads, learning_rate):
        from toyframe.experiments import xor_quadrants
        return xor_quadrants.update(parameters, grads, learning_rate)


def model_solution():
    return Loaded(ModelSolution(), lower_case=False)
