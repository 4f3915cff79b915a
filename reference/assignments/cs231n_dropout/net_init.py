"""The net's initialization: weight_scale * randn(in, out) per layer, zero biases, every parameter of the
net's dtype."""
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from ...core.properties import for_all
from ...grading.parts import implementation
from .dropout_checks import DTYPE_NAMES


@dataclass(frozen=True)
class InitScenario:
    """A FullyConnectedNet built as the assignment says (weights weight_scale * randn(in, out), biases 0),
    of these sizes, weight_scale, keep ratio and dtype, after np.random.seed(seed)."""
    hidden_dims: tuple
    input_dim: int
    num_classes: int
    weight_scale: float
    keep: float
    dtype: str
    seed: int

    def describe(self):
        return (f"FullyConnectedNet({list(self.hidden_dims)}, input_dim={self.input_dim}, num_classes="
                f"{self.num_classes}, weight_scale={self.weight_scale:g}, keep ratio {self.keep:g}, dtype={self.dtype})")


def init_scenarios():
    """Layers of 400 weights or more (20-60 hidden units, 20-100 inputs, 20-30 classes), weight_scale
    log-uniform over 1e-3 to 10."""
    return st.builds(InitScenario, hidden_dims=st.lists(st.integers(20, 60), min_size=1, max_size=3).map(tuple),
                     input_dim=st.integers(20, 100), num_classes=st.integers(20, 30),
                     weight_scale=st.floats(-3.0, 1.0).map(lambda exponent: float(10.0 ** exponent)),
                     keep=st.just(1.0) | st.floats(0.25, 0.9), dtype=DTYPE_NAMES, seed=st.integers(0, 2**32 - 1))


# The notebook's scales, and one no hard-coded 0.01 or 0.05 can pass for, run first.
DESIGNED_INITS = (InitScenario((50, 40), 60, 20, 5e-2, 0.75, "float64", 1), InitScenario((30,), 40, 25, 1e-2, 1.0, "float32", 2),
                  InitScenario((45, 25, 35), 80, 20, 0.37, 0.5, "float64", 3))


# The mean of W^2 / weight_scale^2 over a layer of n >= INIT_MIN weights drawn as the assignment says is a
# chi-square / n: outside [1/2, 2] with probability at most exp(-n/2 (1/2 - 1 + ln 2)) + exp(-n/2 (2 - 1 - ln 2))
# (Chernoff), 1.7e-17 at n = 400: over the few hundred layers of a run, far below FALSE_ALARM (one bound).
INIT_MIN, INIT_RATIO = 400, (0.5, 2.0)


def _init_example(runner, scenario, tally=None):
    context = (f"\nScenario: {scenario.describe()}\nReplay (with your fc_net module imported as fc_net): from "
               f"reference.assignments.cs231n_dropout import *; replay('init', {scenario!r}, fc_net)")
    sizes = [scenario.input_dim, *scenario.hidden_dims, scenario.num_classes]
    architecture = (list(scenario.hidden_dims), scenario.input_dim, scenario.num_classes, scenario.weight_scale)
    reply = implementation(lambda: runner.call("net_init", architecture=architecture, keep=scenario.keep,
                                               construct_seed=scenario.seed, dtype=scenario.dtype), context)
    params, dtypes = (reply.get("params"), reply.get("dtypes")) if isinstance(reply, dict) else (None, None)
    expected = {f"{kind}{index}" for index in range(1, len(sizes)) for kind in "Wb"}
    if not isinstance(params, dict) or not expected <= set(params):
        raise AssertionError(f"model.params must hold W1, b1, ..., W{len(sizes) - 1}, b{len(sizes) - 1} once the net is "
                             f"built, got {sorted(params) if isinstance(params, dict) else params!r}{context}")
    cast = sorted(key for key in expected if not isinstance(dtypes, dict) or dtypes.get(key) != scenario.dtype)
    if cast:
        held = dtypes.get(cast[0]) if isinstance(dtypes, dict) else "?"
        raise AssertionError(f"params[{cast[0]!r}] is {held} where the net was built with dtype={scenario.dtype}: every "
                             f"parameter must be cast to dtype (the skeleton's self.params[k] = v.astype(dtype)){context}")
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        W, b = params[f"W{index}"], params[f"b{index}"]
        if not isinstance(W, np.ndarray) or W.shape != (n_in, n_out):
            raise AssertionError(f"W{index} must have shape (in, out) = {(n_in, n_out)}, got "
                                 f"{getattr(W, 'shape', type(W).__name__)}{context}")
        if not isinstance(b, np.ndarray) or b.size != n_out or np.any(b != 0):
            raise AssertionError(f"b{index} must be {n_out} zeros when the net is built, got "
                                 f"{getattr(b, 'shape', type(b).__name__)} holding "
                                 f"{np.count_nonzero(b) if isinstance(b, np.ndarray) else '?'} nonzero values{context}")
        if W.size >= INIT_MIN:
            ratio = float(np.mean(W * W)) / scenario.weight_scale ** 2
            low, high = INIT_RATIO
            if not low <= ratio <= high:
                raise AssertionError(
                    f"W{index} is not weight_scale * np.random.randn({n_in}, {n_out}) with weight_scale = "
                    f"{scenario.weight_scale:g}: its root mean square is {np.sqrt(np.mean(W * W)):.4g}, "
                    f"{np.sqrt(ratio):.3g} times weight_scale (drawn so, it lands within {np.sqrt(low):.2f} to "
                    f"{np.sqrt(high):.2f} times it but with probability < 1e-16){context}")


def initialization_matches(runner, settings):
    """Once built, model.params holds W_k of shape (in, out) drawn as weight_scale * randn (the mean of
    W^2 / weight_scale^2 of every layer of INIT_MIN weights or more within INIT_RATIO) and b_k zeros,
    every one of the dtype the net was built with, whatever the weight_scale, keep ratio and dtype."""
    for_all(init_scenarios(), settings, lambda scenario: _init_example(runner, scenario), examples=DESIGNED_INITS)
