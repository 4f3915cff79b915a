"""A third oracle: central finite differences of the loss, float64, with the dropout masks held fixed.

The loss is written here once more, directly from the formulas in plain NumPy, so these
derivatives come from loss values alone, independent of both torch's autograd and toyframe's
backward. Only meaningful away from kinks: use smooth activations and no L1.
"""
from dataclasses import replace

import numpy as np

from .scenario import dropout_name, layer_name

STEP = 1e-6


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "softmax": lambda z: np.exp(_log_softmax(z)),
}


def _data_loss(kind, output, targets):
    n = output.shape[0]
    if kind == "weighted_sum":
        return np.sum(output * targets)
    if kind == "mse":
        return np.sum((output - targets) ** 2) / n
    if targets.ndim == 1:
        targets = np.eye(output.shape[1])[targets]
    return -np.sum(targets * _log_softmax(output)) / n


def scenario_loss(scenario, keep_masks):
    """Data loss + L2 penalties of `scenario`'s first forward pass, with these keep masks."""
    h, penalty = np.asarray(scenario.x, dtype=np.float64), 0.0
    for index, spec in enumerate(scenario.layers):
        h = h @ spec.weights + spec.bias
        for wrap_index, wrap in enumerate(spec.wraps):
            if wrap.kind == "dropout":
                h = h * keep_masks[dropout_name(index, wrap_index)] / (1 - wrap.value)
            elif wrap.kind == "l2":
                penalty += wrap.value * np.sum(spec.weights ** 2)
            else:
                raise ValueError("finite differences need a smooth loss: no L1 wrappers")
        if spec.activation:
            h = NUMPY_ACTIVATIONS[spec.activation](h)
    return _data_loss(scenario.loss, h, scenario.targets) + penalty


def _central_differences(array, loss_of):
    """d loss / d array by central differences; loss_of(perturbed copy of array) -> float."""
    gradient = np.zeros(array.shape)
    for index in np.ndindex(array.shape):
        plus, minus = array.copy(), array.copy()
        plus[index] += STEP
        minus[index] -= STEP
        gradient[index] = (loss_of(plus) - loss_of(minus)) / (2 * STEP)
    return gradient


def _with_layer(scenario, index, **arrays):
    layers = list(scenario.layers)
    layers[index] = replace(layers[index], **arrays)
    return replace(scenario, layers=tuple(layers))


def numerical_gradients(scenario, keep_masks):
    """{"dL/dW of layer k", "dL/db of layer k", "dL/dx"} at the scenario's starting point (float64)."""
    scenario = replace(scenario, dtype="float64")
    gradients = {}
    for index, spec in enumerate(scenario.layers):
        gradients[f"dL/dW of {layer_name(index)}"] = _central_differences(
            spec.weights, lambda w: scenario_loss(_with_layer(scenario, index, weights=w), keep_masks))
        gradients[f"dL/db of {layer_name(index)}"] = _central_differences(
            spec.bias, lambda b: scenario_loss(_with_layer(scenario, index, bias=b), keep_masks))
    gradients["dL/dx"] = _central_differences(scenario.x, lambda x: scenario_loss(replace(scenario, x=x), keep_masks))
    return gradients
