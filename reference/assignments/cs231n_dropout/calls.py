"""What every dropout_forward call of cs231n-dropout is given (one distribution for scenarios and mask
studies alike), and the scenario and replay line that every failure names."""
import numpy as np


def _replay(check, scenario, module="layers"):
    return (f"\nScenario: {scenario.describe()}\nReplay (with your {module} module imported as {module}): "
            f"from reference.assignments.cs231n_dropout import *; replay({check!r}, {scenario!r}, {module})")


VALUE_MAGNITUDES = (0.01, 30.0)


POSITIVE_SHARE = 0.25  # of calls whose x is positive throughout, as a ReLU's output is inside a net


def dropout_values(shape, rng, offset=0.0):
    """x as every dropout_forward call of this assignment gets it, a scenario's or a mask study's alike:
    either sign (in POSITIVE_SHARE of the calls positive only, as inside a net), |x| log-uniform in
    VALUE_MAGNITUDES (values near 0, middling and large all occur, so a mask that depends on the values
    shows; never 0, so every element shows whether it was kept), plus `offset` (the notebook's x is
    randn + 10)."""
    low, high = np.log(VALUE_MAGNITUDES)
    signs = 1.0 if rng.random() < POSITIVE_SHARE else rng.choice((-1.0, 1.0), shape)
    return signs * np.exp(rng.uniform(low, high, shape)) + offset


def as_sent(values, dtype):
    """`values` as a worker holding them in `dtype` has them (float32: rounded), in float64."""
    return np.asarray(values, dtype=dtype).astype(np.float64)


def draw_key(dropout_seed, rng_seed):
    """What fixes a call's mask for any implementation that draws from NumPy's global RNG (directly or
    to seed a Generator): the seed it reseeds with, dropout_param['seed'] if given, else the global
    RNG's seed the harness sets before the call. Calls with one key draw the same numbers: only the
    first of them counts as an independent draw. (A call that continues the global RNG where the call
    before left it has that call's key, moved on: studies.sample_masks.)"""
    return int(rng_seed if dropout_seed is None else dropout_seed)
