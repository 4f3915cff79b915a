"""'Parameter update': W <- W - learning_rate dW (and b), as a new dict, on drawn gradients."""
import numpy as np

from ...core import tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.parts import implementation
from .scenarios import DESIGNED, _replay, net_arrays, net_scenarios
from .worker import PARAMETERS


def _update_example(runner, scenario, tally=None):
    _, _, parameters = net_arrays(scenario)
    context = _replay("update", scenario)
    rng = np.random.default_rng((scenario.seed, 0x6AD))
    for step in range(scenario.steps):
        grads = {name: rng.normal(0.0, 1.0, value.shape) for name, value in parameters.items()}
        updated = implementation(lambda: runner.call("update", parameters=parameters, grads=grads,
                                                     learning_rate=scenario.learning_rate), context)
        if not isinstance(updated, dict):
            raise AssertionError(f"update_parameters did not return a dict of parameters{context}")
        expected = {name: parameters[name] - scenario.learning_rate * grads[name] for name in PARAMETERS}
        for name in PARAMETERS:
            assert_close(updated.get(name), expected[name], tolerance=tolerances.ASSIGNMENT, context=context,
                         quantity=f"{name} after update {step + 1} of {scenario.steps} (W - learning_rate * dW)")
        parameters = updated


def update_matches(runner, settings):
    """W <- W - learning_rate dW and b <- b - learning_rate db, for 1-3 updates in a row, each on the
    parameters the last one returned."""
    for_all(net_scenarios(), settings, lambda scenario: _update_example(runner, scenario),
            examples=DESIGNED)
