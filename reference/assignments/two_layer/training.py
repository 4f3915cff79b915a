"""Training as the seeds' model() runs it (the worker's task "train"): NumPy's global RNG seeded once, then
forward, cost, backward and update in a loop, each handed the very objects the last one returned, the
same X every iteration, nothing reseeded or copied. Every other check hands the functions fresh copies
and reseeds before each pass; a function that behaves only while so graded (drops only on batches of
the grader's sizes, stops dropping once the parameters are those its own update returned, or once the
RNG or X is where its last call left it; an update that stops updating) shows here.

The replies are claims. Iteration i's mask is read from its cache and believed only where it reproduces
its A2 (cache_masks.keep_masks, ForwardPass.observed) given the parameters the forward was handed: the
trusted side's own at iteration 1, after that those update_parameters returned at the iteration before
(as reported). Those are validated, each function charged for its own step: the gradients must be the
contract's (cache_masks.contract_gradients) given the believed mask at those parameters ('Backward with
dropout'), the parameters returned must be parameters - learning_rate * those gradients ('Parameter
update'), so that together the run's parameters evolve as the contract says. The masks, pooled over
every run, are judged by TrainingEvidence's bounds ('Forward with dropout').

The runs are made once per grading (the first of the three checks to run notes what it found,
reference.grading.parts.note_fact; a check run alone makes them itself)."""
import math
from dataclasses import dataclass

import numpy as np

from ...core import statistics, tolerances
from ...core.comparator import assert_close
from ...grading.parts import fact, implementation, note_fact
from .agreements import _Pairs, _Repeats, _agreements_bound
from .cache_masks import contract_gradients, keep_masks
from .observed import ForwardPass
from .scenarios import net_arrays
from .worker import FUNCTIONS, PARAMETERS


@dataclass(frozen=True)
class TrainingRun:
    """Plain data: sizes, keep_prob, lambd, learning rate, iterations, the seed of X, Y and the initial
    parameters (scenarios.net_arrays) and of NumPy's global RNG (seeded once), the weights' scale."""
    n_x: int
    n_h: int
    m: int
    keep_prob: float
    lambd: float
    learning_rate: float
    iterations: int
    seed: int
    weight_scale: float

    def describe(self):
        return (f"a training run of {self.iterations} iterations on X ({self.n_x}, {self.m}), {self.n_h} hidden "
                f"units, keep_prob={self.keep_prob:g}, lambd={self.lambd:g}, learning_rate={self.learning_rate:g}, "
                f"weights ~ {self.weight_scale:g} N(0, 1), np.random.seed({self.seed}) once")


def draw_training_run(seed):
    """The TrainingRun of `seed`: 2 inputs (or 1-4, one run in 4), 1-20 hidden units, 1-32, 33-128 or
    129-256 examples (a third each), 10-30 iterations, keep_prob in [0.5, 0.95], lambd 0 (1 in 4) or in
    [0, 1], learning rate in [0.05, 1], weights of scale 0.5 or 1.5 (where the hidden layer shows in A2)."""
    rng = np.random.default_rng((seed, 0x7EA1))
    n_x = int(rng.integers(1, 5)) if rng.random() < 0.25 else 2
    n_h = int(rng.integers(1, 21))
    m = int(rng.integers(*((1, 33), (33, 129), (129, 257))[int(rng.integers(3))]))
    keep_prob = float(rng.uniform(0.5, 0.95))
    lambd = 0.0 if rng.random() < 0.25 else float(rng.uniform(0.0, 1.0))
    learning_rate, iterations = float(rng.uniform(0.05, 1.0)), int(rng.integers(10, 31))
    weight_scale = float((0.5, 1.5)[int(rng.integers(2))])
    return TrainingRun(n_x=n_x, n_h=n_h, m=m, keep_prob=keep_prob, lambd=lambd, learning_rate=learning_rate,
                       iterations=iterations, seed=int(seed), weight_scale=weight_scale)


# The runs of every grading (the same ones: a grade never depends on the run): one as the seeds train (X (2,
# 200), keep_prob 0.86, lambd 0.7, learning rate 0.3), TRAINING_RUNS - 3 drawn, and two long ones (LONG_ITERATIONS
# on a small batch: a forward honest for the first 30 calls of a loop shows there).
TRAINING_RUNS, LONG_ITERATIONS = 24, 100
RUNS = (TrainingRun(2, 20, 200, 0.86, 0.7, 0.3, 30, 3, 1.5),
        *(draw_training_run(int(seed)) for seed in np.random.default_rng(0x7EA1_5EED).integers(0, 2**31, TRAINING_RUNS - 3)),
        TrainingRun(2, 6, 48, 0.7, 0.2, 0.5, LONG_ITERATIONS, 4, 1.5),
        TrainingRun(3, 10, 40, 0.9, 0.0, 0.1, LONG_ITERATIONS, 5, 0.5))


def _replay(run, part):
    return (f"\nIn {run.describe()}.\nReplay: from reference.assignments.two_layer import *; import two_layer_net; "
            f"replay_training({part!r}, {run!r}, two_layer_net)")


def _close(actual, expected, quantity, context):
    """assert_close at the assignment's tolerance, after a quick test that passes what it would pass."""
    if (isinstance(actual, np.ndarray) and actual.dtype.kind == "f" and actual.shape == expected.shape
            and np.all(np.abs(actual - expected) <= tolerances.ASSIGNMENT.atol_for(expected)
                       + tolerances.ASSIGNMENT.rtol * np.abs(expected))):
        return
    assert_close(actual, expected, quantity=quantity, tolerance=tolerances.ASSIGNMENT, context=context)


def _usable(parameters, run):
    """The parameters a forward was handed, if the trusted side can compute with them: W1 (n_h, n_x),
    W2 (1, n_h), b1 broadcasting to (n_h, m), b2 a single number, all finite; else None."""
    if not isinstance(parameters, dict) or not all(isinstance(parameters.get(name), np.ndarray) for name in PARAMETERS):
        return None
    W1, b1, W2, b2 = (parameters[name] for name in PARAMETERS)
    if W1.shape != (run.n_h, run.n_x) or W2.shape != (1, run.n_h) or b2.size != 1 or b1.ndim != 2:
        return None
    if b1.shape[0] not in (1, run.n_h) or b1.shape[1] not in (1, run.m):
        return None
    if not all(np.isfinite(value).all() for value in (W1, b1, W2, b2)):
        return None
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2.reshape(1, 1)}


# Groups of the observed hidden activations whose fraction dropped is tested on its own: (label, test).
GROUPS = (
    ("every training iteration", lambda run, i: True),
    ("iteration 1 of a run", lambda run, i: i == 0),
    ("iteration 2 of a run", lambda run, i: i == 1),
    ("iterations 3-5 of a run", lambda run, i: 2 <= i < 5),
    ("iterations 6-10 of a run", lambda run, i: 5 <= i < 10),
    ("iterations 11-20 of a run", lambda run, i: 10 <= i < 20),
    ("iterations 21-30 of a run", lambda run, i: 20 <= i < 30),
    ("iterations 31 and later of a run", lambda run, i: i >= 30),
    ("runs of 1-32 examples", lambda run, i: run.m <= 32),
    ("runs of 33-128 examples", lambda run, i: 32 < run.m <= 128),
    ("runs of 129 examples or more", lambda run, i: run.m > 128),
    ("runs of 1-10 hidden units", lambda run, i: run.n_h <= 10),
    ("runs of 11-20 hidden units", lambda run, i: run.n_h > 10),
    ("runs with keep_prob below 0.75", lambda run, i: run.keep_prob < 0.75),
    ("runs with keep_prob 0.75 or more", lambda run, i: run.keep_prob >= 0.75),
)


class TrainingEvidence:
    """The masks of every training iteration, where observed (ForwardPass.observed), judged by BOUNDS bounds:
    1. the fraction dropped is 1 - keep_prob in every group of GROUPS (every iteration; iteration 1, 2, 3-5,
       6-10, 11-20, 21-30, 31+; each range of batch sizes, hidden units and keep_prob), FALSE_ALARM split among
       the groups (Hoeffding's bound each);
    2. the masks of two iterations in a row agree (both kept or both dropped) as often as independent draws
       do: pairs (1, 2), (3, 4), ... and (2, 3), (4, 5), ... (a mask reused, or made from the last);
    3. no two iterations of one run, however far apart, have the same mask (agreements._Repeats).
    Each fails closed: evidence too small for it fails it, saying so."""
    BOUNDS = 3

    def __init__(self):
        self.groups = np.zeros((3, len(GROUPS)))  # activations observed, dropped - p summed, p summed
        self.pairs = (_Pairs("iterations 1 and 2, 3 and 4, ... of a run"),
                      _Pairs("iterations 2 and 3, 4 and 5, ... of a run"))
        self.repeats = _Repeats()
        self.iterations = self.shown = 0
        self.reached = np.zeros(len(GROUPS))  # iterations of each group that a run reached
        self.successive = 0  # runs that reached two iterations or more

    def add_run(self, run, passes):
        """passes: the ForwardPass of each iteration of `run` whose mask was believed, None for the others; as
        many as the run could reach (fewer than its iterations where handed parameters no forward can use)."""
        p = 1.0 - run.keep_prob
        masks = []
        self.successive += len(passes) >= 2
        for index, forward in enumerate(passes):
            self.iterations += 1
            self.reached += [bool(member(run, index)) for _, member in GROUPS]
            if forward is None or forward.keep is None:
                masks.append(None)
                continue
            observed = forward.observed()
            masks.append((forward.keep, observed))
            count = float(observed.sum())
            self.shown += int(count)
            dropped = float(np.count_nonzero(~forward.keep[observed]))
            for group, (_, member) in enumerate(GROUPS):
                if member(run, index):
                    self.groups[:, group] += (count, dropped - count * p, count * p)
        for index in range(len(masks) - 1):
            first, second = masks[index], masks[index + 1]
            if first is not None and second is not None:
                both = first[1] & second[1]
                self.pairs[index % 2].add(first[0][both], second[0][both], p, p)
        self.repeats.add(run, masks)

    def judge(self, what="in training"):
        """Every bound: raises AssertionError naming the one farthest beyond its radius, and the others."""
        statistics.bounds_evaluated += 1
        if not self.shown:
            raise AssertionError(
                f"{what}: no hidden activation could be observed in {self.iterations} training iterations, too few "
                f"to show that the masks are genuine. The grader reads each mask from the forward pass's cache and "
                f"believes it only where it reproduces the forward's own A2 = sigmoid(W2 (A1 * D / keep_prob) + b2), "
                f"A1 = tanh(W1 X + b1) from the parameters the forward was handed: check that "
                f"forward_propagation_with_dropout returns A2 of shape (1, m) and a cache holding the mask it applied")
        fresh = ("Draw a fresh mask at every call, in training as anywhere: a mask kept from the last call (when X, "
                 "the parameters or NumPy's random state look like a training loop's) shows here.")
        # A bound whose iterations no run could reach (each ended, handed parameters no forward can use) is not
        # judged: those iterations happen in no training loop. Any run reaching them must show them.
        results = (
            self._judge_groups(what),
            _agreements_bound([cell for tally in self.pairs for cell in tally.cells(1 / 2)],
                              f"{what}, the masks of two iterations in a row", fresh, self.successive > 0),
            self.repeats.judge(f"{what}, the masks of one training run", self.successive > 0))
        failures = sorted((result for result in results if result), key=lambda failure: -failure[0])
        if failures:
            others = len(failures) - 1
            raise AssertionError(failures[0][1] + (f"\n({others} more of this check's bounds failed too.)"
                                                   if others else ""))

    def _judge_groups(self, what):
        counts, deviations, probabilities = self.groups
        log_term = math.log(2.0 * len(GROUPS) / statistics.FALSE_ALARM)
        worst = None
        for group, (label, _) in enumerate(GROUPS):
            count = counts[group]
            if not self.reached[group]:
                continue
            radius = math.sqrt(log_term / (2.0 * count)) if count else math.inf
            mean_p = probabilities[group] / count if count else 0.5
            if not radius < min(mean_p, 1.0 - mean_p):
                raise AssertionError(
                    f"{what}, among {label}: only {int(count)} hidden activations could be observed, too few to tell "
                    f"a forward that never drops there from a correct one")
            excess = abs(deviations[group] / count) / radius
            if excess > 1.0 and (worst is None or excess > worst[0]):
                rate = mean_p + deviations[group] / count
                worst = (excess, (
                    f"{what}, among {label}: {rate:.4f} of {int(count)} hidden activations were dropped where "
                    f"1 - keep_prob asks for {mean_p:.4f} +/- {radius:.4f} (a correct forward lands outside this in "
                    f"any of the {len(GROUPS)} groups tested with probability < {statistics.FALSE_ALARM:g}). Keep "
                    f"each activation with probability keep_prob at every call, as a training loop makes them: "
                    f"whatever the batch's size, the iteration, and wherever the parameters and X come from."))
        return worst


@dataclass
class Trained:
    """What the training runs showed, per part: the first failure's message ("" when none) and how many
    iterations each function was judged on."""
    forward: str = ""
    backward: str = ""
    update: str = ""
    judged_backward: int = 0
    judged_update: int = 0


def _examine(runner, run, evidence, trained):
    """One training run through the worker, its reply validated, its findings added to `trained` (the first
    failure of each part) and its masks to `evidence`."""
    X, Y, parameters = net_arrays(run)
    reply = implementation(lambda: runner.call(
        "train", X=X, Y=Y, parameters=parameters, keep_prob=run.keep_prob, lambd=run.lambd,
        learning_rate=run.learning_rate, iterations=run.iterations, seed=run.seed), _replay(run, "forward"))
    records = reply.get("records") if isinstance(reply, dict) else None
    if not isinstance(records, list) or len(records) > run.iterations or not isinstance(reply.get("raised"), str):
        message = f"the training loop's reply is not what the worker sends{_replay(run, 'forward')}"
        trained.forward = trained.forward or message
        trained.backward = trained.backward or message
        trained.update = trained.update or message
        return
    raised, error = reply["raised"], reply.get("error")
    passes, returned, reachable = [], None, run.iterations
    for index, record in enumerate(records):
        at = f" at iteration {index + 1} of {run.iterations}"
        if parameters is None or not isinstance(record, dict):
            break  # handed parameters this side cannot compute with: the function that returned them is charged
        A2 = record.get("A2")
        arrays = [array for array in record.get("cache") or [] if isinstance(array, np.ndarray)]
        A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])
        if not isinstance(A2, np.ndarray) or A2.shape != (1, run.m):
            shape = getattr(A2, "shape", None)
            trained.forward = trained.forward or (
                f"A2 must be an array of shape (1, m) = (1, {run.m}){at}, the forward pass returned "
                f"{'no array' if shape is None else f'shape {shape}'}{_replay(run, 'forward')}")
            break
        readings, reproducing, tolerance = keep_masks(arrays, A1, A2, run.keep_prob, parameters)
        if not reproducing:
            trained.forward = trained.forward or (
                f"A2{at} is not sigmoid(W2 (A1 * D / keep_prob) + b2) for any mask D your cache holds, A1 = tanh(W1 X "
                f"+ b1), with the parameters update_parameters returned at the iteration before{_replay(run, 'forward')}")
            break
        forward = ForwardPass(parameters, run.keep_prob, A1, A2, readings, reproducing, tolerance, "")
        passes.append(forward)
        if "grads" not in record:
            break
        # Backward: the contract's gradients given the believed mask (or the first one stored, as the backward
        # check allows) at the parameters the forward was handed.
        grads = record["grads"] if isinstance(record["grads"], dict) else {}
        candidates = list(reproducing) + [keep for keep in readings[:-1][:1]
                                          if not any(np.array_equal(keep, other) for other in reproducing)]
        failures = []
        for keep in candidates:
            expected = contract_gradients(X, Y, parameters, keep, run.keep_prob, run.lambd)
            try:
                for name in PARAMETERS:
                    _close(grads.get(name), expected[name], f"d{name}{at} (computed with the mask your cache holds)",
                           _replay(run, "backward"))
                break
            except AssertionError as failure:
                failures.append(failure)
        else:
            trained.backward = trained.backward or str(failures[0])
        trained.judged_backward += 1
        if "parameters" not in record:
            break
        # Update: the parameters returned are those handed to it minus learning_rate times the gradients.
        returned = record["parameters"] if isinstance(record["parameters"], dict) else {}
        step = {name: parameters[name] - run.learning_rate * grads[name] for name in PARAMETERS
                if isinstance(grads.get(name), np.ndarray)}
        try:
            for name in step:
                _close(returned.get(name), step[name], f"{name} returned by update_parameters{at} (W - "
                       f"learning_rate * dW, the gradients backward returned)", _replay(run, "update"))
        except AssertionError as failure:
            trained.update = trained.update or str(failure)
        trained.judged_update += len(step) == len(PARAMETERS)
        parameters = _usable(returned, run)
    if raised:
        part = {FUNCTIONS[0]: "forward", FUNCTIONS[2]: "backward", FUNCTIONS[3]: "update"}.get(raised, "forward")
        if part == "forward" and parameters is None and _no_forward_can_use(returned, X):
            # handed parameters no forward pass can compute with (b1 of the wrong shape, say): backward or
            # update_parameters made them, and their own checks say so. Any forward raises here, in a notebook's
            # loop too: the run ends, and what the forward did in it is judged
            raised, reachable = "", len(records)
    if raised:
        message = (f"{raised} raised {error} at iteration {len(records) + (part == 'forward')} of {run.iterations} "
                   f"of training{_replay(run, part)}")
        setattr(trained, part, getattr(trained, part) or message)
    evidence.add_run(run, passes + [None] * (reachable - len(passes)))


def _no_forward_can_use(parameters, X):
    """Whether tanh(W1 X + b1), then W2 A1 + b2, cannot be computed with these parameters at all (shapes that do
    not broadcast): every forward pass raises given them."""
    if not isinstance(parameters, dict) or not all(isinstance(parameters.get(name), np.ndarray) for name in PARAMETERS):
        return False
    W1, b1, W2, b2 = (parameters[name] for name in PARAMETERS)
    try:
        with np.errstate(all="ignore"):
            W2 @ np.tanh(W1 @ X + b1) + b2
    except ValueError:
        return True
    return False


TRAINED = "two_layer.trained"  # the fact under which a grading keeps what its training runs showed


def train_runs(runner, runs, judge=True):
    """Trained: what `runs` showed on `runner` (the pooled bounds judged if `judge`, as grading judges RUNS)."""
    found, evidence = Trained(), TrainingEvidence()
    for run in runs:
        _examine(runner, run, evidence, found)
    if judge and not found.forward:
        try:
            evidence.judge(f"in training as model() runs it, over {len(runs)} runs")
        except AssertionError as error:
            found.forward = (f"{error}\nReplay: from reference.assignments.two_layer import *; "
                             f"import two_layer_net; replay_training('forward', None, two_layer_net)")
    return found


def trained(runner):
    """Trained: what RUNS showed on `runner`, made once per grading (note_fact) and then looked up."""
    found = fact(runner, TRAINED)
    if found is None:
        found = train_runs(runner, RUNS)
        note_fact(runner, TRAINED, found)
    return found


def forward_in_training(runner, settings):
    """In training as the seeds' model() runs it, every A2 is the contract's with a mask its cache holds, and
    over every run the masks drop 1 - keep_prob, at every iteration and batch size, fresh at every call
    (TrainingEvidence)."""
    found = trained(runner)
    if found.forward:
        raise AssertionError(found.forward)


def backward_in_training(runner, settings):
    """In training, the gradients backward returns are the contract's given the forward's mask at the
    parameters of that iteration. Judged where the loop reached backward (a forward that raises stops it,
    and its own part charges that)."""
    found = trained(runner)
    if found.backward:
        raise AssertionError(found.backward)


def update_in_training(runner, settings):
    """In training, update_parameters returns the parameters it was handed minus learning_rate times the
    gradients backward returned, at every iteration. Judged where the loop reached the update."""
    found = trained(runner)
    if found.update:
        raise AssertionError(found.update)
