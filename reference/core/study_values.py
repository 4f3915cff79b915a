"""The values a mask study's dropout acts on: a Linear's outputs drawn like a scenario's (numpy only, so
that every assignment's worker can make them too)."""
import numpy as np


def study_inputs(shape, seed):
    """The Linear a mask study's Dropout wraps, (x (N, k), W (k, D), b (1, D)), drawn like a scenario's:
    k of 1 or 2 inputs (more would cost memory: N reaches a million) in [-2, 2], weights in
    [-1.5, 1.5] / sqrt(k), biases in [-1, 1], from a Generator seeded from `seed`. Its outputs take
    either sign and every size, near 0 too, so a mask that depends on the values shows, and a layer
    cannot tell a study from a scenario by its Linear."""
    # A stream of its own (seed, plus an entropy word nobody else uses): a layer with a Generator
    # seeded by the same number must not see its draws correlated with these values.
    rng = np.random.default_rng((seed, 0x5EED_57D1))
    n_rows, n_cols = shape
    k = int(rng.integers(1, 3))
    return (rng.uniform(-2.0, 2.0, (n_rows, k)), rng.uniform(-1.5, 1.5, (k, n_cols)) / np.sqrt(k),
            rng.uniform(-1.0, 1.0, (1, n_cols)))


def study_pre_activations(shape, seed):
    """The wrapped layer's output in a mask study, (N, D)."""
    x, weights, bias = study_inputs(shape, seed)
    return x @ weights + bias
