"""'Regularized cost': the mean cross-entropy + lambd / (2 m) (sum W1^2 + sum W2^2), over A2 near 0 and 1."""
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from ...core import tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.parts import implementation
from .scenarios import _replay, regularized_cost


@dataclass(frozen=True)
class CostScenario:
    """A2 in (1e-4, 1 - 1e-4), Y, parameters and lambd for compute_cost_with_regularization (from `seed`)."""
    n_x: int
    n_h: int
    m: int
    lambd: float
    seed: int

    def describe(self):
        return f"A2 (1, {self.m}), W1 ({self.n_h}, {self.n_x}), W2 (1, {self.n_h}), lambd={self.lambd:g}"


# A2 near 0 and 1 as a trained net's sigmoid gives it (EDGE_SHARE of the outputs, 1e-4 to 10^-1.5 from
# either end): a clip or an epsilon that changes the cost there shows, while the safe idioms (an epsilon
# of 1e-7 or less, a clip at that size) stay within the assignment's tolerance.
EDGE_SHARE, EDGE_EXPONENTS = 0.3, (-4.0, -1.5)


def cost_arrays(scenario):
    rng = np.random.default_rng((scenario.seed, 0xC057))
    A2 = rng.uniform(0.02, 0.98, (1, scenario.m))
    Y = rng.integers(0, 2, (1, scenario.m)).astype(np.float64)
    parameters = {"W1": rng.normal(0.0, 1.0, (scenario.n_h, scenario.n_x)),
                  "b1": rng.normal(0.0, 1.0, (scenario.n_h, 1)),
                  "W2": rng.normal(0.0, 1.0, (1, scenario.n_h)), "b2": rng.normal(0.0, 1.0, (1, 1))}
    edge = rng.random(A2.shape) < EDGE_SHARE
    near = 10.0 ** rng.uniform(*EDGE_EXPONENTS, A2.shape)
    A2 = np.where(edge, np.where(rng.random(A2.shape) < 0.5, near, 1.0 - near), A2)
    return A2, Y, parameters


def _cost_example(runner, scenario, tally=None):
    import torch
    A2, Y, parameters = cost_arrays(scenario)
    context = _replay("cost", scenario)
    cost = implementation(lambda: runner.call("cost", A2=A2, Y=Y, parameters=parameters, lambd=scenario.lambd),
                          context)
    expected = float(regularized_cost(torch.from_numpy(A2), torch.from_numpy(Y), torch.from_numpy(parameters["W1"]),
                                      torch.from_numpy(parameters["W2"]), scenario.lambd))
    if isinstance(cost, np.ndarray) and cost.size == 1:
        cost = cost.reshape(())
    assert_close(cost, expected, quantity="the regularized cost (a single number)", tolerance=tolerances.ASSIGNMENT,
                 context=context)


def cost_matches_torch(runner, settings):
    """The mean binary cross-entropy + lambd / (2 m) (sum W1^2 + sum W2^2), as torch computes it."""
    strategy = st.builds(CostScenario, n_x=st.integers(1, 4), n_h=st.integers(1, 10), m=st.integers(1, 32),
                         lambd=st.just(0.0) | st.floats(0.0, 3.0), seed=st.integers(0, 2**32 - 1))
    for_all(strategy, settings, lambda scenario: _cost_example(runner, scenario),
            examples=[CostScenario(2, 5, 16, lambd, seed) for lambd, seed in ((0.7, 1), (0.0, 2), (2.5, 3))])
