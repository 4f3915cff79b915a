"""Hypothesis strategies that draw Scenarios: bounded values, every parameter that could hide a bug varied.

Values stay O(1) so that float32 rounding stays small against the reference and every bug
shows well above the tolerance: inputs in [-2, 2], weights in [-1.5, 1.5] / sqrt(fan_in),
biases in [-1, 1] at least BIAS_MARGIN from 0 (so that a Dropout's input is never 0, where its
output would show no mask), drop probabilities 0 or across [0.01, 0.99] (never only 0.5: a layer
that clips or rounds p shows), penalty coefficients in [0.01, 2] (the notebook's 0.01 among them),
learning rates in [0.01, 0.5], batches of 1 to 6, 1 to 3 SGD steps.

Convolutional scenarios (conv_scenarios) draw images of 1-3 channels and sides up to 9, one or
two Conv2d layers of any kernel, stride and padding torch accepts that fit (kernels 1-4, strides
1-3, padding 0-2), each maybe wrapped in Dropout, Dropout2d, L2 or L1 and maybe max-pooled, then
Flatten and one or two Linear layers; SGD with momentum 0, 0.9 or any in [0, 0.99), 2-4 steps.
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .scenario import ACTIVATIONS, DROPOUT_KINDS, ConvSpec, FlattenSpec, LayerSpec, PoolSpec, Scenario, Wrap

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
    return tuple(Wrap(kind, draw(drop_probabilities if kind in DROPOUT_KINDS else COEFFICIENTS)) for kind in chosen)


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


# Elementwise activations: softmax over an image's last axis is no layer anyone builds.
CONV_ACTIVATIONS = st.sampled_from(("relu", "leaky_relu", "sigmoid", "tanh"))
MOMENTA = st.sampled_from((0.0, 0.9)) | st.floats(0.0, 0.99)


@st.composite
def conv_layers(draw, shape, wraps=wrap_chains(kinds=("dropout", "dropout2d", "l2", "l1")),
                activations=CONV_ACTIVATIONS):
    """A ConvSpec taking images of `shape` (N, C, H, W): kernel, stride and padding any that fit, 1-3 output
    channels, weights in [-1.5, 1.5] / sqrt(fan_in), biases (or none) away from 0."""
    _, channels, height, width = shape
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    kernel = (draw(st.integers(1, min(4, height + 2 * padding[0]))),
              draw(st.integers(1, min(4, width + 2 * padding[1]))))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    out_channels = draw(st.integers(1, 3))
    chain = draw(wraps)
    weights = draw(bounded_arrays((out_channels, channels, *kernel), 1.0)) * 1.5 / math.sqrt(channels * kernel[0] * kernel[1])
    if any(wrap.kind == "l1" for wrap in chain):
        weights = away_from_zero(weights)
    with_bias = draw(st.booleans()) or any(wrap.kind in ("dropout", "dropout2d") for wrap in chain)
    # A Dropout's input must not be 0 where it keeps: the bias keeps its layer's values off 0.
    bias = away_from_zero(draw(bounded_arrays((out_channels,), 1.0 - BIAS_MARGIN)), BIAS_MARGIN) if with_bias else None
    return ConvSpec(weights, bias, stride, padding, chain, draw(st.none() | activations))


@st.composite
def pools_for(draw, shape):
    """A PoolSpec for images of `shape` (kernel up to 3 that fits, stride 1-3), or None when drawn so."""
    if not draw(st.booleans()):
        return None
    kernel = (draw(st.integers(1, min(3, shape[2]))), draw(st.integers(1, min(3, shape[3]))))
    return PoolSpec(kernel, (draw(st.integers(1, 3)), draw(st.integers(1, 3))))


@st.composite
def conv_stacks(draw, shape, n_conv=st.integers(1, 2), n_linear=st.integers(1, 2)):
    """(Conv2d [-> MaxPool2d]) x 1-2 -> Flatten -> Linear x 1-2, for inputs of `shape` (N, C, H, W)."""
    layers = []
    for _ in range(draw(n_conv)):
        conv = draw(conv_layers(shape))
        layers.append(conv)
        shape = conv.output_shape(shape)
        pool = draw(pools_for(shape))
        if pool is not None:
            layers.append(pool)
            shape = pool.output_shape(shape)
    layers.append(FlattenSpec())
    features = int(np.prod(shape[1:]))
    return (*layers, *draw(layer_stacks(features, n_layers=n_linear, widths=st.integers(1, 4),
                                        wraps=wrap_chains(kinds=("dropout", "l2")))))


@st.composite
def conv_scenarios(draw, *, batch=st.integers(1, 4), channels=st.integers(1, 3), sides=st.integers(1, 9),
                   losses=st.sampled_from(("cross_entropy", "mse", "weighted_sum")), steps=st.integers(2, 4),
                   momenta=MOMENTA, dtype="any"):
    """A convolutional model (conv_stacks) on a batch of images, a loss, and SGD-momentum steps."""
    shape = (draw(batch), draw(channels), draw(sides), draw(sides))
    stack = draw(conv_stacks(shape))
    loss = draw(losses)
    n_out = stack[-1].shape[1]
    return Scenario(
        layers=stack, x=draw(bounded_arrays(shape, 2.0)), loss=loss, targets=draw(targets_for(loss, shape[0], n_out)),
        lr=draw(LEARNING_RATES), steps=draw(steps), momentum=draw(momenta),
        dtype=draw(st.sampled_from(("float64", "float32"))) if dtype == "any" else dtype, seed=draw(SEEDS))


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


def designed_dropout_model(seed, index, steps=1, passes=1, batch=32):
    """One of two designed models of two Dropout layers each (index 0: 16 units, p 0.5, twice, relu,
    cross-entropy; index 1: 16 and 12 units, p 0.3 and 0.6, mse), a batch of 32 (or `batch`), drawn as a
    scenario's values are from `seed`. Its replay line is this call (Scenario.origin), not its arrays."""
    rng = np.random.default_rng((seed, 0xDE5) if batch == 32 else (seed, 0xDE5, batch))

    def layer(n_in, n_out, p, activation):
        weights = rng.uniform(-1.5, 1.5, (n_in, n_out)) / np.sqrt(n_in)
        bias = away_from_zero(rng.uniform(-1.0 + BIAS_MARGIN, 1.0 - BIAS_MARGIN, (1, n_out)), BIAS_MARGIN)
        return LayerSpec(weights, bias, (Wrap("dropout", p),), activation)
    models = []
    for first, width, second, activation, loss in ((0.5, 16, 0.5, "relu", "cross_entropy"),
                                                   (0.3, 12, 0.6, None, "mse")):
        models.append(Scenario(
            layers=(layer(5, 16, first, "tanh"), layer(16, width, second, activation)), x=rng.uniform(-2, 2, (batch, 5)),
            loss=loss, targets=(rng.integers(0, width, batch) if loss == "cross_entropy"
                                else rng.uniform(-2, 2, (batch, width))),
            lr=0.1, steps=steps, seed=int(rng.integers(2**32)), passes=passes,
            origin=("designed_dropout_model", {"seed": seed, "index": index, **({"batch": batch} if batch != 32 else {})})))
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


def designed_lenet(seed, steps=3, passes=1):
    """Seed 000's LeNet: Conv2d(3, 6, 5) - ReLU - MaxPool2d(2, 2) - Conv2d(6, 16, 5) - ReLU - MaxPool2d(2, 2) -
    Flatten - Linear(400, 120) - Dropout(0.5) - ReLU - Linear(120, 84) - Dropout(0.5) - ReLU - Linear(84, 10),
    cross-entropy, SGD(lr=0.001, momentum=0.9), on a batch of 4 images 3x32x32 drawn from `seed` (weights as
    torch initialises them: uniform in +-1/sqrt(fan_in)). Its replay line is this call (Scenario.origin)."""
    rng = np.random.default_rng((seed, 0x1E5))

    def uniform(shape, fan_in):
        return rng.uniform(-1.0, 1.0, shape) / np.sqrt(fan_in)

    def conv(n_in, n_out):
        return ConvSpec(uniform((n_out, n_in, 5, 5), n_in * 25), uniform((n_out,), n_in * 25), activation="relu")

    def linear(n_in, n_out, dropout):
        return LayerSpec(uniform((n_in, n_out), n_in), uniform((1, n_out), n_in),
                         (Wrap("dropout", 0.5),) if dropout else (), "relu" if dropout else None)
    pool = PoolSpec((2, 2), (2, 2))
    layers = (conv(3, 6), pool, conv(6, 16), pool, FlattenSpec(), linear(400, 120, True), linear(120, 84, True),
              linear(84, 10, False))
    return Scenario(layers=layers, x=rng.uniform(-1, 1, (4, 3, 32, 32)), loss="cross_entropy",
                    targets=rng.integers(0, 10, 4), lr=0.001, momentum=0.9, steps=steps, seed=int(rng.integers(2**32)),
                    passes=passes, origin=("designed_lenet", {"seed": seed}))
