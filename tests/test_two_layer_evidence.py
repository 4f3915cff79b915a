"""two-layer's evidence is the trusted side's (issue 17): every check fails closed on empty evidence, a
mask is believed only where it reproduces the forward's own A2 and A2 shows it, and every forward pass
of the forward check is drawn alike and counts toward every pooled statistic."""
import math
import zlib
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.assignments import two_layer
from reference.assignments.two_layer import (EXACT, Evidence, ForwardPass, _Tally, draw_scenario, informative,
                                             net_arrays, output_given_mask, sigmoid)
from reference.assignments.two_layer.worker import Loaded
from reference.core import statistics
from reference.grading.parts import grade, run_check
from reference.sandbox.runners import SubmissionRunner
from reference.grading.in_process import InProcessRunner
from reference.sandbox.limits import Limits
from tests.catalogue import two_layer as catalogue

SETTINGS = settings(max_examples=5, derandomize=True, database=None, deadline=None)
PART = {part.name: part for part in two_layer.PARTS}
FORWARD, COST, BACKWARD, UPDATE = (PART[name].checks[0] for name in ("Forward with dropout", "Regularized cost",
                                                                    "Backward with dropout", "Parameter update"))
TRAINING_FORWARD, TRAINING_BACKWARD, TRAINING_UPDATE = (PART[name].checks[1] for name in (
    "Forward with dropout", "Backward with dropout", "Parameter update"))


# ---- Fakes: in-process submissions whose replies reveal what the test wants --------------------------

def _activation(X, parameters):
    return np.tanh(parameters["W1"] @ X + parameters["b1"])


def _forward_with(mask, flat=False, shown=None):
    """A forward applying mask(A1, keep_prob, X) (bool, broadcast to A1), its cache holding that mask
    (or shown(A1, keep_prob), a mask it never applied); A2 flattened to (m,) if `flat`."""
    def forward(X, parameters, keep_prob=0.5):
        A1 = _activation(X, parameters)
        keep = np.broadcast_to(mask(A1, keep_prob, X), A1.shape)
        A2 = sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"])
        cache = {"A1": A1, "D1": np.array(shown(A1, keep_prob) if shown else keep), "keep": np.array(keep)}
        return (A2.ravel() if flat else A2), cache
    return forward


def _backward(X, Y, cache, keep_prob, lambd):
    """The contract's backward through the cache's own mask (parameters kept in the cache by _fake)."""
    gradients = two_layer.contract_gradients(X, Y, cache["parameters"], cache["keep"], keep_prob, lambd)
    return {f"d{name}": value for name, value in gradients.items()}


def _fake(forward, cost=None, update=None):
    """A Loaded submission of these functions (cost and update correct unless given)."""
    def forward_keeping_parameters(X, parameters, keep_prob=0.5):
        A2, cache = forward(X, parameters, keep_prob)
        return A2, {**cache, "parameters": parameters}

    def correct_cost(A2, Y, parameters, lambd):
        m = Y.shape[1]
        return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
                     + lambd / (2 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2)))

    def correct_update(parameters, grads, learning_rate):
        return {name: parameters[name] - learning_rate * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}
    return Loaded(SimpleNamespace(forward_propagation_with_dropout=forward_keeping_parameters,
                                  backward_propagation_with_dropout=_backward,
                                  compute_cost_with_regularization=cost or correct_cost,
                                  update_parameters=update or correct_update), lower_case=False)


def _honest(A1, keep_prob, X):
    return np.random.rand(*A1.shape) < keep_prob


def _never(A1, keep_prob, X):
    return np.ones(A1.shape, dtype=bool)


def _run(check, implementation, check_settings=SETTINGS):
    return run_check(check, InProcessRunner(implementation, two_layer), check_settings)


@pytest.mark.slow
def test_an_honest_fake_earns_every_point():
    """The fakes below differ from this one in one thing each."""
    results = grade(InProcessRunner(_fake(_forward_with(_honest)), two_layer), two_layer.PARTS, SETTINGS)
    assert [result.score for result in results] == [part.points for part in two_layer.PARTS], [
        check.message[:500] for result in results for check in result.results if not check.passed]


# ---- 1. Empty evidence fails every check, saying what could not be observed ------------------------------

def test_a_flat_a2_that_never_drops_loses_the_forward_and_the_backward_fails_closed():
    """Issue 17's submission: A2 of shape (m,) matches no reading, so nothing is ever observed. The
    forward fails on A2's shape; backward, whose tally stays empty, fails closed pointing at the forward."""
    fake = _fake(_forward_with(_never, flat=True))
    passed, message = _run(FORWARD, fake)
    assert not passed and "A2 must be an array of shape (1, m)" in message
    passed, message = _run(BACKWARD, fake)
    assert not passed
    assert "no hidden activation with 0 < keep_prob < 1 could be observed" in message
    assert "A2 must be an array of shape (1, m)" in message and "Fix the forward pass first" in message
    assert _run(COST, fake)[0] and _run(UPDATE, fake)[0]  # the honest work keeps its points


def test_a_forward_whose_cache_shows_no_mask_fails_backward_closed():
    """A2 right for a mask the cache does not hold (only A1 in it): no reading reproduces A2."""
    def forward(X, parameters, keep_prob=0.5):
        A1 = _activation(X, parameters)
        keep = np.random.rand(*A1.shape) < keep_prob
        return sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"]), {"A1": A1, "keep": keep.tolist()}
    passed, message = _run(FORWARD, _fake(forward))
    assert not passed and "your cache holds no dropout mask" in message
    passed, message = _run(BACKWARD, _fake(forward))
    assert not passed and "holds no dropout mask" in message and "fix the forward pass first" in message


@pytest.mark.parametrize("reply", [None, "nothing", np.zeros(0)])
def test_cost_and_update_fail_on_replies_that_say_nothing(reply):
    fake = _fake(_forward_with(_honest), cost=lambda *arguments: reply, update=lambda *arguments: reply)
    assert not _run(COST, fake)[0]
    assert not _run(UPDATE, fake)[0]


def _pass(scenario, seed, keep=None, W2=None, problem=""):
    """A ForwardPass of the contract's forward on `scenario`'s sizes and keep_prob (its arrays drawn from
    `seed`) with `keep` (drawn if None), A2 reproduced exactly."""
    X, _, parameters = net_arrays(replace(scenario, seed=seed))
    if W2 is not None:
        parameters["W2"] = np.full_like(parameters["W2"], W2)
    A1 = _activation(X, parameters)
    keep = np.random.default_rng(seed).random(A1.shape) < scenario.keep_prob if keep is None else keep
    A2 = output_given_mask(A1, keep, scenario.keep_prob, parameters)
    reproducing = [] if problem else [keep]
    return ForwardPass(parameters, scenario.keep_prob, A1, A2, [keep], reproducing, None if problem else EXACT,
                       problem)


def test_an_empty_or_unobservable_evidence_fails_every_bound_closed():
    """No pass; passes at keep_prob 1 only; passes whose every activation leaves A2 as it is (W2 = 0);
    passes whose A2 matched nothing: each fails, saying what could not be observed."""
    empty = Evidence()
    with pytest.raises(AssertionError, match="no hidden activation with 0 < keep_prob < 1 could be observed"):
        empty.judge()
    scenario = replace(draw_scenario(1), keep_prob=0.5, steps=1)
    for passes, shown in (([_pass(replace(scenario, keep_prob=1.0), 0)], "no forward pass with 0 < keep_prob < 1"),
                          ([_pass(scenario, seed, W2=0.0) for seed in range(3)], "changes A2 too little to show"),
                          ([_pass(scenario, 0, problem="A2 must be an array of shape (1, m) = (1, 8)")],
                           "A2 must be an array")):
        evidence = Evidence()
        for forward in passes:
            evidence.add_scenario(scenario, [forward])
        with pytest.raises(AssertionError, match="could be observed") as failure:
            evidence.judge()
        assert shown in str(failure.value)
    tally = _Tally()
    assert "no hidden activation" in tally.shortfall() and tally.degenerate()


def _evidence(scenarios, steps=None):
    """Evidence of honest passes: `scenarios` scenarios as the check draws them (with `steps` passes each
    if given)."""
    evidence = Evidence()
    rng = np.random.default_rng(5)
    for seed in range(scenarios):
        scenario = draw_scenario(seed)
        scenario = replace(scenario, steps=steps or scenario.steps)
        evidence.add_scenario(scenario, [_pass(scenario, int(rng.integers(2**31))) for _ in range(scenario.steps)])
    return evidence


@pytest.mark.slow
def test_each_pooled_bound_fails_closed_on_evidence_too_small_for_it():
    """Enough for the fraction, yet: no two passes on one X; few passes fully observed; few passes in all."""
    with pytest.raises(AssertionError, match="too few to tell a repeated keep/drop draw"):
        _evidence(1200, steps=1).judge()
    few_whole = _evidence(1200)
    few_whole.transforms = few_whole.transforms[:30]  # as if all but 30 passes had a unit A2 does not show
    with pytest.raises(AssertionError, match="showed their whole mask, too few"):
        few_whole.judge()
    with pytest.raises(AssertionError, match="too few"):
        _evidence(12).judge()
    _evidence(1200).judge()  # and enough of everything passes


# ---- 2. Evidence is the trusted side's: a reading is believed where it reproduces A2 and A2 shows it ---

@settings(max_examples=60, deadline=None)
@given(n_h=st.integers(1, 6), m=st.integers(1, 6), keep_prob=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from((0.01, 0.5, 1.5)))
def test_an_activation_counted_as_observed_is_one_no_other_nearby_mask_could_explain(n_h, m, keep_prob, seed, scale):
    """Brute force over every mask: where informative() says an activation shows, any mask that differs
    from another there (alone or with one more unit) gives an output more than two tolerances away,
    so a reading that reproduces A2 within the tolerance has it right. And informative() reads no mask."""
    rng = np.random.default_rng(seed)
    parameters = {"W1": scale * rng.normal(size=(n_h, 2)), "b1": rng.normal(0, 0.1, (n_h, 1)),
                  "W2": scale * rng.normal(size=(1, n_h)), "b2": rng.normal(0, 0.1, (1, 1))}
    A1 = _activation(rng.normal(size=(2, m)), parameters)
    shown = informative(A1, parameters, keep_prob, EXACT)
    rtol, atol = EXACT
    masks = ((np.arange(2 ** n_h)[:, None] >> np.arange(n_h)) & 1).astype(bool)
    for column in range(m):
        outputs = sigmoid(parameters["b2"][0, 0] + masks @ (parameters["W2"][0] * A1[:, column] / keep_prob))
        for first in range(len(masks)):
            for second in range(first + 1, len(masks)):
                differ = masks[first] != masks[second]
                if differ.sum() > 2:
                    continue
                if abs(outputs[first] - outputs[second]) <= 2 * atol + rtol * (outputs[first] + outputs[second]):
                    assert not (shown[:, column] & differ).any()


def test_units_whose_weight_or_activation_is_zero_are_never_observed():
    scenario = draw_scenario(3)
    X, _, parameters = net_arrays(scenario)
    parameters["W2"][0, 0] = 0.0
    A1 = _activation(X, parameters)
    A1[-1] = 0.0
    shown = informative(A1, parameters, 0.5, EXACT)
    assert not shown[0].any() and not shown[-1].any()


def test_a_faked_cache_is_not_believed_a2_is():
    """A fresh random mask in the cache, never applied: the reading believed is what A2 shows (all kept),
    and the faked mask counts nowhere."""
    rng = np.random.default_rng(0)
    scenario = draw_scenario(11)
    X, _, parameters = net_arrays(scenario.__class__(**{**scenario.__dict__, "weight_scale": 1.5}))
    A1 = _activation(X, parameters)
    shown = rng.random(A1.shape) < 0.5
    A2 = output_given_mask(A1, np.ones(A1.shape, bool), 0.5, parameters)
    readings, reproducing, tolerance = two_layer.keep_masks([shown.astype(float), A1 * shown / 0.5], A1, A2, 0.5,
                                                            parameters)
    assert len(readings) >= 2 and tolerance == EXACT
    assert len(reproducing) == 1 and reproducing[0].all()


def test_a_cache_of_many_masks_is_read_no_further_than_its_first_candidates():
    """64 decoys cost the grader a bounded amount of work, and the readings stay claims to check."""
    rng = np.random.default_rng(1)
    A1 = rng.uniform(-1, 1, (10, 32))
    readings = two_layer.mask_readings([rng.random(A1.shape) < 0.5 for _ in range(64)], A1, 0.5)
    assert len(readings) <= 2 * two_layer.CACHE_CANDIDATES + 1


@pytest.mark.slow
def test_a_forward_that_fakes_its_cache_only_loses_points():
    """Never drops, shows a fresh random mask in its cache, backward ignores masks: forward and backward
    both fail (A2 shows nothing dropped), cost and update keep theirs."""
    fake = _fake(_forward_with(_never, shown=lambda A1, keep_prob: np.random.rand(*A1.shape) < keep_prob))
    results = grade(InProcessRunner(fake, two_layer), two_layer.PARTS, SETTINGS)
    assert [result.score for result in results] == [0.0, 0.5, 0.0, 0.5]


# ---- 3. Calls nobody can tell apart: every pass is drawn alike, and every one counts --------------------

class _Recorder(InProcessRunner):
    def __init__(self, implementation):
        super().__init__(implementation, two_layer)
        self.calls = []

    def call(self, task, **args):
        self.calls.append((task, args))
        return super().call(task, **args)


@pytest.mark.slow
def test_every_forward_pass_of_the_forward_check_is_drawn_like_a_scenario():
    """The forward check asks for nothing but forward passes, each on arrays of the scenario distribution
    (1-4 inputs, 1-10 units, 1-32 examples, b1 drawn, keep_prob 1 or in [0.05, 0.95]): no call has a
    study's look (one input row and b1 = 0, a thousand units, ...), and no two passes share a seed."""
    runner = _Recorder(_fake(_forward_with(_honest)))
    passed, message = run_check(FORWARD, runner, SETTINGS)
    assert passed, message
    tasks = {task for task, _ in runner.calls}
    assert tasks == {"forward"}
    assert len(runner.calls) >= two_layer.FORWARD_SCENARIOS
    seeds = [args["seed"] for _, args in runner.calls]
    assert len(set(seeds)) == len(seeds)
    for _, args in runner.calls:
        X, parameters, keep_prob = args["X"], args["parameters"], args["keep_prob"]
        n_h = parameters["W1"].shape[0]
        assert 1 <= X.shape[0] <= 4 and 1 <= n_h <= 10 and 1 <= X.shape[1] <= 32
        assert np.all(parameters["b1"] != 0) and (keep_prob == 1.0 or 0.05 <= keep_prob <= 0.95)


def _cheat(kind, share):
    """A forward that misbehaves (`kind`) on a share of its calls chosen by a predicate on X (a hash: as
    good as any predicate a forward could compute), and draws honest masks on the others."""
    def mask(A1, keep_prob, X):
        if zlib.crc32(X.tobytes()) % 1000 >= share * 1000:
            return np.random.rand(*A1.shape) < keep_prob
        if kind == "never":
            return np.ones(A1.shape, dtype=bool)
        if kind == "per unit":
            return np.random.rand(A1.shape[0], 1) < keep_prob
        return np.random.default_rng(7).random(A1.shape) < keep_prob  # "repeated": one stream, every call
    return _fake(_forward_with(mask))


@pytest.mark.parametrize("kind", ["per unit", pytest.param("never", marks=pytest.mark.slow),
                                  pytest.param("repeated", marks=pytest.mark.slow)])
def test_a_forward_misbehaving_on_a_fifth_of_its_calls_loses_the_forward(kind):
    passed, message = _run(FORWARD, _cheat(kind, 0.2))
    assert not passed and "lands outside" in message, message


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["never", "per unit", "repeated"])
def test_a_forward_misbehaving_on_a_tenth_of_its_calls_loses_the_forward(kind):
    passed, message = _run(FORWARD, _cheat(kind, 0.1))
    assert not passed and "lands outside" in message, message


# ---- Training as real use runs it (red team 5) -----------------------------------------------------------

def _rng_state():
    state = np.random.get_state()
    return state[1].tobytes(), state[2]


def test_the_training_task_hands_the_functions_their_own_objects_and_seeds_once():
    """model()'s loop: seeded once, the same X, the parameters update returned, the cache forward returned."""
    seen = []

    def forward(X, parameters, keep_prob=0.5):
        seen.append(("forward", X, parameters, _rng_state()))
        A1 = _activation(X, parameters)
        keep = np.random.rand(*A1.shape) < keep_prob
        A2 = sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"])
        cache = {"A1": A1, "keep": keep}
        seen.append(("cache", cache, _rng_state()))
        return A2, cache

    def backward(X, Y, cache, keep_prob, lambd):
        seen.append(("backward", X, cache))
        return {f"d{name}": np.zeros((2, 2)) for name in ("W1", "b1", "W2", "b2")}

    def update(parameters, grads, learning_rate):
        updated = dict(parameters)
        seen.append(("update", updated))
        return updated
    fake = Loaded(SimpleNamespace(forward_propagation_with_dropout=forward, backward_propagation_with_dropout=backward,
                                  compute_cost_with_regularization=lambda A2, Y, parameters, lambd: 0.0,
                                  update_parameters=update), lower_case=False)
    run = replace(two_layer.RUNS[0], iterations=4)
    X, Y, parameters = net_arrays(run)
    reply = two_layer.TASKS["train"](fake, X=X, Y=Y, parameters=parameters, keep_prob=run.keep_prob, lambd=0.0,
                                     learning_rate=0.5, iterations=4, seed=run.seed)
    assert reply["raised"] == "" and len(reply["records"]) == 4
    forwards = [entry for entry in seen if entry[0] == "forward"]
    caches = [entry for entry in seen if entry[0] == "cache"]
    backwards = [entry for entry in seen if entry[0] == "backward"]
    updates = [entry for entry in seen if entry[0] == "update"]
    assert all(entry[1] is forwards[0][1] for entry in forwards + backwards)  # the same X every time
    assert all(forwards[i + 1][2] is updates[i][1] for i in range(3))  # what update returned, itself
    assert all(backwards[i][2] is caches[i][1] for i in range(4))  # the cache forward returned, itself
    seeded = np.random.RandomState(run.seed).get_state()
    assert forwards[0][3] == (seeded[1].tobytes(), seeded[2]) and all(forwards[i + 1][3] == caches[i][2] for i in range(3))  # seeded once


def _real_use_cheat(kind):
    """An honest forward that misbehaves where real use differs from the other checks' calls (red team 5)."""
    own, last = [], {}

    def forward(X, parameters, keep_prob=0.5):
        A1 = _activation(X, parameters)
        state = np.random.get_state()[1].tobytes() + bytes([np.random.get_state()[2] % 256])
        if kind == "big batch" and A1.shape[1] > 32 or kind in ("own parameters", "frozen update") and any(
                parameters["W1"] is W1 for W1 in own):
            keep = np.ones(A1.shape, dtype=bool)
        elif kind == "random state" and last.get("state") == state and last["keep"].shape == A1.shape:
            keep = last["keep"]
        elif kind == "same X" and last.get("X") is X and last["keep"].shape == A1.shape:
            keep = last["keep"]
        else:
            keep = np.random.rand(*A1.shape) < keep_prob
        last.update(X=X, keep=keep, state=np.random.get_state()[1].tobytes() + bytes([np.random.get_state()[2] % 256]))
        A2 = sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"])
        return A2, {"A1": A1, "D1": keep, "keep": keep}

    def update(parameters, grads, learning_rate):
        rate = 0.0 if kind == "frozen update" and any(parameters["W1"] is W1 for W1 in own) else learning_rate
        updated = {name: parameters[name] - rate * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}
        own.append(updated["W1"])
        return updated
    return _fake(forward, update=update)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["big batch", "own parameters", "random state", "same X", "frozen update"])
def test_a_forward_honest_only_while_graded_loses_the_forward_in_training(kind):
    """Each passes the forward's own check (it never sees a batch above 32, its own parameters, its own
    random state or X again); training charges the forward, and a frozen update the update alone."""
    fake = _real_use_cheat(kind)
    passed, message = _run(TRAINING_FORWARD, fake)
    assert not passed and "in training" in message and "lands outside" in message, message
    assert _run(TRAINING_BACKWARD, fake)[0]
    passed, message = _run(TRAINING_UPDATE, fake)
    if kind == "frozen update":
        assert not passed and "returned by update_parameters at iteration 2" in message, message
        assert _run(UPDATE, fake)[0]  # handed fresh copies, it updates
    else:
        assert passed, message


@pytest.mark.slow
def test_a_backward_bug_in_training_costs_the_backward_alone():
    """Each function is judged given what it was handed: wrong gradients change the run's parameters, and
    the forward and the update are still judged right."""
    def backward(X, Y, cache, keep_prob, lambd):
        gradients = two_layer.contract_gradients(X, Y, cache["parameters"], cache["keep"], keep_prob, 0.0)
        return {f"d{name}": value for name, value in gradients.items()}  # lambd / m W left out
    fake = _fake(_forward_with(_honest))
    fake.module.backward_propagation_with_dropout = backward
    passed, message = _run(TRAINING_BACKWARD, fake)
    assert not passed and "dW" in message and "replay_training('backward'" in message, message
    assert _run(TRAINING_FORWARD, fake)[0] and _run(TRAINING_UPDATE, fake)[0]


def test_a_forward_whose_a2_shows_nothing_in_training_fails_closed():
    passed, message = _run(TRAINING_FORWARD, _fake(_forward_with(_never, flat=True)))
    assert not passed and "A2 must be an array of shape (1, m)" in message
    evidence = two_layer.TrainingEvidence()
    with pytest.raises(AssertionError, match="no hidden activation could be observed"):
        evidence.judge()


def test_a_function_that_raises_in_training_is_the_one_charged():
    def update(parameters, grads, learning_rate):
        raise ValueError("no")
    fake = _fake(_forward_with(_honest), update=update)
    passed, message = _run(TRAINING_UPDATE, fake)
    assert not passed and "update_parameters raised ValueError: no at iteration 1" in message, message
    assert _run(TRAINING_BACKWARD, fake)[0]


# ---- The false-alarm budget ----------------------------------------------------------------------------

@pytest.mark.slow
def test_a_passing_run_evaluates_no_more_bounds_than_declared():
    """With every bound at FALSE_ALARM, a correct submission fails a grading run by chance with
    probability below 1e-9 (two_layer.FALSE_ALARM_BUDGET counts the declared bounds)."""
    runner = InProcessRunner(two_layer.model_solution(), two_layer)
    for check in (FORWARD, BACKWARD, TRAINING_FORWARD):
        before = statistics.bounds_evaluated
        passed, message = run_check(check, runner, SETTINGS)
        assert passed, message
        assert 0 < statistics.bounds_evaluated - before <= check.bounds
    for check in (TRAINING_BACKWARD, TRAINING_UPDATE):  # what the training runs showed, looked up
        before = statistics.bounds_evaluated
        assert run_check(check, runner, SETTINGS)[0] and statistics.bounds_evaluated == before
    assert two_layer.FALSE_ALARM_BUDGET == Evidence.BOUNDS + 2 + two_layer.TrainingEvidence.BOUNDS
    assert two_layer.FALSE_ALARM_BUDGET * statistics.FALSE_ALARM < 1e-9


@pytest.mark.slow
def test_the_group_and_offset_bounds_split_their_false_alarm():
    """Each multiple test is one bound: its share per group or offset is FALSE_ALARM / how many."""
    evidence = _evidence(1200)
    before = statistics.bounds_evaluated
    evidence.judge()
    assert statistics.bounds_evaluated - before == Evidence.BOUNDS
    assert math.isclose(sum(size for _, _, size in two_layer.GROUPS), two_layer.N_GROUPS)


# ---- Through the worker --------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_issue_17_submission_graded_through_the_worker_earns_only_its_honest_work(tmp_path):
    entry = next(entry for entry in catalogue.WRONG if entry.name == "hostile_flat_a2_never_drops")
    runner = SubmissionRunner(entry.write(tmp_path), Limits(), assignment=two_layer)
    try:
        results = grade(runner, two_layer.PARTS, SETTINGS)
    finally:
        runner.close()
    assert {result.part.name: result.score for result in results} == {
        "Forward with dropout": 0.0, "Regularized cost": 0.5, "Backward with dropout": 0.0, "Parameter update": 0.5}
