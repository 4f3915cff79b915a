"""'Forward with dropout': A2 matches torch given the pass's own mask, and Evidence over every pass."""
import numpy as np

from ...core import tolerances
from ...core.comparator import assert_close
from ...core.properties import FailingExample, for_all
from .cache_masks import contract_gradients
from .evidence import Evidence
from .observed import A2_SHAPE, _forward_pass
from .scenarios import (DESIGNED, SEEDS, _once_per_draw,
                        _replay, draw_scenario, net_arrays, net_scenarios, pass_seed, torch_reference)
from .worker import PARAMETERS


def _assert_forward_right(forward, X, scenario, at, context):
    """A2 of the pass is the contract's with a mask its cache holds; nothing dropped at keep_prob = 1."""
    if forward.problem.startswith(A2_SHAPE):
        shape = getattr(forward.A2, "shape", None)
        raise AssertionError(f"{A2_SHAPE} = (1, {X.shape[1]}){at}, one output per example as sigmoid(W2 A1' + b2) "
                             f"gives it; the forward pass returned "
                             f"{type(forward.A2).__name__ if shape is None else f'shape {shape}'}{context}")
    if not forward.reproducing:
        # Shown against the cache's first reading (or nothing dropped): assert_close says what differs.
        expected, _, _ = torch_reference(X, np.zeros((1, X.shape[1])), forward.parameters, forward.readings[0],
                                         forward.keep_prob, 0.0)
        where = ("with the mask read from your cache" if len(forward.readings) > 1 else
                 "(your cache holds no dropout mask: compared with nothing dropped)")
        assert_close(forward.A2, expected, quantity=f"A2, the forward pass's output{at}, {where}",
                     tolerance=tolerances.ASSIGNMENT, context=context)
        raise AssertionError(f"A2{at} is not sigmoid(W2 (A1 * D / keep_prob) + b2) for any mask D your cache holds, "
                             f"A1 = tanh(W1 X + b1){context}")
    if scenario.keep_prob == 1.0 and not any(keep.all() for keep in forward.reproducing):
        dropped = np.count_nonzero(~forward.reproducing[0])
        raise AssertionError(f"with keep_prob = 1 the forward pass dropped {dropped} of {forward.A1.size} hidden "
                             f"activations{at}; nothing may be dropped{context}")


def _forward_example(runner, scenario, evidence):
    """scenario.steps forward passes on the same X, the harness updating the parameters in between (the
    contract's gradients given the mask read, as training would): each pass's A2 is the contract's with
    the mask its cache holds; then the passes join `evidence` (an Evidence, or None)."""
    X, Y, parameters = net_arrays(scenario)
    context = _replay("forward", scenario)
    passes = []
    for step in range(scenario.steps):
        at = f" at forward pass {step + 1} of {scenario.steps}" if scenario.steps > 1 else ""
        forward = _forward_pass(runner, X, parameters, scenario.keep_prob, pass_seed(scenario.seed, step), context)
        _assert_forward_right(forward, X, scenario, at, context)
        passes.append(forward)
        gradients = contract_gradients(X, Y, parameters, forward.keep, scenario.keep_prob, scenario.lambd)
        parameters = {name: parameters[name] - scenario.learning_rate * gradients[name] for name in PARAMETERS}
    if evidence is not None:
        evidence.add_scenario(scenario, passes)


# Scenarios every run of the forward check pools, whatever the profile: hypothesis's draws first (and
# the designed ones), then as many more drawn alike (from seeds of a Generator of its own) as it takes.
FORWARD_SCENARIOS = 2400


BATCH_SCENARIOS = 40  # a replay's batch (Evidence judged without failing closed)


def forward_matches_torch(runner, settings):
    """At every pass, A2 = sigmoid(W2 (tanh(W1 X + b1) * D / keep_prob) + b2) with a mask D read from the
    cache (one that gives the forward's own A2), nothing dropped at keep_prob = 1; and over the
    FORWARD_SCENARIOS scenarios of the check (1-3 passes each), the masks pass every bound of
    Evidence. Every pass counts: there is no other call the forward could tell apart."""
    evidence = Evidence()
    body = _once_per_draw(lambda scenario, pooled: _forward_example(runner, scenario, pooled), evidence)
    for_all(net_scenarios(), settings, body, examples=DESIGNED)
    seeds = np.random.default_rng(0xF0_5CE7)
    while len(body.seen) < FORWARD_SCENARIOS:
        scenario = draw_scenario(int(seeds.integers(2**32)))
        if scenario.seed in body.seen:
            continue
        try:
            body(scenario)
        except AssertionError as error:
            error.failing_example = FailingExample(net_scenarios(), body, scenario)
            raise
    try:
        evidence.judge()
    except AssertionError as error:
        failure = AssertionError(f"{error}\nReplay (a batch of {BATCH_SCENARIOS} scenarios, or the whole check "
                                 f"without the batch): from reference.assignments.two_layer import replay_forward; "
                                 f"import two_layer_net; replay_forward(two_layer_net, batch=0)")
        failure.failing_example = FailingExample(SEEDS, _batch(runner), 0)  # for reference.grading.hints
        raise failure from None


def _batch(runner):
    """A replay's body: BATCH_SCENARIOS scenarios of the seeds `batch` draws, judged as the check judges
    its own (leaving out the bounds they are too few for)."""
    def body(batch):
        evidence = Evidence(seed=batch)
        for seed in np.random.default_rng((batch, 0xBA7C)).integers(0, 2**32, BATCH_SCENARIOS):
            _forward_example(runner, draw_scenario(int(seed)), evidence)
        evidence.judge(f"over the {BATCH_SCENARIOS} scenarios of batch {batch}", fail_closed=False)
    return body
