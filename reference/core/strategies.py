"""Hypothesis strategies that draw Scenarios: bounded values, every parameter that could hide a bug varied.

Values stay O(1) so that float32 rounding stays small against the reference and every bug
shows well above the tolerance: inputs in [-2, 2], weights in [-1.5, 1.5] / sqrt(fan_in),
biases in [-1, 1] at least BIAS_MARGIN from 0 (so that a Dropout's input is never 0, where its
output would show no mask), drop probabilities 0 or across [0.01, 0.99] (never only 0.5: a layer
that clips or rounds p shows), penalty coefficients in [0.01, 2] (the notebook's 0.01 among them),
learning rates in [0.01, 0.5], batches of 1 to 6, 1 to 3 SGD steps.
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .scenario import ACTIVATIONS, LayerSpec, Scenario, Wrap

DROP_PROBABILITIES = st.floats(0.01, 0.99)
DROP_PROBABILITIES_OR_ZERO = st.just(0.0) | DROP_PROBABILITIES
# Log-uniform, so that small coefficients (the notebook's 0.01) are drawn as often as large ones.
COEFFICIENTS = st.floats(-2.0, math.log10(2.0)).map(lambda exponent: 10.0 ** exponent)
LEARNING_RATES = st.floats(0.01, 0.5)
SEEDS = st.integers(0, 2**32 - 1)
BIAS_MARGIN = 0.01


GRID = 1000  # steps of an element's range on each side of 0


def bounded_arrays(shape, bound):
    """float64 arrays of `shape` with every element in [-bound, bound], on a grid of bound / GRID.

    Every element is drawn on its own (no fill value), so arrays are rarely constant or zero. A grid,
    not any float: a failing example a student reads shows 0.347, never 2.2791482185870827e-123.
    """
    steps = st.integers(-GRID, GRID).map(lambda step: bound * step / GRID)
    return hnp.arrays(np.float64, shape, elements=steps, fill=st.nothing())


def away_from_zero(weights, margin=0.05):
    """Moves every value at least `margin` from 0 (where L1's subgradient jumps; where a Dropout's input
    shows no mask)."""
    return np.where(weights < 0, weights - margin, weights + margin)


@st.composite
def wrap_chains(draw, kinds=("dropout", "l2", "l1"), max_wraps=2, drop_probabilities=DROP_PROBABILITIES_OR_ZERO):
    """Wrappers around one layer, innermost first; at most one of each kind (e.g. Dropout(L2(Linear)))."""
    chosen = draw(st.lists(st.sampled_from(kinds), unique=True, max_size=min(max_wraps, len(kinds))))
    return tuple(Wrap(kind, draw(drop_probabilities if kind == "dropout" else COEFFICIENTS)) for kind in chosen)


@st.composite
def layer_stacks(draw, n_in, n_layers=st.integers(1, 4), widths=st.integers(1, 6), wraps=wrap_chains(),
                 activations=st.sampled_from(ACTIVATIONS), last_activation=True, require=None):
    """1-4 Linear layers of widths 1-6, each with drawn wrappers and an activation (or none).

    require: a wrapper kind at least one layer must have (added to a drawn layer if none has it).
    """
    count, layers = draw(n_layers), []
    for index in range(count):
        n_out = draw(widths)
        scale = 1.5 / math.sqrt(n_in)
        last = index == count - 1
        activation = draw(st.none() | activations) if (last_activation or not last) else None
        chain = draw(wraps)
        weights = draw(bounded_arrays((n_in, n_out), 1.0)) * scale
        if any(wrap.kind == "l1" for wrap in chain):
            weights = away_from_zero(weights)
        bias = away_from_zero(draw(bounded_arrays((1, n_out), 1.0 - BIAS_MARGIN)), BIAS_MARGIN)
        layers.append(LayerSpec(weights, bias, chain, activation))
        n_in = n_out
    if require and not any(wrap.kind == require for layer in layers for wrap in layer.wraps):
        index = draw(st.integers(0, count - 1))
        value = draw(DROP_PROBABILITIES if require == "dropout" else COEFFICIENTS)
        chosen = layers[index]
        weights = away_from_zero(chosen.weights) if require == "l1" else chosen.weights
        layers[index] = LayerSpec(weights, chosen.bias, chosen.wraps + (Wrap(require, value),), chosen.activation)
    return tuple(layers)


@st.composite
def targets_for(draw, loss, batch, n_out):
    if loss == "cross_entropy":
        classes = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, n_out - 1)))
        return classes if draw(st.booleans()) else np.eye(n_out)[classes]
    return draw(bounded_arrays((batch, n_out), 2.0))


@st.composite
def scenarios(draw, *, layers=layer_stacks, batch=st.integers(1, 6), n_in=st.integers(1, 6),
              losses=st.sampled_from(("cross_entropy", "mse", "weighted_sum")), steps=st.integers(1, 3),
              passes=st.just(1), dtype="float64"):
    """A whole model, its input batch, a loss and targets, a learning rate, SGD steps and then forward passes.

    layers: a function from the input width to a strategy of layer stacks (default layer_stacks).
    dtype: "float64", "float32" or "any".
    """
    n_batch, width = draw(batch), draw(n_in)
    stack = draw(layers(width))
    loss = draw(losses)
    n_out = stack[-1].shape[1]
    return Scenario(
        layers=stack, x=draw(bounded_arrays((n_batch, width), 2.0)), loss=loss,
        targets=draw(targets_for(loss, n_batch, n_out)), lr=draw(LEARNING_RATES), steps=draw(steps),
        dtype=draw(st.sampled_from(("float64", "float32"))) if dtype == "any" else dtype, seed=draw(SEEDS),
        passes=draw(passes))


def designed_dropout_model(seed, index, steps=1, passes=1):
    """One of two designed models of two Dropout layers each (index 0: 16 units, p 0.5, twice, relu,
    cross-entropy; index 1: 16 and 12 units, p 0.3 and 0.6, mse), batch 32, drawn as a scenario's
    values are from `seed`. Its replay line is this call (Scenario.origin), not its arrays."""
    rng = np.random.default_rng((seed, 0xDE5))

    def layer(n_in, n_out, p, activation):
        weights = rng.uniform(-1.5, 1.5, (n_in, n_out)) / np.sqrt(n_in)
        bias = away_from_zero(rng.uniform(-1.0 + BIAS_MARGIN, 1.0 - BIAS_MARGIN, (1, n_out)), BIAS_MARGIN)
        return LayerSpec(weights, bias, (Wrap("dropout", p),), activation)
    models = []
    for first, width, second, activation, loss in ((0.5, 16, 0.5, "relu", "cross_entropy"),
                                                   (0.3, 12, 0.6, None, "mse")):
        models.append(Scenario(
            layers=(layer(5, 16, first, "tanh"), layer(16, width, second, activation)), x=rng.uniform(-2, 2, (32, 5)),
            loss=loss, targets=rng.integers(0, width, 32) if loss == "cross_entropy" else rng.uniform(-2, 2, (32, width)),
            lr=0.1, steps=steps, seed=int(rng.integers(2**32)), passes=passes,
            origin=("designed_dropout_model", {"seed": seed, "index": index})))
    return models[index]


def designed_l2_model(seed, steps=12, passes=1):
    """A designed training run of a model with two L2-wrapped layers (coefficients 0.05 and 0.5), batch 8,
    `steps` SGD steps: run first by the L2 checks under every profile, so that a penalty that stops after a
    few steps shows however few examples are drawn. Its replay line is this call (Scenario.origin)."""
    rng = np.random.default_rng((seed, 0x12))

    def layer(n_in, n_out, coefficient, activation):
        weights = rng.uniform(-1.5, 1.5, (n_in, n_out)) / np.sqrt(n_in)
        bias = away_from_zero(rng.uniform(-1.0 + BIAS_MARGIN, 1.0 - BIAS_MARGIN, (1, n_out)), BIAS_MARGIN)
        return LayerSpec(weights, bias, (Wrap("l2", coefficient),), activation)
    return Scenario(layers=(layer(4, 6, 0.05, "tanh"), layer(6, 3, 0.5, None)), x=rng.uniform(-2, 2, (8, 4)),
                    loss="mse", targets=rng.uniform(-2, 2, (8, 3)), lr=0.1, steps=steps,
                    seed=int(rng.integers(2**32)), passes=passes, origin=("designed_l2_model", {"seed": seed}))
