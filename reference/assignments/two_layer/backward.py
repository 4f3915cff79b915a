"""'Backward with dropout': the contract's gradients given the forward's own mask, credited only where the
forward's masks are genuine."""
import numpy as np

from ...core import tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.parts import implementation
from .observed import _Tally, _forward_pass
from .scenarios import DESIGNED, _once_per_draw, _replay, net_arrays, net_scenarios, pass_seed, torch_reference
from .worker import PARAMETERS


def _backward_example(runner, scenario, tally):
    X, Y, parameters = net_arrays(scenario)
    context = _replay("backward", scenario)
    for step in range(scenario.steps):
        at = f" at step {step + 1} of {scenario.steps}" if scenario.steps > 1 else ""
        forward = _forward_pass(runner, X, parameters, scenario.keep_prob, pass_seed(scenario.seed, step), context)
        # Judged given the forward's own mask: any reading of its cache that gives its A2, and its first stored
        # mask (a forward bug, say no 1 / keep_prob, may let no reading or only a wrong one give its A2: the
        # forward's part charges that, and a backward right for the mask stored is right).
        candidates = list(forward.reproducing)
        candidates += [keep for keep in forward.readings[:-1][:1] if not any(np.array_equal(keep, other)
                                                                             for other in candidates)]
        if not candidates:
            raise AssertionError(f"the forward pass's cache holds no dropout mask{at} (neither the mask nor the "
                                 f"activation after dropout), so backward cannot use it: fix the forward pass first"
                                 f"{context}")
        grads = implementation(lambda: runner.call("backward", X=X, Y=Y, keep_prob=scenario.keep_prob,
                                                   lambd=scenario.lambd), context)
        if not isinstance(grads, dict):
            raise AssertionError(f"backward did not return a dict of gradients{context}")
        failures = []
        for keep in candidates:
            _, _, expected = torch_reference(X, Y, parameters, keep, scenario.keep_prob, scenario.lambd)
            try:
                for name in PARAMETERS:
                    assert_close(grads.get(name), expected[name], quantity=f"d{name}{at} (computed with the mask your cache holds)",
                                 tolerance=tolerances.ASSIGNMENT, context=context)
                break
            except AssertionError as error:
                failures.append(error)
        else:
            raise failures[0]
        if tally is not None:
            tally.add_pass(forward)
        # The harness takes the step itself, with the reference's gradients: the update has its own part.
        parameters = {name: parameters[name] - scenario.learning_rate * expected[name] for name in PARAMETERS}


def backward_matches_torch(runner, settings):
    """dW1, db1, dW2, db2 of the regularized cost through the forward pass's own mask (tanh' from the
    activation before dropout, dW gaining lambd / m W), over 1-3 steps of training. Credited only
    where the forward pass draws genuine masks, observed on this side (ForwardPass.observed): else
    any backward agrees with torch replaying them. Too few observed fails closed."""
    tally = _Tally()
    for_all(net_scenarios(), settings, _once_per_draw(lambda scenario, t: _backward_example(runner, scenario, t),
                                                      tally), examples=DESIGNED)
    degenerate = tally.degenerate()
    if degenerate:
        raise AssertionError(f"Backward with dropout earns credit only where the forward pass draws genuine masks, "
                             f"and over this check's scenarios {tally.shortfall() or degenerate}. Fix the forward "
                             f"pass first: 'Forward with dropout' says what is wrong.")
