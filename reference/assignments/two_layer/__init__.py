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
update 0.5.

Evidence is this side's. A forward pass's mask is read from the cache it returns (a keep or drop
mask, boolean, 0/1 or scaled by 1/keep_prob, per element or per unit, or the post-dropout
activation): a claim, believed only where it reproduces the forward's own A2 (a plain reply)
through A2 = sigmoid(W2 (A1 * D / keep_prob) + b2), A1 = tanh(W1 X + b1) computed here from the
parameters this side set, and only for the hidden activations whose keep or drop A2 shows
(`informative`: decided from those values alone, so which activations count never depends on the
mask). Whatever cannot be observed counts as unobserved, never as kept; a check whose evidence is
too small for its bound fails, saying what could not be observed.

Calls nobody can tell apart. Every forward pass of every check is drawn from one distribution
(`draw_scenario`: 1-4 inputs, 1-10 hidden units, 1-32 examples, b1 drawn, fresh values; 1-3 passes
on the same X, the harness updating the parameters in between, as in training) and goes through
the one task "forward". There are no separate mask studies: every pass of the forward check counts
toward its pooled statistics (Evidence: the fraction dropped, in every unit, example, value range,
keep_prob, shape and pass; the number dropped per pass; agreements within a mask at every offset;
between the passes on one input and between passes of one shape), so a forward that misbehaves on
any share of the calls worth the name fails, whatever it conditions on.

Backward is judged against the contract's gradient given the forward's own mask, so a forward bug
(say, no 1/keep_prob) does not cost the backward part as well; it earns credit only where the
forward's masks, observed as above, are genuine (else it fails closed, pointing at the forward).
The update is judged on drawn gradients.
"""
import itertools
import math
import sys
from collections import Counter
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from ...core import statistics, tolerances
from ...core.comparator import assert_close
from ...core.properties import FailingExample, for_all
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from ...sandbox.runners import InProcessRunner
from .worker import TASKS, load_submission  # noqa: F401 - the worker half, also run in process
from .worker import PARAMETERS, Loaded, loaded

NAME = "two-layer"
SUBMISSION = "two_layer_net.py at the top"
SEEDS = st.integers(0, 2**32 - 1)

# ---- Shared by both halves: the net's numbers and reading a mask from a cache -----------------------

def sigmoid(z):
    with np.errstate(over="ignore"):  # exp(-z) = inf where z < -709: the sigmoid is 0 there, as it should be
        return 1.0 / (1.0 + np.exp(-z))


def hidden_activation(X, parameters):
    """A1 = tanh(W1 X + b1), (n_h, m), before dropout."""
    return np.tanh(parameters["W1"] @ X + parameters["b1"])


def output_given_mask(A1, keep, keep_prob, parameters):
    """A2 = sigmoid(W2 (A1 * keep / keep_prob) + b2), (1, m)."""
    return sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"])


CACHE_CANDIDATES = 16  # arrays of a mask's shape read from one cache (an honest one holds a handful)


def mask_readings(arrays, A1, keep_prob):
    """Candidate keep masks (bool (n_h, m)) from the cache's arrays, most explicit first: masks stored as
    0/1, booleans or 0 and 1/keep_prob (per element, or per unit (n_h, 1)), each read as a keep mask
    and as a drop mask; then arrays that are the activation after dropout, kept where not 0 (and
    equal to A1 / keep_prob there, or to A1: a forward that forgot the scale still shows its mask);
    last, nothing dropped. Without duplicates; the first CACHE_CANDIDATES arrays of the mask's shape
    only. Claims, every one: keep_masks believes those that reproduce A2."""
    shape = A1.shape
    stored, activations = [], []
    candidates = [array for array in arrays if array.shape in (shape, (shape[0], 1)) and array.size]
    for array in sorted(candidates, key=lambda array: array.shape != shape)[:CACHE_CANDIDATES]:  # per element first
        values = np.asarray(array, dtype=np.float64)
        if not np.isfinite(values).all():
            continue
        full = np.broadcast_to(values, shape)
        kept = full != 0
        nonzero = full[kept]
        if np.all(nonzero == 1) or np.all(np.abs(nonzero - 1 / keep_prob) <= 1e-6 / keep_prob):
            stored += [kept, ~kept]
        elif array.shape == shape and any(_near(nonzero, A1[kept] * scale) for scale in (1 / keep_prob, 1.0)):
            activations.append(kept)  # float32's rounding too
    readings, seen = [], set()
    for keep in stored + activations + [np.ones(shape, dtype=bool)]:
        key = np.packbits(keep).tobytes()
        if key not in seen:
            seen.add(key)
            readings.append(keep)
    return readings


def _near(actual, expected, rtol=1e-3, atol=1e-6):
    """np.allclose(actual, expected, rtol, atol), faster on the small arrays of a cache."""
    return bool(np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


# A reading of the cache reproduces the forward's A2 when they agree to float32's precision or so (a
# correct forward in float32 included); only if none does, to the assignment's tolerance.
EXACT, ASSIGNMENT_TOLERANCE = (1e-5, 1e-7), (5e-3, 1e-3)


def keep_masks(arrays, A1, A2, keep_prob, parameters):
    """(readings, reproducing, tolerance) for a forward pass: the readings of its cache's `arrays`
    (mask_readings), those with which the contract's forward gives its A2 (every example within
    `tolerance`: EXACT, else ASSIGNMENT_TOLERANCE; None when none does). More than one reproduces
    only where A2 cannot tell them apart."""
    readings = mask_readings(arrays, A1, keep_prob)
    A2 = np.asarray(A2, dtype=np.float64)
    if A2.shape != (1, A1.shape[1]):
        return readings, [], None
    if not np.isfinite(A2).all():
        return readings, [], None
    outputs = output_given_mask(A1, np.stack(readings), keep_prob, parameters)  # (readings, 1, m)
    for rtol, atol in (EXACT, ASSIGNMENT_TOLERANCE):
        close = np.all(np.abs(A2 - outputs) <= atol + rtol * np.abs(outputs), axis=(1, 2))
        if close.any():
            return readings, [keep for keep, near in zip(readings, close) if near], (rtol, atol)
    return readings, [], None


def informative(A1, parameters, keep_prob, tolerance):
    """bool (n_h, m): the hidden activations whose keep or drop A2 shows whatever the mask, decided from
    the values this side set alone (so which activations count never depends on the mask drawn).

    Activation i of example j adds c_ij = W2_i A1_ij / keep_prob to that example's Z2 when kept. Two
    masks of the example whose Z2 differ by d give outputs at least |d| * s apart, s the smallest
    slope of the sigmoid over every Z2 a mask of the example can give; two outputs within `tolerance`
    (rtol, atol) of one A2 are at most 2 atol + 2 rtol sigmoid(max Z2) apart. So activation i is
    shown when neither flipping it alone (d = c_ij) nor flipping it with any one other unit k of its
    example (d = c_ij +/- c_kj) can hide in that: a reading that reproduces A2 has it right. (Three
    or more units that cancel to within ~1e-5 are not excluded: a forward cannot use such
    coincidences to hide a wrong mask but in a few examples.)"""
    rtol, atol = tolerance
    c = parameters["W2"].reshape(-1, 1) * A1 / keep_prob
    b2 = float(np.asarray(parameters["b2"]).reshape(-1)[0])
    low, high = b2 + np.minimum(c, 0.0).sum(axis=0), b2 + np.maximum(c, 0.0).sum(axis=0)
    slope = np.minimum(sigmoid(low) * (1.0 - sigmoid(low)), sigmoid(high) * (1.0 - sigmoid(high)))
    with np.errstate(divide="ignore", over="ignore"):
        hidden = (2.0 * atol + 2.0 * rtol * sigmoid(high)) / slope  # the change of Z2 two such outputs may hide
    shown = np.abs(c) > hidden
    for unit in range(c.shape[0]):
        confused = (np.abs(c + c[unit]) <= hidden) | (np.abs(c - c[unit]) <= hidden)
        confused[unit] = False
        shown &= ~confused
    return shown


def contract_gradients(X, Y, parameters, keep, keep_prob, lambd):
    """{W1, b1, W2, b2}: the gradients of the contract's regularized cost given the keep mask (NumPy, for
    the steps the harness takes itself between forward passes; torch_reference is the mirror checks
    compare with)."""
    m = X.shape[1]
    A1 = hidden_activation(X, parameters)
    dropped = A1 * keep / keep_prob
    dZ2 = (sigmoid(parameters["W2"] @ dropped + parameters["b2"]) - Y) / m
    dZ1 = (parameters["W2"].T @ dZ2) * keep / keep_prob * (1.0 - A1 ** 2)
    return {"W1": dZ1 @ X.T + lambd / m * parameters["W1"], "b1": dZ1.sum(axis=1, keepdims=True),
            "W2": dZ2 @ dropped.T + lambd / m * parameters["W2"], "b2": dZ2.sum(axis=1, keepdims=True)}


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


# ---- Scenarios: one distribution for every call ----------------------------------------------------

@dataclass(frozen=True)
class NetScenario:
    """Plain data: sizes, keep_prob, lambd, learning rate, steps (forward passes on the same X, or
    updates), a seed for every array (X, Y and the parameters, drawn by net_arrays) and the scale of
    the weights."""
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


WEIGHT_SCALES = (0.01, 0.5, 1.5)  # the seeds' 0.01, and weights that make the hidden layer matter
# A training run on one batch, as the notebooks' loops are, 1 scenario in LONG_SHARE: a mask that comes back
# after some passes (a ring of masks kept per shape and keep_prob) shows within it.
LONG_SHARE, LONG_STEPS = 32, (10, 15)


def draw_scenario(seed):
    """The NetScenario of `seed`, every field drawn from a Generator seeded by it: 1-4 inputs, 1-10
    hidden units, 1-32 examples, keep_prob 1 (a pass in 7) or in [0.05, 0.95], lambd 0 (1 in 4) or in
    [0, 2], learning rate in [0.01, 1], 1-3 steps (LONG_STEPS, a training run on one batch, 1 in
    LONG_SHARE), weights of scale 0.01, 0.5 or 1.5. Every check draws its calls here (hypothesis draws
    the seed), so no call differs from another in kind."""
    rng = np.random.default_rng((seed, 0x5CE7))
    n_x, n_h, m = int(rng.integers(1, 5)), int(rng.integers(1, 11)), int(rng.integers(1, 33))
    keep_prob = 1.0 if rng.random() < 1 / 7 else float(rng.uniform(0.05, 0.95))
    lambd = 0.0 if rng.random() < 0.25 else float(rng.uniform(0.0, 2.0))
    learning_rate, steps = float(rng.uniform(0.01, 1.0)), int(rng.integers(1, 4))
    weight_scale = float(WEIGHT_SCALES[int(rng.integers(len(WEIGHT_SCALES)))])
    if rng.random() < 1 / LONG_SHARE:
        steps = int(rng.integers(*LONG_STEPS))
    return NetScenario(n_x=n_x, n_h=n_h, m=m, keep_prob=keep_prob, lambd=lambd, learning_rate=learning_rate,
                       steps=steps, seed=int(seed), weight_scale=weight_scale)


def net_scenarios():
    """NetScenarios as hypothesis draws them: a seed, the rest drawn from it (draw_scenario)."""
    return SEEDS.map(draw_scenario)


def pass_seed(seed, step):
    """The seed of NumPy's global RNG for pass `step` of the scenario of `seed` (a hash of both: two
    passes never share a stream, as consecutive integers would across scenarios)."""
    return int(np.random.SeedSequence((seed, step, 0x9A55)).generate_state(1)[0])


# Run first under every profile: typical sizes, keep_prob and lambd, each weight scale.
DESIGNED = (*(NetScenario(2, 5, 16, keep, lambd, 0.5, 3, seed, scale) for keep, lambd, seed, scale in (
    (0.7, 0.7, 1, 0.5), (0.5, 0.0, 2, 1.5), (0.86, 1.5, 3, 0.01), (1.0, 0.3, 4, 0.5))),
    NetScenario(3, 10, 32, 0.6, 0.0, 0.05, 14, 5, 1.5))  # and a training run: fourteen passes on one batch


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
    """Run one graded example of `check` ("forward", "cost", "backward" or "update") on `module`, the
    student's two_layer_net imported in this process; raises AssertionError as grading does."""
    runner = InProcessRunner(loaded(module), sys.modules[__name__])
    example = globals().get(f"_{check}_example")
    if example is None:
        raise ValueError(f"no graded check is called {check!r}")
    example(runner, scenario, {"forward": Evidence, "backward": _Tally}.get(check, lambda: None)())


def _once_per_draw(example, tally):
    """A for_all body: example(scenario, tally), counting each draw once (the same seed draws the same
    masks from NumPy's global RNG, which are not independent of the first's): a repeat counts nowhere."""
    seen = set()

    def body(scenario):
        fresh = scenario.seed not in seen
        seen.add(scenario.seed)
        example(scenario, tally if fresh else None)
    body.seen = seen
    return body


# ---- A forward pass, as this side observes it --------------------------------------------------------

@dataclass
class ForwardPass:
    """One forward pass: the values this side set (parameters, keep_prob) and computed (A1), the reply's
    A2, the readings of its cache (mask_readings) and those that reproduce A2 at `tolerance`
    (keep_masks); `problem`, why no reading could be believed ("" when one is)."""
    parameters: dict
    keep_prob: float
    A1: np.ndarray
    A2: object
    readings: list
    reproducing: list
    tolerance: tuple | None
    problem: str

    @property
    def keep(self):
        """The mask believed (bool (n_h, m)), or None."""
        return self.reproducing[0] if self.reproducing else None

    def observed(self):
        """bool (n_h, m): where this side knows whether the activation was kept: A2 shows it (informative)
        and every reading that reproduces A2 agrees on it. Nothing where no reading reproduces A2."""
        if not self.reproducing:
            return np.zeros(self.A1.shape, dtype=bool)
        shown = informative(self.A1, self.parameters, self.keep_prob, self.tolerance)
        for other in self.reproducing[1:]:
            shown &= other == self.reproducing[0]
        return shown


A2_SHAPE = "A2 must be an array of shape (1, m)"


def _forward_pass(runner, X, parameters, keep_prob, seed, context):
    """The ForwardPass of the submission's forward on X with `parameters` (NumPy's global RNG seeded by
    `seed` in the worker, as for every pass)."""
    reply = implementation(lambda: runner.call("forward", X=X, parameters=parameters, keep_prob=keep_prob,
                                               seed=seed), context)
    if not isinstance(reply, dict) or not isinstance(reply.get("cache"), list):
        raise AssertionError(f"the forward pass did not return (A2, cache){context}")
    A2, m = reply.get("A2"), X.shape[1]
    A1 = hidden_activation(X, parameters)
    arrays = [array for array in reply["cache"] if isinstance(array, np.ndarray)]
    readings, reproducing, tolerance = keep_masks(arrays, A1, A2 if isinstance(A2, np.ndarray) else np.full(
        (1, m), np.nan), keep_prob, parameters)
    if not isinstance(A2, np.ndarray):
        problem = f"{A2_SHAPE}, the forward pass returned {type(A2).__name__}"
    elif A2.shape != (1, m):
        shown = {(m,): "(m,)", (m, 1): "(m, 1)", (): "()"}.get(A2.shape, str(A2.shape))
        problem = f"{A2_SHAPE}, the forward pass returned shape {shown}"
    elif not reproducing:
        problem = "A2 is not sigmoid(W2 (A1 * D / keep_prob) + b2) for any mask D the cache holds"
    else:
        problem = ""
    return ForwardPass(parameters, keep_prob, A1, A2, readings, reproducing, tolerance, problem)


class _Tally(statistics.MaskTally):
    """A MaskTally of the hidden activations observed (ForwardPass.observed), and why the others were not:
    `problems`, {why a pass showed nothing: passes}; `faint`, activations whose keep or drop A2 does
    not show. Unobserved is never kept: it counts nowhere but in `unobserved`."""

    def __init__(self):
        super().__init__()
        self.problems = Counter()
        self.faint = self.coarse = 0

    def add_pass(self, forward):
        """Count the pass's observed activations (nothing at keep_prob = 1); -> its observed mask, or None."""
        p = 1.0 - forward.keep_prob
        if not 0.0 < p < 1.0:
            return None
        observed = forward.observed()
        missed = int(observed.size - observed.sum())
        self.unobserved += missed
        if forward.problem:
            self.problems[forward.problem] += 1
        else:
            self.faint += missed
            self.coarse += forward.tolerance != EXACT
        if forward.keep is not None:
            self.add(forward.keep[observed], p)
        return observed

    def unseen(self):
        """What kept activations from being observed, in words."""
        reasons = [f"{count} forward pass{'es' if count > 1 else ''}: {problem}"
                   for problem, count in self.problems.most_common(3)]
        if self.faint:
            reasons.append(f"{self.faint} activations whose keep or drop changes A2 too little to show")
        if self.coarse:
            reasons.append(f"{self.coarse} forward passes whose A2 matched their mask only within the assignment's "
                           f"tolerance, not to float32's precision: rounding that coarse hides which were dropped")
        return "; ".join(reasons) or "no forward pass with 0 < keep_prob < 1 was made"

    def shortfall(self):
        """None, or (too_little) what could not be observed and what to check, in this assignment's words."""
        if not self.too_little():
            return None
        seen = (f"only {self.total} hidden activations with 0 < keep_prob < 1 could be observed" if self.total
                else "no hidden activation with 0 < keep_prob < 1 could be observed")
        return (f"{seen} ({self.unseen()}), too few to show that the masks are genuine. The grader reads each "
                f"mask from the forward pass's cache and believes it only where it reproduces the forward's own "
                f"A2 = sigmoid(W2 (A1 * D / keep_prob) + b2), A1 = tanh(W1 X + b1) from the parameters it set: "
                f"check that forward_propagation_with_dropout returns A2 of shape (1, m) and a cache holding the "
                f"mask it applied")


# ---- Pooled statistics over every pass of a check ------------------------------------------------------

MAX_OFFSET = 320  # a scenario's mask has at most 10 x 32 elements: every offset within one
_LOG_FACTORIAL = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, 2 * MAX_OFFSET + 1)))])


def _binomial_pmf(n, p):
    """[P(K = k) for k in 0..n], K ~ Binomial(n, p), through logarithms (n up to 640)."""
    k = np.arange(n + 1)
    return np.exp(_LOG_FACTORIAL[n] - _LOG_FACTORIAL[k] - _LOG_FACTORIAL[n - k] + k * math.log(p)
                  + (n - k) * math.log1p(-p))


@dataclass
class _Cell:
    """One test of agreements: `pairs` pairs of keep/drop draws, `agreed` of them agreeing (both kept or
    both dropped), `expected` on average for independent draws; its radius at FALSE_ALARM * share, times
    `spread`; `primary`: evidence too small to tell a copied draw here fails its bound closed."""
    label: str
    pairs: float
    agreed: float
    expected: float
    spread: float
    share: float
    primary: bool
    agreeing: str = "pairs agree (both kept or both dropped)"

    def radius(self):
        if not self.pairs:
            return math.inf
        return self.spread * math.sqrt(math.log(2.0 / (statistics.FALSE_ALARM * self.share)) / (2.0 * self.pairs))


class _Pairs:
    """Disjoint pairs of keep/drop draws (no draw in two pairs: Hoeffding's bound on their agreements)."""

    def __init__(self, label):
        self.label = label
        self.pairs = self.agreed = self.expected = 0.0

    def add(self, a, b, p_a, p_b):
        """a, b: bool arrays of one shape, the pairs' draws elementwise; p: their drop probabilities."""
        self.pairs += a.size
        self.agreed += float(np.count_nonzero(a == b))
        self.expected += a.size * (p_a * p_b + (1.0 - p_a) * (1.0 - p_b))

    def cells(self, share):
        return [_Cell(self.label, self.pairs, self.agreed, self.expected, 1.0, share, True)]


class _Uniform:
    """Rows of a mask (the draws of one unit over the batch, or of one example over the units), each of two
    or more observed draws, independent: how many are uniform (all kept or all dropped), against the
    sum of p^r + (1 - p)^r, what independent draws give (Hoeffding's bound: one indicator a row)."""

    def __init__(self, label, agreeing):
        self.label, self.agreeing = label, agreeing
        self.rows = self.uniform = self.expected = 0.0

    def add(self, keep, observed, p):
        """keep, observed: bool (rows, columns); each row's observed draws."""
        size = observed.sum(axis=1)
        kept = (keep & observed).sum(axis=1)
        chosen = size >= 2
        size, kept = size[chosen], kept[chosen]
        self.rows += float(chosen.sum())
        self.uniform += float(np.count_nonzero((kept == 0) | (kept == size)))
        self.expected += float(np.sum(p ** size + (1.0 - p) ** size))

    def cells(self, share):
        return [_Cell(self.label, self.rows, self.uniform, self.expected, 1.0, share, True, self.agreeing)]


class _Offsets:
    """Pairs of keep/drop draws (a, b) at every offset s, |s| <= MAX_OFFSET, of two flattened masks: for
    each s, the pairs (a_k, b_k+s) both observed, how many agree, and how many independent draws agree
    on average (p_a p_b + (1 - p_a)(1 - p_b) each). For two different masks the pairs of one offset
    are disjoint (Hoeffding); within one mask (positive offsets only) a draw is in two pairs of an
    offset: McDiarmid's bound, twice the radius (`spread`)."""

    def __init__(self, label, spread=1.0):
        self.label, self.spread = label, spread
        self.pairs, self.agreed, self.expected = (np.zeros(2 * MAX_OFFSET + 1) for _ in range(3))

    def add(self, a, seen_a, p_a, b, seen_b, p_b):
        """a, b: bool, flattened, one length n; seen_a, seen_b: where each was observed; p: drop probabilities."""
        n = a.size
        kept_a, kept_b = (seen_a & a).astype(np.float64), (seen_b & b).astype(np.float64)
        gone_a, gone_b = (seen_a & ~a).astype(np.float64), (seen_b & ~b).astype(np.float64)
        # np.correlate(y, x, "full")[s + n - 1] = sum_k x[k] y[k + s]
        pairs = np.correlate(seen_b.astype(np.float64), seen_a.astype(np.float64), "full")
        agreed = np.correlate(kept_b, kept_a, "full") + np.correlate(gone_b, gone_a, "full")
        reach = min(n - 1, MAX_OFFSET)  # offsets beyond MAX_OFFSET (masks above 10 x 32) are left out
        pairs, agreed = pairs[n - 1 - reach:n + reach], agreed[n - 1 - reach:n + reach]
        window = slice(MAX_OFFSET - reach, MAX_OFFSET + reach + 1)
        self.pairs[window] += pairs
        self.agreed[window] += agreed
        self.expected[window] += pairs * (p_a * p_b + (1.0 - p_a) * (1.0 - p_b))

    def cells(self, share, zero_share=0.0):
        """One _Cell per offset with pairs: offset 0 (primary) at `zero_share` of FALSE_ALARM, if given,
        the others splitting `share` evenly; positive offsets only within one mask."""
        offsets = np.flatnonzero(self.pairs > 0) - MAX_OFFSET
        offsets = offsets[offsets > 0] if self.spread > 1.0 else offsets
        others = [offset for offset in offsets if offset != 0 or not zero_share]
        cells = [_Cell(f"{self.label}, at offset {offset}", self.pairs[MAX_OFFSET + offset],
                       self.agreed[MAX_OFFSET + offset], self.expected[MAX_OFFSET + offset], self.spread,
                       share / len(others), False) for offset in others]
        if zero_share:
            cells.append(_Cell(f"{self.label}, element by element", self.pairs[MAX_OFFSET], self.agreed[MAX_OFFSET],
                               self.expected[MAX_OFFSET], self.spread, zero_share, True))
        return cells


class _Repeats:
    """Pairs of passes of one scenario (every pair, however far apart) whose masks agree wherever both were
    observed: independent draws do so with probability prod (p^2 + (1 - p)^2) over those activations.
    Only pairs for which that is below RARE count, so that the chance of a correct forward repeating
    any of them stays below their number times RARE (a union bound), far below FALSE_ALARM."""
    RARE = 1e-20

    def __init__(self):
        self.pairs, self.chance, self.repeated = 0, 0.0, []

    def add(self, scenario, masks):
        """masks: (keep, observed) of each pass of `scenario` (None for a pass that showed nothing)."""
        p = 1.0 - scenario.keep_prob
        log_agree = math.log(p * p + (1.0 - p) * (1.0 - p)) if 0.0 < p < 1.0 else 0.0
        for (i, first), (j, second) in itertools.combinations(enumerate(masks), 2):
            if first is None or second is None:
                continue
            both = first[1] & second[1]
            log_chance = float(both.sum()) * log_agree
            if not log_chance < math.log(self.RARE):
                continue
            self.pairs += 1
            self.chance += math.exp(log_chance)
            if np.array_equal(first[0][both], second[0][both]):
                self.repeated.append((scenario, i, j))

    def judge(self, what, fail_closed):
        statistics.bounds_evaluated += 1
        assert self.chance < statistics.FALSE_ALARM
        if not self.pairs:
            if fail_closed:
                raise AssertionError(f"{what}: no two forward passes of one training run showed enough of their masks "
                                     f"to tell a mask that comes back from fresh ones")
            return None
        if not self.repeated:
            return None
        scenario, i, j = self.repeated[0]
        # Ranked just beyond its bound: a mask shared along the batch also repeats, and its own bound says more.
        return 1.0 + len(self.repeated) / self.pairs, (
            f"{what}: in {len(self.repeated)} of {self.pairs} pairs of forward passes on the same X the mask came back "
            f"unchanged (first: passes {i + 1} and {j + 1} of {scenario.describe()}), where independent draws "
            f"repeat any of them with probability < {self.chance:.1e} (a correct forward lands outside this with "
            f"probability < {statistics.FALSE_ALARM:g}). Draw a fresh mask at every call: a mask kept and reused (or a "
            f"ring of a few masks per shape) shows here.")


def _agreements_bound(cells, what, advice, fail_closed):
    """One bound over `cells` (their shares of FALSE_ALARM add up to at most 1): each one's agreements are
    those of independent draws. -> None, or (how many radii beyond, message) for the cell farthest
    beyond its radius. Fail closed (raises): a primary cell must have pairs enough to tell a copied
    draw (agreeing always) from independent ones."""
    statistics.bounds_evaluated += 1
    assert sum(cell.share for cell in cells) <= 1.0 + 1e-9
    worst = None
    for cell in cells:
        radius = cell.radius()
        if cell.primary and fail_closed and not radius < 1.0 - cell.expected / max(cell.pairs, 1.0):
            raise AssertionError(
                f"{what} ({cell.label}): only {int(cell.pairs)} pairs of hidden activations could be observed, too "
                f"few to tell a repeated keep/drop draw from independent ones")
        if cell.pairs:
            rate, expected = cell.agreed / cell.pairs, cell.expected / cell.pairs
            ratio = abs(rate - expected) / radius
            if ratio > 1.0 and (worst is None or ratio > worst[0]):
                worst = (ratio, cell, rate, expected, radius)
    if not worst:
        return None
    ratio, cell, rate, expected, radius = worst
    return ratio, (
        f"{what} ({cell.label}): {rate:.4f} of {int(cell.pairs)} {cell.agreeing} where independent draws give "
        f"{expected:.4f} +/- {radius:.4f} (a correct forward lands outside any of this "
        f"bound's {len(cells)} tests with probability < {statistics.FALSE_ALARM:g}). {advice}")


def _bin(value, edges):
    return int(np.searchsorted(edges, value, side="right"))


# Groups of hidden activations whose fraction dropped is tested on its own: by unit, by example, by the
# value dropped, by keep_prob, by the pass's sizes and weight scale, by pass: (name, describe(index), size).
GROUPS = (
    ("unit", lambda i: f"hidden unit {i + 1} (row {i} of A1)", 10),
    ("example", lambda i: "examples " + ("1", "2", "3-4", "5-8", "9-16", "17-32")[i] + " (columns of A1)", 6),
    ("value", lambda i: f"activations {('< 0', '>= 0')[i // 3]} of size " + ("below 0.1", "0.1 to 0.5",
                                                                              "0.5 or more")[i % 3], 6),
    ("keep", lambda i: "passes with keep_prob in " + ("[0.05, 0.23)", "[0.23, 0.41)", "[0.41, 0.59)",
                                                      "[0.59, 0.77)", "[0.77, 0.95]")[i], 5),
    ("units", lambda i: f"passes with {i + 1} hidden unit{'s' if i else ''}", 10),
    ("examples", lambda i: "passes with " + ("1", "2-3", "4-7", "8-15", "16-31", "32")[i] + " examples", 6),
    ("inputs", lambda i: f"passes with {i + 1} input{'s' if i else ''} (rows of X)", 4),
    ("scale", lambda i: f"passes with weights of scale {WEIGHT_SCALES[i]:g}", len(WEIGHT_SCALES)),
    ("pass", lambda i: f"pass {i + 1} on the same X", 3),
)
_GROUP_START = dict(zip((name for name, _, _ in GROUPS), np.cumsum([0] + [size for _, _, size in GROUPS])))
N_GROUPS = sum(size for _, _, size in GROUPS)


def _describe_group(index):
    for name, describe, size in GROUPS:
        if index < _GROUP_START[name] + size:
            return describe(index - _GROUP_START[name])
    raise IndexError(index)


class Evidence:
    """The masks of every pass of a check with 0 < keep_prob < 1, where observed (ForwardPass.observed),
    pooled whatever their shapes, and judged by BOUNDS statistical bounds (judge):
    1. the fraction dropped is 1 - keep_prob (MaskTally);
    2. so it is within every group of GROUPS: each unit, example, value range, keep_prob range, size,
       weight scale and pass (one bound, FALSE_ALARM split among the groups);
    3. the number dropped by a fully observed pass follows Binomial(n_h m, 1 - keep_prob): the
       randomized probability-integral transforms of the passes' counts are uniform (Dvoretzky-Kiefer-
       Wolfowitz-Massart's bound on their empirical distribution);
    4. within one mask, the draws are independent: as often as independent draws, a unit keeps or
       drops all its examples at once, an example all its units (a mask per hidden unit shared by the
       batch, seed 001's), two examples of one unit or two units of one example agree (random disjoint
       pairs), and so do any two at one offset, flattened by rows or by columns (any pattern);
    5. the masks of passes 1 and 2, 2 and 3, 1 and 3 on the same X agree at every offset as
       independent draws do (the same mask again, or a shifted copy);
    6. so do the masks of two passes of the same shape, paired at random (a repeated stream);
    7. two passes in a row (1 and 2, 3 and 4, ... of one scenario, fully observed) drop the same number
       as often as independent draws do (statistics.EqualCounts: a mask permuted from the last);
    8. no two passes of one scenario, however far apart, have the same mask (_Repeats: a ring of masks).
    Each bound fails closed: evidence too small for it fails it, saying what could not be observed."""
    BOUNDS = 8

    def __init__(self, seed=0x7E57):
        self.tally = _Tally()
        self.rng = np.random.default_rng(seed)  # the statistics' own randomness: pairings, transforms
        self.groups = np.zeros((3, N_GROUPS))  # activations, dropped - p summed, p summed
        self.transforms = []
        self.rows, self.columns = _Pairs("two examples of one unit"), _Pairs("two units of one example")
        self.uniform_units = _Uniform("the examples of one unit", "units have one draw for all their examples "
                                                                   "(all kept or all dropped)")
        self.uniform_examples = _Uniform("the units of one example", "examples have one draw for all their units "
                                                                      "(all kept or all dropped)")
        self.within = [_Offsets("one mask flattened by rows", 2.0), _Offsets("one mask flattened by columns", 2.0)]
        self.between = {(i, j): [_Offsets(f"passes {i + 1} and {j + 1}, flattened by rows"),
                                 _Offsets(f"passes {i + 1} and {j + 1}, flattened by columns")]
                        for i, j in ((0, 1), (1, 2), (0, 2))}
        self.masks = []  # (shape, keep, observed, p) of every pass, for pairs of the same shape
        self.passes = 0
        self.equal_counts = statistics.EqualCounts()
        self.repeats = _Repeats()

    def add_scenario(self, scenario, passes):
        """The ForwardPasses of `scenario`, in order (the same X, the parameters updated in between)."""
        observed = [self._add_pass(scenario, index, forward) for index, forward in enumerate(passes)]
        p = 1.0 - scenario.keep_prob
        for (i, j), tallies in self.between.items():
            if j < len(passes) and observed[i] is not None and observed[j] is not None:
                for tally, order in zip(tallies, "CF"):
                    tally.add(passes[i].keep.ravel(order), observed[i].ravel(order), p,
                              passes[j].keep.ravel(order), observed[j].ravel(order), p)
        masks = [None if seen is None else (forward.keep, seen) for forward, seen in zip(passes, observed)]
        for first, second in zip(masks[0::2], masks[1::2]):
            if first is not None and second is not None and first[1].all() and second[1].all():
                self.equal_counts.add_pair(first[0], second[0], p)
        self.repeats.add(scenario, masks)

    def _add_pass(self, scenario, index, forward):
        observed = self.tally.add_pass(forward)
        if observed is None:
            return None
        self.passes += 1
        p, keep, n_h, m = 1.0 - forward.keep_prob, forward.keep, *forward.A1.shape
        if keep is None:
            return None
        self.masks.append(((n_h, m), keep, observed, p))
        # 2. the groups: per activation (its unit, example, value) and per pass
        units, examples = np.indices((n_h, m))
        value = forward.A1
        magnitude = np.searchsorted((0.1, 0.5), np.abs(value), side="right")
        per_pass = [_GROUP_START["keep"] + _bin(forward.keep_prob, (0.23, 0.41, 0.59, 0.77)),
                    _GROUP_START["units"] + n_h - 1, _GROUP_START["examples"] + _bin(m, (2, 4, 8, 16, 32)),
                    _GROUP_START["inputs"] + scenario.n_x - 1,
                    _GROUP_START["scale"] + WEIGHT_SCALES.index(scenario.weight_scale),
                    _GROUP_START["pass"] + min(index, 2)]
        per_activation = [_GROUP_START["unit"] + units, _GROUP_START["example"] + np.searchsorted(
            (1, 2, 4, 8, 16), examples, side="right"), _GROUP_START["value"] + 3 * (value >= 0) + magnitude]
        dropped = (~keep[observed]).astype(np.float64)
        count = float(observed.sum())
        chosen = np.concatenate([group[observed] for group in per_activation])
        counted = np.bincount(chosen, minlength=N_GROUPS)
        self.groups[0] += counted
        self.groups[1] += np.bincount(chosen, weights=np.tile(dropped - p, len(per_activation)), minlength=N_GROUPS)
        self.groups[2] += counted * p
        for group in per_pass:
            self.groups[:, group] += (count, float(dropped.sum()) - count * p, count * p)
        # 3. the count of a fully observed pass, through its randomized probability-integral transform
        if observed.all():
            pmf = _binomial_pmf(keep.size, p)
            count_dropped = int(keep.size - keep.sum())
            self.transforms.append(float(pmf[:count_dropped].sum() + self.rng.random() * pmf[count_dropped]))
        # 4. one mask against itself: random disjoint pairs in each row and in each column, and every offset
        for tally, (rows_keep, rows_seen) in ((self.rows, (keep, observed)), (self.columns, (keep.T, observed.T))):
            order = np.argsort(np.where(rows_seen, self.rng.random(rows_seen.shape), 2.0), axis=1)
            shuffled, seen = np.take_along_axis(rows_keep, order, 1), np.take_along_axis(rows_seen, order, 1)
            width = shuffled.shape[1] // 2 * 2
            both = seen[:, 0:width:2] & seen[:, 1:width:2]
            tally.add(shuffled[:, 0:width:2][both], shuffled[:, 1:width:2][both], p, p)
        self.uniform_units.add(keep, observed, p)
        self.uniform_examples.add(keep.T, observed.T, p)
        for tally, order in zip(self.within, "CF"):
            flat, seen = keep.ravel(order), observed.ravel(order)
            tally.add(flat, seen, p, flat, seen, p)
        return observed

    def judge(self, what="over this check's forward passes", fail_closed=True):
        """Every bound (BOUNDS of them): raises AssertionError naming the one farthest beyond its radius
        (the most telling: a mask per unit also breaks the agreements between passes, a reseeded one
        those within a mask, but far less), and the others that failed. fail_closed=False (a replay
        of a few passes) leaves out the bounds the evidence is too small for."""
        shortfall = self.tally.shortfall()
        if shortfall and fail_closed:
            statistics.bounds_evaluated += 1
            raise AssertionError(f"{what}: {shortfall}")
        fresh = "Draw a fresh mask at every call (a generator or a seed made inside the forward pass repeats its mask)."
        between = [cell for tallies in self.between.values() for tally, zero in zip(tallies, (1 / 6, 0.0))
                   for cell in tally.cells(1 / 12, zero)]
        same_shape = [cell for tally, zero in zip(self._same_shapes(), (1 / 2, 0.0))
                      for cell in tally.cells(1 / 4, zero)]
        within = [*self.uniform_units.cells(1 / 4), *self.uniform_examples.cells(1 / 4), *self.rows.cells(1 / 8),
                  *self.columns.cells(1 / 8), *(cell for tally in self.within for cell in tally.cells(1 / 8))]
        results = (
            ("the masks of two passes on the same X", _agreements_bound(
                between, f"{what}, the masks of two forward passes on the same X", fresh, fail_closed)),
            ("the masks of two passes of one shape", _agreements_bound(
                same_shape, f"{what}, the masks of two forward passes of the same shape", fresh, fail_closed)),
            ("two activations of one mask", _agreements_bound(within, f"{what}, two activations of one mask", (
                "Draw each activation's keep or drop on its own, as np.random.rand(*A1.shape) < keep_prob does (a "
                "mask per hidden unit shared by the whole batch, shape (n_h, 1), shows here)."), fail_closed)),
            ("the fraction dropped", None if shortfall else self._judge_fraction(what)),
            ("the fraction dropped in a group", self._judge_groups(what, fail_closed)),
            ("the number dropped per pass", self._judge_counts(what, fail_closed)),
            ("the numbers dropped at two passes in a row", self._judge_equal_counts(what, fail_closed)),
            ("a mask that comes back", self.repeats.judge(f"{what}, the masks of one training run", fail_closed)))
        failures = sorted(((*result, label) for label, result in results if result), key=lambda failure: -failure[0])
        if failures:
            others = ", ".join(label for _, _, label in failures[1:])
            raise AssertionError(failures[0][1] + (f"\nAlso beyond their bounds: {others}." if others else ""))

    def _judge_fraction(self, what):
        what = f"{what}, the fraction of hidden activations dropped (each must be kept with probability keep_prob)"
        try:
            self.tally.assert_fraction_dropped(what)
        except AssertionError as error:
            deviation = (self.tally.dropped - self.tally.expected_dropped) / self.tally.total
            return abs(deviation) / statistics.hoeffding_radius(self.tally.total), str(error)
        return None

    def _judge_groups(self, what, fail_closed):
        statistics.bounds_evaluated += 1
        counts, deviations, probabilities = self.groups
        log_term = math.log(2.0 * N_GROUPS / statistics.FALSE_ALARM)
        worst = None
        for group in range(N_GROUPS):
            count = counts[group]
            radius = math.sqrt(log_term / (2.0 * count)) if count else math.inf
            mean_p = probabilities[group] / count if count else 0.5
            if not radius < min(mean_p, 1.0 - mean_p):
                if fail_closed:
                    raise AssertionError(
                        f"{what}, among {_describe_group(group)}: only {int(count)} hidden activations could be "
                        f"observed, too few to tell a forward that never drops there from a correct one "
                        f"({self.tally.unseen()})")
                continue
            excess = abs(deviations[group] / count) / radius
            if excess > 1.0 and (worst is None or excess > worst[0]):
                worst = (excess, group, count, mean_p, radius)
        if worst:
            _, group, count, mean_p, radius = worst
            rate = mean_p + deviations[group] / count
            return abs(rate - mean_p) / radius, (
                f"{what}, among {_describe_group(group)}: {rate:.4f} of {int(count)} hidden activations were dropped "
                f"where 1 - keep_prob asks for {mean_p:.4f} +/- {radius:.4f} (a correct forward lands outside this in "
                f"any of the {N_GROUPS} groups tested with probability < {statistics.FALSE_ALARM:g}). Keep each "
                f"activation with probability keep_prob, whatever its unit, example, value or the pass's sizes.")

    def _judge_counts(self, what, fail_closed):
        statistics.bounds_evaluated += 1
        n = len(self.transforms)
        radius = statistics.hoeffding_radius(n) if n else math.inf  # DKW-Massart: 2 exp(-2 n radius^2)
        if not radius < 0.5:
            if fail_closed:
                raise AssertionError(
                    f"{what}: only {n} forward passes showed their whole mask, too few to tell whether the number "
                    f"dropped per pass follows Binomial(n_h m, 1 - keep_prob) ({self.tally.unseen()})")
            return
        transforms = np.sort(self.transforms)
        ranks = np.arange(1, n + 1) / n
        distance = float(max(np.max(ranks - transforms), np.max(transforms - (ranks - 1.0 / n))))
        if distance > radius:
            return distance / radius, (
                f"{what}: the number of hidden activations a pass drops does not follow Binomial(n_h m, 1 - "
                f"keep_prob): over {n} fully observed passes the distribution of its probability-integral "
                f"transform is {distance:.4f} from uniform, beyond {radius:.4f} (a correct forward lands outside this "
                f"with probability < {statistics.FALSE_ALARM:g}). Draw each activation's keep on its own: a fixed "
                f"number dropped per pass, or one draw shared by several activations, shows here.")

    def _judge_equal_counts(self, what, fail_closed):
        counts = self.equal_counts
        radius = statistics.hoeffding_radius(counts.count) if counts.count else math.inf
        if not fail_closed and not radius < 1.0 - counts.expected_yes / max(counts.count, 1):
            statistics.bounds_evaluated += 1
            return None
        try:
            counts.assert_independent(f"{what}, passes 1 and 2 (3 and 4, ...) on the same X, wholly observed")
        except AssertionError as error:
            deviation = (counts.yes - counts.expected_yes) / counts.count if counts.count else math.inf
            return abs(deviation) / radius if counts.count else math.inf, (
                f"{error}. Draw each activation's keep on its own at every pass: a mask permuted from the last one, "
                f"or a number dropped kept from pass to pass, shows here.")
        return None

    def _same_shapes(self):
        """_Offsets of the masks of passes of one shape, paired at random (disjoint pairs)."""
        tallies = [_Offsets("flattened by rows"), _Offsets("flattened by columns")]
        by_shape = {}
        for shape, keep, observed, p in self.masks:
            by_shape.setdefault(shape, []).append((keep, observed, p))
        for shape in sorted(by_shape):
            masks = by_shape[shape]
            order = self.rng.permutation(len(masks))
            for first, second in zip(order[0::2], order[1::2]):
                (a, seen_a, p_a), (b, seen_b, p_b) = masks[first], masks[second]
                for tally, flatten in zip(tallies, "CF"):
                    tally.add(a.ravel(flatten), seen_a.ravel(flatten), p_a,
                              b.ravel(flatten), seen_b.ravel(flatten), p_b)
        return tallies


# ---- Forward with dropout --------------------------------------------------------------------------

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


def replay_forward(module, batch=None):
    """Run the forward check on `module`, the student's two_layer_net imported here: one batch of
    scenarios (`batch`, a number), or the whole check (ci's examples); raises AssertionError as grading does."""
    from hypothesis import settings as Settings
    runner = InProcessRunner(loaded(module), sys.modules[__name__])
    if batch is not None:
        return _batch(runner)(batch)
    return forward_matches_torch(runner, Settings(max_examples=40, derandomize=True, database=None, deadline=None))


# ---- Regularized cost ------------------------------------------------------------------------------

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


# ---- Backward with dropout -------------------------------------------------------------------------

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
                    assert_close(grads.get(name), expected[name], quantity=f"d{name}{at}, given the mask in your cache",
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
    for_all(net_scenarios(), settings, lambda scenario: _update_example(runner, scenario),
            examples=DESIGNED)


# ---- The parts -------------------------------------------------------------------------------------

PARTS = (
    Part("Forward with dropout", 1.0, (
        Check("A2 matches torch with the mask drawn; the masks drop 1 - keep_prob, fresh and independent",
              forward_matches_torch, bounds=Evidence.BOUNDS),
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
