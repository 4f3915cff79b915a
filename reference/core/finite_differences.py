"""A third oracle: central finite differences of the loss, float64, with the dropout masks held fixed.

The loss is written here once more, directly from the formulas in plain NumPy, so these
derivatives come from loss values alone, independent of both torch's autograd and toyframe's
backward. Only meaningful away from kinks: use smooth activations and no L1 (max pooling is smooth
away from ties within a window: the torch mirror's kink distance says how far a scenario is).
"""
from dataclasses import replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .scenario import DROPOUT_KINDS, ConvSpec, FlattenSpec, LayerSpec, PoolSpec, dropout_name, layer_name

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


def _windows(x, kernel, stride):
    """x (N, C, H, W) -> (N, C, Ho, Wo, kh, kw): every window at `stride`."""
    return sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]


def _convolve(x, spec):
    """out[n, o, i, j] = b[o] + sum_{c,p,q} W[o, c, p, q] x_padded[n, c, i*sh + p, j*sw + q]."""
    (ph, pw) = spec.padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.einsum("ncijpq,ocpq->noij", _windows(padded, spec.weights.shape[2:], spec.stride), spec.weights)
    return out if spec.bias is None else out + spec.bias[None, :, None, None]


def _layer(h, spec):
    if isinstance(spec, LayerSpec):
        return h @ spec.weights + spec.bias
    if isinstance(spec, ConvSpec):
        return _convolve(h, spec)
    if isinstance(spec, PoolSpec):
        return _windows(h, spec.kernel_size, spec.stride).max(axis=(4, 5))
    if isinstance(spec, FlattenSpec):
        return h.reshape(h.shape[0], -1)
    raise TypeError(f"unknown scenario layer {type(spec).__name__}")


def scenario_loss(scenario, keep_masks):
    """Data loss + L2 penalties of `scenario`'s first forward pass, with these keep masks."""
    h, penalty = np.asarray(scenario.x, dtype=np.float64), 0.0
    for index, spec in enumerate(scenario.layers):
        h = _layer(h, spec)
        for wrap_index, wrap in enumerate(spec.wraps):
            if wrap.kind in DROPOUT_KINDS:
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
        if not spec.parametric:
            continue
        gradients[f"dL/dW of {layer_name(index)}"] = _central_differences(
            spec.weights, lambda w: scenario_loss(_with_layer(scenario, index, weights=w), keep_masks))
        if spec.bias is None:
            continue
        gradients[f"dL/db of {layer_name(index)}"] = _central_differences(
            spec.bias, lambda b: scenario_loss(_with_layer(scenario, index, bias=b), keep_masks))
    gradients["dL/dx"] = _central_differences(scenario.x, lambda x: scenario_loss(replace(scenario, x=x), keep_masks))
    return gradients
