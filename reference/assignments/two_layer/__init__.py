"""two-layer (ASSIGNMENT.md §C/§D, seeds 000 and 001): a column-major 2-layer tanh/sigmoid net with
inverted dropout on the hidden layer and an L2-regularized cross-entropy, in the deeplearning.ai style.

A submission: DIR/two_layer_net.py, numpy only, defining
    forward_propagation_with_dropout(X, parameters, keep_prob) -> (A2, cache)
    compute_cost_with_regularization(A2, Y, parameters, lambd) -> cost
    backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd) -> grads
    update_parameters(parameters, grads, learning_rate) -> parameters
X (n_x, m), Y (1, m), parameters W1 (n_h, n_x), b1 (n_h, 1), W2 (1, n_h), b2 (1, 1) and grads
dW1, ... — or the seeds' lower-case keys w1, ..., dw1, ... (the file's own text says which).

Points: Forward with dropout 1.0, Regularized cost 0.5, Backward with dropout 1.0, Parameter
update 0.5. The masks are never taken from a random stream: they are read from the cache the
forward returns (a keep or drop mask, boolean, 0/1 or scaled by 1/keep_prob, per element or per
unit, or the post-dropout activation), the reading that reproduces the forward's own A2 first.
Backward is judged against the contract's gradient given that mask, so a forward bug (say, no
1/keep_prob) does not cost the backward part as well; the update is judged on drawn gradients.
"""
import sys
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from ...core import mask_studies, statistics, tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.mask_checks import mask_study_checks, run_study
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from ...sandbox.runners import InProcessRunner
from .worker import TASKS, load_submission  # noqa: F401 - the worker half, also run in process
from .worker import PARAMETERS, Loaded, loaded

NAME = "two-layer"
SUBMISSION = "two_layer_net.py at the top"
# ---- Shared by both halves: the net's numbers and reading a mask from a cache -----------------------

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def hidden_activation(X, parameters):
    """A1 = tanh(W1 X + b1), (n_h, m), before dropout."""
    return np.tanh(parameters["W1"] @ X + parameters["b1"])


def output_given_mask(A1, keep, keep_prob, parameters):
    """A2 = sigmoid(W2 (A1 * keep / keep_prob) + b2), (1, m)."""
    return sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"])


CACHE_DEPTH, CACHE_ARRAYS = 4, 64

def mask_readings(arrays, A1, keep_prob):
    """Candidate keep masks (bool (n_h, m)) from the cache's arrays, most explicit first: masks stored as
    0/1, booleans or 0 and 1/keep_prob (per element, or per unit (n_h, 1)), each read as a keep mask
    and as a drop mask; then arrays that are the activation after dropout, kept where not 0 (and
    equal to A1 / keep_prob there, or to A1: a forward that forgot the scale still shows its mask);
    last, nothing dropped. Without duplicates."""
    shape = A1.shape
    stored, activations = [], []
    for array in sorted(arrays, key=lambda array: array.shape != shape):  # per element before per unit
        if array.shape not in (shape, (shape[0], 1)) or array.size == 0:
            continue
        values = np.asarray(array, dtype=np.float64)
        if not np.isfinite(values).all():
            continue
        full = np.broadcast_to(values, shape)
        kept = full != 0
        nonzero = full[kept]
        if np.all(nonzero == 1) or np.allclose(nonzero, 1 / keep_prob, rtol=1e-6, atol=0):
            stored += [kept, ~kept]
        elif array.shape == shape and any(np.allclose(nonzero, A1[kept] * scale, rtol=1e-3, atol=1e-6)
                                          for scale in (1 / keep_prob, 1.0)):  # float32's rounding too
            activations.append(kept)
    readings = []
    for keep in stored + activations + [np.ones(shape, dtype=bool)]:
        if not any(np.array_equal(keep, other) for other in readings):
            readings.append(keep)
    return readings


# A reading of the cache reproduces the forward's A2 when they agree to float32's precision or so (a
# correct forward in float32 included); only if none does, to the assignment's tolerance.
EXACT, ASSIGNMENT_TOLERANCE = (1e-5, 1e-7), (5e-3, 1e-3)


def keep_masks(arrays, A1, A2, keep_prob, parameters):
    """(readings, reproducing) for a forward pass: the readings of its cache's `arrays` (mask_readings),
    and those with which the contract's forward gives its A2 (exactly, else within the tolerance).
    More than one reproduces only where A2 cannot tell them apart."""
    readings = mask_readings(arrays, A1, keep_prob)
    A2 = np.asarray(A2, dtype=np.float64)
    if A2.shape != (1, A1.shape[1]):
        return readings, []
    outputs = [output_given_mask(A1, keep, keep_prob, parameters) for keep in readings]
    for rtol, atol in (EXACT, ASSIGNMENT_TOLERANCE):
        reproducing = [keep for keep, output in zip(readings, outputs) if np.allclose(A2, output, rtol=rtol, atol=atol)]
        if reproducing:
            return readings, reproducing
    return readings, []


# ---- The model solution ----------------------------------------------------------------------------

class ModelSolution:
    """The four functions of the contract on toyframe's quadrant experiment (trusted side only): the
    experiment's forward takes a random source and its backward the parameters, so the masks come
    from NumPy's global RNG and the cache carries the parameters."""

    @staticmethod
    def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
        from toyframe.experiments import xor_quadrants
        A2, cache = xor_quadrants.forward(X, parameters, keep_prob, np.random)
        return A2, (cache, parameters)

    @staticmethod
    def compute_cost_with_regularization(A2, Y, parameters, lambd):
        from toyframe.experiments import xor_quadrants
        return xor_quadrants.cost(A2, Y, parameters, lambd)

    @staticmethod
    def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
        from toyframe.experiments import xor_quadrants
        forward_cache, parameters = cache
        return xor_quadrants.backward(forward_cache, X, Y, parameters, lambd, keep_prob)

    @staticmethod
    def update_parameters(parameters, grads, learning_rate):
        from toyframe.experiments import xor_quadrants
        return xor_quadrants.update(parameters, grads, learning_rate)


def model_solution():
    return Loaded(ModelSolution(), lower_case=False)



def study_net(shape, seed):
    """X (1, N) and parameters of D hidden units whose activations, transposed, are (N, D) values of either
    sign and sizes tanh(0.05) to tanh(2) (Z1 = u_j s_i); W2 of either sign and at least 0.5 / sqrt(D),
    so that any two readings of a cache give different A2 (keep_masks): each example's output feels
    each of its units."""
    rng = np.random.default_rng((seed, 0x2_1A7E))
    n_rows, n_cols = shape

    def signed(low, high, size):
        return rng.choice((-1.0, 1.0), size) * rng.uniform(low, high, size)
    parameters = {"W1": signed(0.25, 1.4, (n_cols, 1)), "b1": np.zeros((n_cols, 1)),
                  "W2": signed(0.5, 2.0, (1, n_cols)) / np.sqrt(n_cols), "b2": rng.uniform(-0.5, 0.5, (1, 1))}
    return signed(0.2, 1.4, (1, n_rows)), parameters


def study_pre_activations(shape, seed):
    """The values the mask studies' dropout acts on, (N, D): the hidden activations of study_net."""
    X, parameters = study_net(shape, seed)
    return hidden_activation(X, parameters).T


@dataclass(frozen=True)
class NetScenario:
    """Plain data: sizes, keep_prob, lambd, learning rate, steps, a seed for every array (X, Y and the
    parameters, drawn by net_arrays) and the scale of the weights."""
    n_x: int
    n_h: int
    m: int
    keep_prob: float
    lambd: float
    learning_rate: float
    steps: int
    seed: int
    weight_scale: float

    def describe(self):
        return (f"X ({self.n_x}, {self.m}), {self.n_h} hidden units, keep_prob={self.keep_prob:g}, "
                f"lambd={self.lambd:g}, learning_rate={self.learning_rate:g}, {self.steps} step(s), "
                f"weights ~ {self.weight_scale:g} N(0, 1)")


def net_arrays(scenario):
    """X (n_x, m), Y (1, m), {W1, b1, W2, b2} of `scenario`, from a Generator seeded by its seed."""
    rng = np.random.default_rng((scenario.seed, 0x7A0))
    X = rng.normal(0.0, 1.0, (scenario.n_x, scenario.m))
    Y = rng.integers(0, 2, (1, scenario.m)).astype(np.float64)
    parameters = {"W1": scenario.weight_scale * rng.normal(0.0, 1.0, (scenario.n_h, scenario.n_x)),
                  "b1": rng.normal(0.0, 0.1, (scenario.n_h, 1)),
                  "W2": scenario.weight_scale * rng.normal(0.0, 1.0, (1, scenario.n_h)),
                  "b2": rng.normal(0.0, 0.1, (1, 1))}
    return X, Y, parameters


def net_scenarios(steps=None):
    """NetScenarios: 1-4 inputs, 1-10 hidden units, 1-32 examples, keep_prob 1 or in [0.05, 0.95],
    lambd 0 or in [0, 2], weights of scale 0.01 (the seeds'), 0.5 or 1.5."""
    return st.builds(
        NetScenario, n_x=st.integers(1, 4), n_h=st.integers(1, 10), m=st.integers(1, 32),
        keep_prob=st.just(1.0) | st.floats(0.05, 0.95),
        lambd=st.just(0.0) | st.floats(0.0, 2.0), learning_rate=st.floats(0.01, 1.0),
        steps=st.just(1) if steps is None else steps, seed=st.integers(0, 2**32 - 1),
        weight_scale=st.sampled_from((0.01, 0.5, 1.5)))


def torch_reference(X, Y, parameters, keep, keep_prob, lambd):
    """(A2, cost, {dW1, db1, dW2, db2}) of the contract, in float64 torch, given the keep mask. The cost
    goes through the logits (binary_cross_entropy_with_logits: the same function, and where the
    sigmoid saturates its gradient is still A2 - Y exactly, as the students' formula gives it)."""
    import torch
    tensors = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in parameters.items()}
    inputs, labels = torch.from_numpy(X), torch.from_numpy(Y)
    A1 = torch.tanh(tensors["W1"] @ inputs + tensors["b1"])
    Z2 = tensors["W2"] @ (A1 * torch.from_numpy(keep.astype(np.float64)) / keep_prob) + tensors["b2"]
    m = Y.shape[1]
    cost = torch.nn.functional.binary_cross_entropy_with_logits(Z2, labels, reduction="mean") + lambd / (2 * m) * (
        torch.sum(tensors["W1"] ** 2) + torch.sum(tensors["W2"] ** 2))
    cost.backward()
    return (torch.sigmoid(Z2).detach().numpy(), float(cost.detach()),
            {name: tensors[name].grad.numpy() for name in PARAMETERS})


def regularized_cost(A2, Y, W1, W2, lambd):
    """Mean binary cross-entropy over the m examples + lambd / (2 m) (sum W1^2 + sum W2^2), torch."""
    import torch
    m = Y.shape[1]
    cross_entropy = torch.nn.functional.binary_cross_entropy(A2, Y, reduction="mean")
    return cross_entropy + lambd / (2 * m) * (torch.sum(W1 ** 2) + torch.sum(W2 ** 2))


def _replay(check, scenario):
    return (f"\nScenario: {scenario.describe()}\nReplay: from reference.assignments.two_layer import *; "
            f"import two_layer_net; replay({check!r}, {scenario!r}, two_layer_net)")


def replay(check, scenario, module):
    """Run one graded example of `check` (a function of this module, by name) on `module`, the student's
    two_layer_net imported in this process; raises AssertionError as grading does."""
    runner = InProcessRunner(loaded(module), sys.modules[__name__])
    example = globals().get(f"_{check}_example")
    if example is None:
        raise ValueError(f"no graded check is called {check!r}")
    example(runner, scenario, statistics.MaskTally())


def _forward_pass(runner, X, parameters, keep_prob, seed, context):
    """(A2, readings, reproducing) of the submission's forward pass (keep_masks)."""
    reply = implementation(lambda: runner.call("forward", X=X, parameters=parameters, keep_prob=keep_prob,
                                               seed=seed), context)
    if not isinstance(reply, dict) or not isinstance(reply.get("cache"), list):
        raise AssertionError(f"the forward pass did not return (A2, cache){context}")
    A2 = reply.get("A2")
    arrays = [array for array in reply["cache"] if isinstance(array, np.ndarray)]
    readings, reproducing = keep_masks(arrays, hidden_activation(X, parameters), A2 if isinstance(A2, np.ndarray)
                                       else np.full((1, X.shape[1]), np.nan), keep_prob, parameters)
    return A2, readings, reproducing


def _tally(tally, reproducing, keep_prob):
    """Count a pass's mask only where A2 shows which one it is."""
    if len(reproducing) == 1:
        tally.add(reproducing[0], 1.0 - keep_prob)


# Run first under every profile: typical sizes, keep_prob and lambd, each weight scale.
DESIGNED = tuple(NetScenario(2, 5, 16, keep, lambd, 0.5, 3, seed, scale) for keep, lambd, seed, scale in (
    (0.7, 0.7, 1, 0.5), (0.5, 0.0, 2, 1.5), (0.86, 1.5, 3, 0.01), (1.0, 0.3, 4, 0.5)))


# ---- Forward with dropout --------------------------------------------------------------------------

def _forward_example(runner, scenario, tally):
    X, _, parameters = net_arrays(scenario)
    context = _replay("forward", scenario)
    A2, readings, reproducing = _forward_pass(runner, X, parameters, scenario.keep_prob, scenario.seed, context)
    if not reproducing:
        # Shown against the cache's first reading (or nothing dropped): assert_close says what differs.
        expected, _, _ = torch_reference(X, np.zeros((1, scenario.m)), parameters, readings[0], scenario.keep_prob, 0.0)
        where = ("with the mask read from your cache" if len(readings) > 1 else
                 "(your cache holds no dropout mask: compared with nothing dropped)")
        assert_close(A2, expected, quantity=f"A2, the forward pass's output, {where}", tolerance=tolerances.ASSIGNMENT,
                     context=context)
        raise AssertionError(f"A2 is not sigmoid(W2 (A1 * D / keep_prob) + b2) for any mask D your cache holds, "
                             f"A1 = tanh(W1 X + b1){context}")
    if scenario.keep_prob == 1.0 and not any(keep.all() for keep in reproducing):
        dropped = np.count_nonzero(~reproducing[0])
        raise AssertionError(f"with keep_prob = 1 the forward pass dropped {dropped} of {reproducing[0].size} hidden "
                             f"activations; nothing may be dropped{context}")
    _tally(tally, reproducing, scenario.keep_prob)


def _tallied(example, tally):
    """A for_all body counting each draw's masks once in `tally` (the same seeds draw the same masks)."""
    return statistics.tallied_once_per_draw(example, tally, lambda scenario: scenario.seed)


def forward_matches_torch(runner, settings):
    """A2 = sigmoid(W2 (tanh(W1 X + b1) * D / keep_prob) + b2) with a mask D read from the cache (one that
    gives the forward's own A2), nothing dropped at keep_prob = 1, and over the check's scenarios the
    masks drop the fraction 1 - keep_prob asks for."""
    tally = statistics.MaskTally()
    for_all(net_scenarios(), settings, _tallied(lambda scenario, t: _forward_example(runner, scenario, t), tally),
            examples=[replace(scenario, steps=1) for scenario in DESIGNED])
    tally.assert_fraction_dropped("over this check's scenarios, the fraction of hidden activations dropped")


# ---- Regularized cost ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CostScenario:
    """A2 in (0.02, 0.98), Y, parameters and lambd for compute_cost_with_regularization (from `seed`)."""
    n_x: int
    n_h: int
    m: int
    lambd: float
    seed: int

    def describe(self):
        return f"A2 (1, {self.m}), W1 ({self.n_h}, {self.n_x}), W2 (1, {self.n_h}), lambd={self.lambd:g}"


def cost_arrays(scenario):
    rng = np.random.default_rng((scenario.seed, 0xC057))
    A2 = rng.uniform(0.02, 0.98, (1, scenario.m))
    Y = rng.integers(0, 2, (1, scenario.m)).astype(np.float64)
    parameters = {"W1": rng.normal(0.0, 1.0, (scenario.n_h, scenario.n_x)),
                  "b1": rng.normal(0.0, 1.0, (scenario.n_h, 1)),
                  "W2": rng.normal(0.0, 1.0, (1, scenario.n_h)), "b2": rng.normal(0.0, 1.0, (1, 1))}
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


# ---- Backward with dropout -------------------------------------------------------------------------

def _backward_example(runner, scenario, tally):
    X, Y, parameters = net_arrays(scenario)
    context = _replay("backward", scenario)
    for step in range(scenario.steps):
        at = f" at step {step + 1} of {scenario.steps}" if scenario.steps > 1 else ""
        seed = (scenario.seed + step) % 2**32
        _, readings, reproducing = _forward_pass(runner, X, parameters, scenario.keep_prob, seed, context)
        # Judged given the forward's own mask: any reading of its cache that gives its A2, or where none
        # does (a forward bug, which costs its own part), the cache's first stored mask.
        candidates = reproducing or readings[:-1][:1]
        if not candidates:
            raise AssertionError(f"the forward pass's cache holds no dropout mask{at} (neither the mask nor the "
                                 f"activation after dropout), so backward cannot use it{context}")
        grads = implementation(lambda: runner.call("backward", X=X, Y=Y, keep_prob=scenario.keep_prob,
                                                   lambd=scenario.lambd), context)
        if not isinstance(grads, dict):
            raise AssertionError(f"backward did not return a dict of gradients{context}")
        failures = []
        for keep in candidates:
            _, _, expected = torch_reference(X, Y, parameters, keep, scenario.keep_prob, scenario.lambd)
            try:
                for name in PARAMETERS:
                    assert_close(grads.get(name), expected[name], quantity=f"d{name}{at}, given the mask in your cache",
                                 tolerance=tolerances.ASSIGNMENT, context=context)
                break
            except AssertionError as error:
                failures.append(error)
        else:
            raise failures[0]
        _tally(tally, reproducing, scenario.keep_prob)
        # The harness takes the step itself, with the reference's gradients: the update has its own part.
        parameters = {name: parameters[name] - scenario.learning_rate * expected[name] for name in PARAMETERS}


def backward_matches_torch(runner, settings):
    """dW1, db1, dW2, db2 of the regularized cost through the forward pass's own mask (tanh' from the
    activation before dropout, dW gaining lambd / m W), over 1-3 steps of training. Credited only
    where the forward pass draws genuine masks (else any backward agrees with torch replaying them)."""
    tally = statistics.MaskTally()
    for_all(net_scenarios(steps=st.integers(1, 3)), settings,
            _tallied(lambda scenario, t: _backward_example(runner, scenario, t), tally), examples=DESIGNED)
    degenerate = tally.degenerate()
    if degenerate:
        raise AssertionError(f"Backward with dropout earns credit only where the forward pass draws genuine masks, "
                             f"and over this check's scenarios {degenerate}. Fix the forward pass first: "
                             f"'Forward with dropout' says what is wrong.")


# ---- Parameter update ------------------------------------------------------------------------------

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
    for_all(net_scenarios(steps=st.integers(1, 3)), settings, lambda scenario: _update_example(runner, scenario),
            examples=DESIGNED)


# ---- The parts -------------------------------------------------------------------------------------

def sample_masks(runner, p, shape, calls, seed, instances=1):
    """(None, keep): keep masks (instances, calls, N, D) of forward passes with keep_prob = 1 - p on
    study_net(shape, seed), N examples and D hidden units, each read from its cache on this side (the
    reading that reproduces its A2), through the same task, one pass a request, as every other check's
    (a submission cannot tell a study's pass from a scenario's by where it comes from); NumPy's
    global RNG seeded before each pass from `seed`."""
    X, parameters = study_net(shape, seed)
    seeds = np.random.default_rng((seed, 0x5A3)).integers(0, 2**32, (calls, instances))
    keep = np.empty((instances, calls, *shape), dtype=bool)
    for call in range(calls):
        for instance in range(instances):
            _, _, reproducing = _forward_pass(runner, X, parameters, 1.0 - p, int(seeds[call, instance]), "")
            if not reproducing:
                raise AssertionError("the forward pass's A2 is not sigmoid(W2 (A1 * D / keep_prob) + b2) for any mask "
                                     "its cache holds: 'A2 matches torch' in this part says what differs")
            keep[instance, call] = reproducing[0].T
    return None, keep


def replay_mask_study(name, module, p, shape, seed, calls=None):
    """Run the mask study called `name` on `module`, the student's two_layer_net imported here."""
    run_study(InProcessRunner(loaded(module), sys.modules[__name__]), name, p, shape, seed, calls,
              study_pre_activations, sample_masks)


def _mask_study_replay(study, p, shape, seed, scale):
    arguments = mask_studies.replay_arguments(study, p, shape, seed, scale).replace(", p=", ", two_layer_net, p=", 1)
    return (f"from reference.assignments.two_layer import replay_mask_study; import two_layer_net; "
            f"replay_mask_study({arguments})  # p = 1 - keep_prob; shape = (m, n_h)")


# A forward pass's cache crosses to this side whole (several arrays the size of the mask): the studies'
# masks are at most 1/64 of their full size (15,625 elements for the largest), within the wire's cap.
MAX_STUDY_SCALE = 1 / 64

# Every study but the scaling one: the forward pass's A2 shows the scale (forward_matches_torch).
STUDIES = tuple(study for study in mask_studies.STUDIES if study.name != "every kept output is scaled by 1/(1-p)")
PARTS = (
    Part("Forward with dropout", 1.0, (
        Check("A2 matches torch with the mask the forward pass drew", forward_matches_torch, bounds=1),
        *mask_study_checks(_mask_study_replay, STUDIES, study_pre_activations, sample_masks, MAX_STUDY_SCALE),
    )),
    Part("Regularized cost", 0.5, (
        Check("the regularized cost matches torch", cost_matches_torch),
    )),
    Part("Backward with dropout", 1.0, (
        Check("gradients match torch through the forward pass's mask", backward_matches_torch, bounds=2),
    )),
    Part("Parameter update", 0.5, (
        Check("updates match W - learning_rate * dW", update_matches),
    )),
)
FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
