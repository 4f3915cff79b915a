"""cs231n-dropout (ASSIGNMENT.md §B/§D, seed 004): cs231n assignment 2's dropout notebook, p the KEEP probability.

A submission: DIR/layers.py and DIR/fc_net.py, or cs231n's own layout DIR/cs231n/layers.py and
DIR/cs231n/classifiers/fc_net.py, with an optional layer_utils.py beside layers.py (else the
course's affine_relu sandwich, built on the submission's layers, is supplied). The files may use
cs231n's imports: `from .layers import *`, `from ..layers import *`, `from ..layer_utils import *`,
`from cs231n.layers import *`, `from layers import *`, ...: each name resolves to the same module.

Points: Dropout forward 1.0, Dropout backward 0.5, Fully-connected net 1.5.

The trusted side believes nothing the worker keeps (DESIGN.md, Trust):
- Every dropout_forward call, a scenario's or a mask study's, goes through the one task and gets x
  from one distribution (dropout_values: fresh values every call, any rank, seeds given or not as
  scenarios give them). Every check of the forward part pools the masks of all of its train-mode
  calls (MaskPool: the fraction dropped, and agreement between neighbouring examples, neighbouring
  features, consecutive calls and calls of one shape, weighing every element alike and every call
  alike): a mask shared along the batch or along the features, or repeated across calls, fails
  whatever it is conditioned on, as long as that covers a fair share of the check's calls.
- Dropout backward is judged as the derivative of the submission's own forward (dout * out / x),
  so a forward bug does not cost it too; it earns credit only where the forward draws genuine masks.
- The net: each scenario's masks come either from the records of its dropout_forward calls, each
  validated against what the trusted side computes (the x of hidden layer 1 is relu(X W1 + b1) of the
  parameters it set; of layer k, what the layers below give with their validated factors), or, for a
  net whose dropout is written inline, are read from its gradients (read_net_factors: a layer's
  backward signals from its weight gradient, the batch's input having full row rank, and the kept
  values' scale from its bias gradient). Either way the loss and every gradient must match torch
  with those factors: a record skipped, faked or overwritten only loses points. Masks the net draws
  itself are held to what dropout is: 1 / p, the fraction dropped, a fresh mask per call.
- Every check fails closed: evidence that is empty, or too small for its bound, fails with what
  could not be observed.
"""
import math
import sys
import types
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from ...core import mask_studies, statistics, tolerances
from ...core.comparator import assert_close
from ...core.masks import keep_masks_of_samples
from ...core.properties import for_all
from ...grading.mask_checks import MIN_SCALE, mask_study_checks, run_study
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from ...sandbox.runners import InProcessRunner
from .worker import TASKS, load_submission  # noqa: F401 - the worker half, also run in process
from .worker import DTYPES, NOTEBOOK_KEEPS, NOTEBOOK_SIZES, DropoutRecorder, Loaded, notebook_data

NAME = "cs231n-dropout"
SUBMISSION = "layers.py and fc_net.py at the top, or cs231n/layers.py and cs231n/classifiers/fc_net.py"
# The notebook's initial losses at its keep ratios (ASSIGNMENT.md §B): expected values, never in a worker's view.
NOTEBOOK_LOSSES = (2.3004790897684924, 2.302371489704412, 2.3042759220785896)


# ---- The model solution ----------------------------------------------------------------------------

def model_solution():
    """toyframe's cs231n track (trusted side only), loaded like a submission in the flat layout."""
    import toyframe.fc_net
    import toyframe.functional
    recorder = DropoutRecorder(toyframe.functional.dropout_forward, toyframe.functional.dropout_backward)
    layers = types.SimpleNamespace(**{name: getattr(toyframe.functional, name) for name in toyframe.functional.__all__})
    fc_net = types.ModuleType("model_fc_net")
    fc_net.FullyConnectedNet = _recording_net(toyframe.fc_net, recorder)
    return Loaded(layers, recorder, fc_net)


def _recording_net(module, recorder):
    """toyframe's FullyConnectedNet with its dropout calls going through `recorder`."""
    class FullyConnectedNet(module.FullyConnectedNet):
        def loss(self, X, y=None):
            originals = module.dropout_forward, module.dropout_backward
            module.dropout_forward, module.dropout_backward = recorder.function, recorder.backward_function
            try:
                return super().loss(X, y)
            finally:
                module.dropout_forward, module.dropout_backward = originals
    return FullyConnectedNet


def _replay(check, scenario, module="layers"):
    return (f"\nScenario: {scenario.describe()}\nReplay (with your {module} module imported as {module}): "
            f"from reference.assignments.cs231n_dropout import *; replay({check!r}, {scenario!r}, {module})")


def replay(check, scenario, module):
    """Run one graded example of `check` on the student's `module` (layers, or fc_net for the net's checks),
    imported in this process; raises AssertionError as grading does (a statistic over a whole check's
    calls needs the whole check: only the example's own comparisons run here)."""
    layers = module if hasattr(module, "dropout_forward") else sys.modules.get("cs231n.layers", module)
    recorder = DropoutRecorder(getattr(layers, "dropout_forward", None), getattr(layers, "dropout_backward", None))
    if hasattr(module, "FullyConnectedNet"):
        loaded = Loaded(layers, recorder, module)
        for name, value in vars(module).items():  # the net's dropout calls go through the recorder
            if value is recorder.original:
                setattr(module, name, recorder.function)
            elif value is recorder.original_backward and value is not None:
                setattr(module, name, recorder.backward_function)
    else:
        loaded = Loaded(layers, recorder, fc_net_error=AttributeError("no fc_net given"))
    runner = InProcessRunner(loaded, sys.modules[__name__])
    example = globals().get(f"_{check}_example")
    if example is None:
        raise ValueError(f"no graded check is called {check!r}")
    evidence = {"dropout_net": NetEvidence, "inline_masks": NetEvidence, "dropout_forward": MaskPool,
                "seed": MaskPool, "dropout_backward": backward_evidence}.get(check, statistics.MaskTally)()
    _STOOD_IN.clear()
    example(runner, scenario, evidence)
    if isinstance(evidence, NetEvidence):
        evidence.settle(lambda: False)  # a failure held for the dropout parts' verdict shows here
    if _STOOD_IN:
        raise AssertionError(_STOOD_IN.pop())  # so does a call that dropout_forward raised on


# ---- What every dropout_forward call is given ---------------------------------------------------------

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
    first of them counts as an independent draw."""
    return int(rng_seed if dropout_seed is None else dropout_seed)


# ---- Statistics pooled over every call of a check ------------------------------------------------------

_LOG_TERM = math.log(2.0 / statistics.FALSE_ALARM) / 2.0  # Hoeffding: P(|S - ES| >= t) <= 2 exp(-2 t^2 / sum c^2)


def _count_bound():
    statistics.bounds_evaluated += 1


class PooledOutcomes:
    """0/1 outcomes of independent draws with known probabilities (pairs of draws that agree, elements
    dropped), over many calls. Two Hoeffding bounds on how far their number lands from its expectation:
    weighing every outcome alike (the sum, each term of width 1), and weighing every call alike (each
    call's deviation divided by the square root of its outcomes, so that the widths squared sum to the
    number of calls: a share of small calls shows however large the others are). Each has false-alarm
    probability statistics.FALSE_ALARM and fails closed, when outcomes all 1 (or all 0) would stay
    within it."""

    def __init__(self):
        self.outcomes = self.hits = self.calls = 0
        self.expected = 0.0
        self.weighted = self.weighted_all = self.weighted_none = 0.0

    def add(self, hits, probabilities):
        """hits: bool array, the outcomes of one call; probabilities: each one's probability (broadcast)."""
        hits = np.asarray(hits, dtype=bool)
        n = hits.size
        if not n:
            return
        count = int(np.count_nonzero(hits))
        expected = float(np.sum(np.broadcast_to(np.asarray(probabilities, dtype=np.float64), hits.shape)))
        weight = 1.0 / math.sqrt(n)
        self.outcomes += n
        self.hits += count
        self.expected += expected
        self.calls += 1
        self.weighted += (count - expected) * weight
        self.weighted_all += (n - expected) * weight
        self.weighted_none += expected * weight

    def judge(self, what, meaning, fix, weighings=("outcome", "call")):
        """One bound per weighing ('outcome', 'call'). meaning: what a hit is ("agree", "were dropped");
        fix: what the student should check, should the bound fail."""
        for weighing in weighings:
            _count_bound()
            if weighing == "outcome":
                deviation, radius = self.hits - self.expected, math.sqrt(_LOG_TERM * self.outcomes)
                shift_all, shift_none = self.outcomes - self.expected, self.expected
            else:
                deviation, radius = self.weighted, math.sqrt(_LOG_TERM * self.calls)
                shift_all, shift_none = self.weighted_all, self.weighted_none
            if not self.outcomes or radius >= min(shift_all, shift_none):
                raise AssertionError(
                    f"{what}: only {self.outcomes} outcomes in {self.calls} calls could be observed, too few to tell "
                    f"a copied (or never varying) draw from independent ones (the grader reads every mask from "
                    f"what your code returned, on values it drew or computed itself): check that every call "
                    f"returns an output shaped like its input, with the dropped elements set to 0")
            if abs(deviation) > radius:
                scale = "" if weighing == "outcome" else ", weighing every call alike"
                raise AssertionError(
                    f"{what}: {self.hits} of {self.outcomes} {meaning} where independent draws give "
                    f"{self.expected:.1f} on average{scale}: {deviation:+.1f} off, beyond +/- {radius:.1f} (a correct "
                    f"dropout lands outside this with probability < {statistics.FALSE_ALARM:g}). {fix}")


def _neighbours(keep, seen, axis):
    """Disjoint pairs of neighbours along `axis` (elements 0 and 1, 2 and 3, ...): (agree, both seen)."""
    moved, visible = np.moveaxis(keep, axis, 0), np.moveaxis(seen, axis, 0)
    even = moved.shape[0] // 2 * 2
    return moved[0:even:2] == moved[1:even:2], visible[0:even:2] & visible[1:even:2]


class MaskPool:
    """The keep masks of every train-mode call a check makes, any shape and rank (0 < p < 1; each call an
    independent draw: give its draw_key, and calls repeating a key are left out), and what dropout's
    masks must show over all of them together:
    - the fraction dropped is 1 - p (statistics.MaskTally, every element alike; and every call alike);
    - relations between disjoint pairs of draws, which agree (both kept or both dropped) with
      probability p1 p2 + (1 - p1)(1 - p2) for independent draws, each weighed both ways
      (PooledOutcomes): "examples", neighbouring examples (along x's first axis) at one position;
      "features", neighbouring elements of one example (along one of x's other axes, drawn per call);
      "calls", calls 1 and 2, 3 and 4, ... of the check, element by element (flattened, as far as both
      go); "shapes", a call and the last unpaired call on x of the same shape;
    - with "counts" (COUNTED: the forward check's pool, whose designed calls are large enough), the
      number each large mask drops is not a fixed one (statistics.ExactCounts).
    A mask shared by the batch, by an example's features, or repeated at a later call fails, whatever
    decides when it does so, as long as that covers a fair share of the check's calls."""

    RELATIONS = ("examples", "features", "calls", "shapes")
    COUNTED = RELATIONS + ("counts",)
    _SAID = {
        "examples": ("pairs of neighbouring examples (x[0] and x[1], x[2] and x[3], ...) at one position of a mask",
                     "each example needs a keep/drop draw of its own at every position: a mask shared by the batch "
                     "(drawn for x.shape[1:], or once per column) agrees always"),
        "features": ("pairs of neighbouring elements of one example (along one of x's other axes)",
                     "each element needs a keep/drop draw of its own: a mask shared by an example's features "
                     "(drawn once per row, or for x.shape[:-1] + (1,)) agrees always"),
        "calls": ("pairs of elements at the same place in consecutive calls (calls 1 and 2, 3 and 4, ...)",
                  "every call needs a fresh mask: a mask kept from an earlier call, or cut from one fixed pool of "
                  "random numbers, agrees too often"),
        "shapes": ("pairs of elements at the same place in two calls on x of the same shape",
                   "every call needs a fresh mask: a mask stored and reused for a shape agrees always"),
    }

    def __init__(self, relations=RELATIONS):
        self.relations = tuple(relations)
        self.masks = statistics.MaskTally()
        self.dropped = PooledOutcomes()
        self.pairs = {relation: PooledOutcomes() for relation in self.relations if relation != "counts"}
        self.counts = statistics.ExactCounts()
        self.keys = set()
        self.waiting = None
        self.by_shape = {}
        self.axes = np.random.default_rng(0xA1E5)  # which of x's other axes a call's "features" pairs run along

    @staticmethod
    def bounds_for(relations=RELATIONS):
        return 2 + sum(1 if relation == "counts" else 2 for relation in relations)

    @property
    def bounds(self):
        return self.bounds_for(self.relations)

    @property
    def calls(self):
        return self.dropped.calls

    def fresh(self, key):
        """True the first time `key` comes (None: always)."""
        if key is None:
            return True
        if key in self.keys:
            return False
        self.keys.add(key)
        return True

    def add(self, keep, p, key=None, seen=None):
        """keep: bool, the call's mask (True where kept), any shape; p: the KEEP probability; key: the
        call's draw_key; seen: bool like keep, where the mask could be read (default everywhere)."""
        if not 0.0 < p < 1.0 or not self.fresh(key):
            return
        keep = np.asarray(keep, dtype=bool).reshape(np.shape(keep) or (1,))
        seen = np.ones(keep.shape, dtype=bool) if seen is None else np.asarray(seen, dtype=bool).reshape(keep.shape)
        drop = 1.0 - p
        self.masks.add(keep[seen], drop)
        self.dropped.add(~keep[seen], drop)
        if "counts" in self.relations and seen.all():
            self.counts.add(keep, drop)
        agree = p * p + drop * drop
        if "examples" in self.relations and keep.shape[0] >= 2:
            same, both = _neighbours(keep, seen, 0)
            self.pairs["examples"].add(same[both], agree)
        axes = [axis for axis in range(1, keep.ndim) if keep.shape[axis] >= 2]
        if "features" in self.relations and axes:
            same, both = _neighbours(keep, seen, int(self.axes.choice(axes)))
            self.pairs["features"].add(same[both], agree)
        flat, visible = keep.ravel(), seen.ravel()
        if "calls" in self.relations:
            if self.waiting is None:
                self.waiting = (flat, visible, p)
            else:
                self._pair("calls", self.waiting, (flat, visible, p))
                self.waiting = None
        if "shapes" in self.relations:
            other = self.by_shape.pop(keep.shape, None)
            if other is None:
                self.by_shape[keep.shape] = (flat, visible, p)
            else:
                self._pair("shapes", other, (flat, visible, p))

    def _pair(self, relation, first, second):
        (a, a_seen, p), (b, b_seen, q) = first, second
        size = min(a.size, b.size)
        both = a_seen[:size] & b_seen[:size]
        self.pairs[relation].add((a[:size] == b[:size])[both], p * q + (1 - p) * (1 - q))

    def _statistics(self, what):
        """(name, judge) of every pooled statistic: the fraction dropped, then each relation."""
        yield "fraction", lambda: self.masks.assert_fraction_dropped(f"{what}, the fraction of elements dropped")
        yield "fraction", lambda: self.dropped.judge(
            f"{what}, the elements dropped", "were dropped",
            "Each element must be dropped with probability 1 - p, in small calls as in large ones.", weighings=("call",))
        if "counts" in self.relations:
            yield "counts", lambda: self.counts.assert_binomial(f"{what}, the number each large mask dropped")
        for relation in self.pairs:
            said, fix = self._SAID[relation]
            yield relation, (lambda said=said, fix=fix, relation=relation: self.pairs[relation].judge(
                f"{what}, {said}", "agree (both kept or both dropped)", f"{fix}."))

    def judge(self, what):
        """Every pooled statistic: MaskPool.bounds_for(relations) bounds, each failing closed."""
        for _, statistic in self._statistics(what):
            statistic()

    # What each statistic's failure says is wrong: two relations see a mask repeated across calls.
    DEFECTS = {"fraction": "fraction", "counts": "counts", "examples": "examples", "features": "features",
               "calls": "repeated", "shapes": "repeated"}

    def failing(self, what):
        """{defect (DEFECTS): the first failure's message} of every pooled statistic that fails (all evaluated)."""
        failures = {}
        for name, statistic in self._statistics(what):
            try:
                statistic()
            except AssertionError as error:
                failures.setdefault(self.DEFECTS[name], str(error))
        return failures


# ---- Dropout forward and backward -------------------------------------------------------------------

@dataclass(frozen=True)
class DropoutScenario:
    """x of `shape` drawn by dropout_values (+ offset: the notebook's x is randn + 10), keep probability
    p, mode, the dropout_param seed (None: NumPy's global RNG, seeded by `seed`), x's dtype (a
    float32 net's dropout gets float32 x) and the share of x's elements set to exactly 0 (as a ReLU's
    output has them: the backward check's calls)."""
    shape: tuple
    p: float
    mode: str
    dropout_seed: int | None
    seed: int
    offset: float = 0.0
    dtype: str = "float64"
    zeros: float = 0.0

    def describe(self):
        seed = "" if self.dropout_seed is None else f", seed {self.dropout_seed}"
        zeros = f" ({self.zeros:.0%} of them 0)" if self.zeros else ""
        return (f"x of shape {self.shape}{f' + {self.offset:g}' if self.offset else ''}{zeros}, dtype {self.dtype}, "
                f"p (keep) = {self.p:g}, mode {self.mode!r}{seed}")


def dropout_arrays(scenario):
    """(x, dout) of `scenario`, as the worker holds them (float64 arrays of the scenario's dtype's values)."""
    rng = np.random.default_rng((scenario.seed, 0xD80))
    x, dout = dropout_values(scenario.shape, rng, scenario.offset), rng.normal(0.0, 1.0, scenario.shape)
    if scenario.zeros:
        x[np.random.default_rng((scenario.seed, 0x2E0)).random(scenario.shape) < scenario.zeros] = 0.0
    return as_sent(x, scenario.dtype), as_sent(dout, scenario.dtype)


def _key(scenario):
    return draw_key(scenario.dropout_seed, scenario.seed)


SHAPES = st.lists(st.integers(1, 12), min_size=1, max_size=4).map(tuple)


DTYPE_NAMES = st.sampled_from(DTYPES)


ZERO_SHARES = st.just(0.0) | st.floats(0.1, 0.6)  # of x's elements set to 0, as a ReLU's output has them


def dropout_scenarios():
    """Every dropout_forward call of the forward and backward checks, drawn one way."""
    return st.builds(DropoutScenario, shape=SHAPES, p=st.just(1.0) | st.floats(0.05, 0.95),
                     mode=st.sampled_from(("train", "test")), dropout_seed=st.none() | st.integers(0, 2**31 - 1),
                     seed=st.integers(0, 2**32 - 1), dtype=DTYPE_NAMES, zeros=ZERO_SHARES)


# The notebook's x = randn(500, 500) + 10 at its three p, then test mode and p = 1: run first under every profile.
NOTEBOOK_FORWARD = (*(DropoutScenario((500, 500), p, "train", None, 231, 10.0) for p in (0.25, 0.4, 0.7)),
                    DropoutScenario((500, 500), 0.5, "test", None, 231, 10.0), DropoutScenario((4, 5), 1.0, "train", 7, 7))
# Then calls of every rank, seeded or not, two of one shape: every pooled statistic has its evidence in any run.
POOLED_FORWARD = (DropoutScenario((12, 11, 10), 0.5, "train", None, 101), DropoutScenario((12, 11, 10), 0.3, "train", 2024, 102),
                  DropoutScenario((7, 6, 5, 4), 0.6, "train", None, 103, dtype="float32"),
                  DropoutScenario((60,), 0.5, "train", 77, 104),
                  # Large calls: a fixed number dropped per call shows in their counts (MaskPool's "counts"); the
                  # two unseeded ones are paired as "calls" (the pool's pairs run 1-2, 3-4, ... over the calls
                  # that count), so a forward that reseeds when given no seed shows there too.
                  DropoutScenario((100000,), 0.8, "train", 5, 106, dtype="float32"),
                  DropoutScenario((250, 40, 25), 0.5, "train", None, 105),
                  DropoutScenario((300, 300), 0.6, "train", None, 107, dtype="float32"),
                  DropoutScenario((64, 3, 32, 32), 0.3, "train", 31, 108))
NOTEBOOK_BACKWARD = DropoutScenario((10, 10), 0.2, "train", 123, 123, 10.0)
# x with exact zeros (a ReLU's output), run first: the kept ones among them show only in dx.
ZEROS_BACKWARD = (DropoutScenario((40, 50), 0.5, "train", None, 124, zeros=0.5),
                  DropoutScenario((30, 20), 0.7, "train", 5, 125, dtype="float32", zeros=0.4))


def _forward(runner, scenario, context):
    x, _ = dropout_arrays(scenario)
    out = implementation(lambda: runner.call("dropout_forward", x=x, p=scenario.p, mode=scenario.mode,
                                             seed=scenario.dropout_seed, rng_seed=scenario.seed,
                                             dtype=scenario.dtype), context)
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise AssertionError(f"dropout_forward's out must be an array shaped like x {x.shape}, got "
                             f"{getattr(out, 'shape', type(out).__name__)}{context}")
    return x, out


def _dropout_forward_example(runner, scenario, pool):
    import torch
    context = _replay("dropout_forward", scenario)
    x, out = _forward(runner, scenario, context)
    if scenario.mode == "test":
        assert_close(out, x, quantity="dropout_forward's out in test mode (the identity)",
                     tolerance=tolerances.ASSIGNMENT, context=context)
        return
    keep, seen = out != 0, x != 0  # where x is 0, out is 0 kept or dropped: nothing shows
    if scenario.p == 1.0 and not keep[seen].all():
        raise AssertionError(f"with p = 1 (keep everything) dropout_forward set {np.count_nonzero(~keep[seen])} of "
                             f"{keep.size} elements to 0{context}")
    # torch.nn.functional.dropout with drop probability 1 - p, given the same mask: x * mask / p.
    expected = torch.from_numpy(x) * torch.from_numpy(keep.astype(np.float64)) / scenario.p
    assert_close(out, expected.numpy(), tolerance=tolerances.ASSIGNMENT, context=context,
                 quantity="dropout_forward's out in train mode (kept elements are x / p: p is the KEEP probability)")
    pool.add(keep, scenario.p, _key(scenario), seen=seen)


def dropout_forward_matches_torch(runner, settings):
    """Train mode: out = x * mask / p with a mask of its own (torch's dropout with drop probability
    1 - p, given that mask), nothing dropped at p = 1; test mode: out = x. The notebook's x =
    randn(500, 500) + 10 first. Over all of the check's train-mode calls together (MaskPool: x of
    rank 1-4, float64 or float32, seeded or not) the masks drop 1 - p, independently in every example,
    element and call, and the large ones do not drop a fixed number."""
    pool = MaskPool(MaskPool.COUNTED)
    for_all(dropout_scenarios(), settings, lambda scenario: _dropout_forward_example(runner, scenario, pool),
            examples=NOTEBOOK_FORWARD + POOLED_FORWARD)
    pool.judge("over this check's calls")


def _seed_example(runner, scenario, pool):
    context = _replay("seed", scenario)
    _, first = _forward(runner, scenario, context)
    _, again = _forward(runner, replace(scenario, seed=scenario.seed + 1), context)
    _, other = _forward(runner, replace(scenario, dropout_seed=scenario.dropout_seed + 1), context)
    if not np.array_equal(first != 0, again != 0):
        raise AssertionError(f"two calls with the same dropout_param['seed'] dropped different elements: the seed "
                             f"must fix the mask (np.random.seed(seed) at the call){context}")
    if np.array_equal(first != 0, other != 0):
        raise AssertionError(f"calls with seeds {scenario.dropout_seed} and {scenario.dropout_seed + 1} dropped "
                             f"the same elements: the mask must come from the seeded random numbers{context}")
    pool.add(first != 0, scenario.p, scenario.dropout_seed)
    pool.add(other != 0, scenario.p, scenario.dropout_seed + 1)


# x of rank 1 to 4 and 200 to about 1300 elements.
SEED_SHAPES = (st.tuples(st.integers(200, 1000)) | st.tuples(st.integers(10, 40), st.integers(20, 25))
               | st.tuples(st.integers(6, 10), st.integers(6, 10), st.integers(6, 10))
               | st.tuples(st.integers(4, 6), st.integers(4, 6), st.integers(4, 6), st.integers(4, 6)))


SEED_EXAMPLES = (DropoutScenario((10, 20), 0.5, "train", 123, 0), DropoutScenario((5, 5, 5, 5), 0.4, "train", 9, 1))


def seed_fixes_the_mask(runner, settings):
    """The same dropout_param['seed'] gives the same mask whatever came before; the next seed another.
    On 200 elements or more with p in [0.2, 0.8], two independent masks agree everywhere with
    probability at most 0.68^200 < 1e-33. Over all of the check's calls with distinct seeds (MaskPool)
    the masks are what dropout's are."""
    strategy = st.builds(DropoutScenario, shape=SEED_SHAPES, p=st.floats(0.2, 0.8), mode=st.just("train"),
                         dropout_seed=st.integers(0, 2**31 - 2), seed=st.integers(0, 2**32 - 2), dtype=DTYPE_NAMES)
    pool = MaskPool()
    for_all(strategy, settings, lambda scenario: _seed_example(runner, scenario, pool), examples=SEED_EXAMPLES)
    pool.judge("over this check's calls with distinct seeds")


class ZerosKept:
    """Where x is exactly 0 the forward's out is 0 kept or dropped, and only dx shows which. A forward whose
    mask does not depend on x keeps those elements as often as the others of the call: given the K
    elements a call kept of its n, the number Z kept among its z zeros is hypergeometric, mean z K / n
    (whatever rate the forward keeps at: its own bugs are its own part's). Hoeffding's bound (it holds
    for draws without replacement) on the sum of Z - z K / n over the calls: a backward that reads its
    mask off out != 0 keeps none of them. One bound; fails closed when even no zero kept would not show."""

    def __init__(self):
        self.zeros = 0
        self.kept = self.expected = 0.0

    def add(self, kept_at_zeros, kept_elsewhere, elsewhere):
        z = kept_at_zeros.size
        if not z or not elsewhere:
            return
        total_kept = float(kept_at_zeros.sum()) + float(kept_elsewhere)
        self.zeros += z
        self.kept += float(kept_at_zeros.sum())
        self.expected += z * total_kept / (z + elsewhere)

    def judge(self, what):
        _count_bound()
        radius = math.sqrt(_LOG_TERM * self.zeros) if self.zeros else math.inf
        if not radius < self.expected:
            raise AssertionError(
                f"{what}: only {self.zeros} elements whose x is exactly 0 could be judged ({self.expected:.1f} of them "
                f"kept on average), too few to tell a backward that never passes their gradient: check that "
                f"dropout_forward and dropout_backward return arrays shaped like their input")
        deviation = self.kept - self.expected
        if abs(deviation) > radius:
            raise AssertionError(
                f"{what}: {self.kept:.0f} of {self.zeros} elements whose x is exactly 0 were kept (dx = dout times your "
                f"forward's kept factor) where your forward's masks keep {self.expected:.1f} of them on average, "
                f"{deviation:+.1f} off, beyond +/- {radius:.1f} (a correct backward lands outside this with probability "
                f"< {statistics.FALSE_ALARM:g}). A kept element's dx is dout / p whatever its x: keep the mask in "
                f"the cache, do not read it back from out != 0")


def _kept_factor(x, out):
    """The one factor the forward multiplied its kept nonzero elements by, or None (none kept, or not one)."""
    shown = (x != 0) & (out != 0) & np.isfinite(out)
    if not shown.any():
        return None
    factors = out[shown] / x[shown]
    return float(factors[0]) if np.allclose(factors, factors[0], rtol=1e-5, atol=0) else None


def _dropout_backward_example(runner, scenario, evidence):
    """evidence: (MaskTally of the masks the forward's outputs show, ZerosKept)."""
    tally, zeros = evidence
    context = _replay("dropout_backward", scenario)
    try:
        x, out = _forward(runner, scenario, context)
    except AssertionError as error:
        # The forward's own failure ('Dropout forward' charges it): nothing here to take the derivative of.
        # Too many such calls leave too little evidence, and the check fails closed.
        tally.reasons.append(str(error).split("\n")[0])
        return
    _, dout = dropout_arrays(scenario)
    dx = implementation(lambda: runner.call("dropout_backward", dout=dout, dtype=scenario.dtype), context)
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape:
        raise AssertionError(f"dropout_backward's dx must be an array shaped like x {x.shape}, got "
                             f"{getattr(dx, 'shape', type(dx).__name__)}{context}")
    # Where the forward gave inf or nan there is no derivative to compare with (its own part says so); and
    # those elements show no mask either. Where x is 0, out / x says nothing: see below.
    shown = np.isfinite(out) & (x != 0)
    # The derivative of the forward the submission computed: out = x * (out / x) elementwise. Or what the
    # assignment asks for, given the forward's mask (dout * mask / p; dout in test mode): a backward right by
    # the assignment beside a forward that is not (x * p in test mode, say) is not charged for the forward.
    with np.errstate(divide="ignore", invalid="ignore"):
        derivative = (dout * (out / x))[shown]
    asked = dout[shown] * ((out[shown] != 0) / scenario.p if scenario.mode == "train" else 1.0)
    if not _close(dx[shown], asked):
        assert_close(dx[shown], derivative, tolerance=tolerances.ASSIGNMENT, context=context,
                     quantity=f"dropout_backward's dx in {scenario.mode} mode (dout times the derivative of your "
                              f"forward's out, out / x: the same mask and 1 / p)")
    if scenario.mode == "train":
        tally.unobserved += int(np.count_nonzero(~np.isfinite(out)))
        tally.add(out[shown] != 0, 1.0 - scenario.p)
    at_zero = (x == 0) & np.isfinite(out)
    factor = _kept_factor(x, out)
    if not at_zero.any() or factor is None:
        return
    # A kept element whose x is 0 has out 0 as a dropped one has, but its derivative is the forward's kept
    # factor (or the assignment's, 1 / p; 1 in test mode): dx there is 0 (dropped) or dout times it (kept).
    kept = np.zeros(int(at_zero.sum()), dtype=bool)
    for scale in (factor, 1.0 / scenario.p if scenario.mode == "train" else 1.0):
        kept |= np.isclose(dx[at_zero], dout[at_zero] * scale, rtol=tolerances.ASSIGNMENT.rtol,
                           atol=tolerances.ASSIGNMENT.atol)
    dropped = np.isclose(dx[at_zero], 0.0, rtol=0, atol=tolerances.ASSIGNMENT.atol * 1e-3)
    if not (kept | dropped).all():
        raise AssertionError(f"dropout_backward's dx where x is 0 is neither 0 (dropped) nor dout times your forward's "
                             f"kept factor {factor:.6g} (kept), in {scenario.mode} mode{context}")
    zeros.add(kept, np.count_nonzero(out[shown] != 0), int(shown.sum()))


class BackwardTally(statistics.MaskTally):
    """The masks of the backward check's forward calls, and why a call gave none (`reasons`: the forward
    raised or returned something not shaped like x)."""

    def __init__(self):
        super().__init__()
        self.reasons = []


def backward_evidence():
    return BackwardTally(), ZerosKept()


def dropout_backward_matches(runner, settings):
    """dx = dout * out / x for the forward call just made (train: mask / p; test: 1), the notebook's
    x = randn(10, 10) + 10, p 0.2, seed 123 first; where x is exactly 0 (out / x shows nothing), dx is 0
    or dout times the forward's kept factor, kept as often as the forward keeps the call's other elements
    (ZerosKept: a backward that reads the mask off out != 0 keeps none of them). Credited only where the forward draws genuine masks: over the
    check's train-mode calls some elements kept and some dropped (statistics.MaskTally, fail closed:
    too few finite outputs to tell fails too)."""
    tally, zeros = backward_evidence()
    drawn = set()

    def body(scenario):  # a repeated draw repeats its masks: they count once
        fresh = _key(scenario) not in drawn
        drawn.add(_key(scenario))
        _dropout_backward_example(runner, scenario, (tally, zeros) if fresh else backward_evidence())
    for_all(dropout_scenarios(), settings, body,
            examples=[NOTEBOOK_BACKWARD, *ZEROS_BACKWARD, DropoutScenario((6, 7), 0.5, "test", None, 5, zeros=0.3),
                      DropoutScenario((9, 8, 7), 0.5, "train", None, 6)])
    degenerate = tally.degenerate()
    if degenerate:
        failed = (f" ({len(tally.reasons)} calls of dropout_forward failed, first: {tally.reasons[0]})"
                  if tally.reasons else "")
        raise AssertionError(f"Dropout backward earns credit only where the forward pass draws genuine masks, and "
                             f"over this check's train-mode calls {degenerate}{failed}. Fix dropout_forward first: "
                             f"'Dropout forward' says what is wrong.")
    zeros.judge("dropout_backward where x is exactly 0, over this check's calls")


# ---- The fully-connected net ------------------------------------------------------------------------

@dataclass(frozen=True)
class NetScenario:
    """A FullyConnectedNet and a batch: hidden_dims, the input's shape per example (input_dim its product),
    num_classes, N examples, keep ratio, reg, the dropout seed (None or an int) and `seed` for every
    array (the parameters, drawn here: the net's own initial ones are checked by the notebook's loss);
    open_relus: parameters drawn so that (almost) every ReLU is open, which the reading of a net's
    masks from its gradients needs (net_arrays); dtype, the net's (cs231n's default is float32)."""
    hidden_dims: tuple
    input_shape: tuple
    num_classes: int
    n: int
    keep: float
    reg: float
    dropout_seed: int | None
    seed: int
    open_relus: bool = False
    dtype: str = "float64"

    @property
    def input_dim(self):
        return int(np.prod(self.input_shape))

    @property
    def architecture(self):
        return (list(self.hidden_dims), self.input_dim, self.num_classes, 1e-2)

    def describe(self):
        seed = "" if self.dropout_seed is None else f", seed={self.dropout_seed}"
        return (f"FullyConnectedNet({list(self.hidden_dims)}, input_dim={self.input_dim}, num_classes="
                f"{self.num_classes}, keep ratio {self.keep:g}, reg={self.reg:g}{seed}, dtype={self.dtype}), "
                f"X of shape {(self.n, *self.input_shape)}")


def net_arrays(scenario):
    """X (N, *input_shape) ~ N(0, 1), y (N,), params {W1, b1, ..., WL, bL}: weights ~ N(0, 2 / fan_in),
    the last layer scaled to logits a trained net reaches (_trained_logits),
    biases ~ N(0, 0.1) (not 0: a penalty or update that touches them shows). With open_relus, biases
    ~ N(1, 0.1) and weights ~ N(0, 0.245 / fan_in) (times the keep ratio above the first layer, which
    the kept values' 1 / p scale up): every pre-activation ~ N(1, about 0.3), open but for ~3%."""
    rng = np.random.default_rng((scenario.seed, 0xFC))
    sizes = [scenario.input_dim, *scenario.hidden_dims, scenario.num_classes]
    params = {}
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        if scenario.open_relus:
            variance = 0.245 * (scenario.keep if index > 1 else 1.0) / n_in
            params[f"W{index}"] = rng.normal(0.0, np.sqrt(variance), (n_in, n_out))
            params[f"b{index}"] = rng.normal(1.0, 0.1, n_out)
        else:
            params[f"W{index}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out))
            params[f"b{index}"] = rng.normal(0.0, 0.1, n_out)
    X, y = rng.normal(0.0, 1.0, (scenario.n, *scenario.input_shape)), rng.integers(0, scenario.num_classes, scenario.n)
    return X, y, _trained_logits(X, params)


# The widest spread of a row's logits without dropout (the last layer scaled down to it where wider): a
# trained net's, whose smallest class probability stays far above where a guarded log (log(p + 1e-20),
# a clip) starts to differ from the exact loss, even with the kept values scaled up by 1 / keep.
LOGIT_SPREAD = 6.0


def _trained_logits(X, params):
    """params with W_L and b_L scaled so that no row of X's logits (no dropout) spreads wider than LOGIT_SPREAD."""
    layers = len(params) // 2
    hidden = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    for index in range(1, layers):
        hidden = np.maximum(hidden @ params[f"W{index}"] + params[f"b{index}"], 0.0)
    scores = hidden @ params[f"W{layers}"] + params[f"b{layers}"]
    spread = float(np.max(scores.max(axis=1) - scores.min(axis=1)))
    if spread > LOGIT_SPREAD:
        shrink = LOGIT_SPREAD / spread
        params = {**params, f"W{layers}": params[f"W{layers}"] * shrink, f"b{layers}": params[f"b{layers}"] * shrink}
    return params


# Run first under every profile: two hidden layers, inputs of two dimensions, dropout and reg on.
DESIGNED_NETS = (NetScenario((8, 6), (3, 2), 4, 5, 0.6, 0.7, None, 1),
                 NetScenario((10,), (7,), 3, 4, 0.75, 0.3, 123, 2, dtype="float32"))


def net_scenarios(keep=None, reg=None):
    return st.builds(
        NetScenario, hidden_dims=st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple),
        input_shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), num_classes=st.integers(2, 6),
        n=st.integers(1, 8), keep=keep if keep is not None else st.just(1.0) | st.floats(0.1, 0.9),
        reg=reg if reg is not None else st.just(0.0) | st.floats(0.0, 1.0),
        dropout_seed=st.none() | st.integers(0, 2**31 - 1), seed=st.integers(0, 2**32 - 1), dtype=DTYPE_NAMES)


def readable_batch(input_dim, hidden_dims, keep):
    """The largest N whose masks a net's gradients show: each hidden layer's input must have full row
    rank, so N is at most half the input's size and half the kept units of the narrowest hidden layer."""
    return max(1, min(input_dim // 2, int(keep * min(hidden_dims) / 2)))


# Inputs of 1 to 3 dimensions, 8 to 64 values.
READABLE_INPUTS = (st.tuples(st.integers(8, 40)) | st.tuples(st.integers(2, 6), st.integers(4, 8))
                   | st.tuples(st.integers(2, 4), st.integers(2, 4), st.integers(2, 4)))


# Of the nets with dropout, the share drawn as a net is used (biases near 0, about half the ReLUs closed:
# net_arrays without open_relus), in float64, whose masks show where the ReLUs are open: a net cannot drop
# only when its parameters look like those the grader reads masks from.
AS_USED_SHARE = 1 / 3


def dropout_net_scenarios(seeds=True):
    """Every net with dropout (keep ratio in [0.25, 0.85]) that a check trains, drawn one way: 1-3 hidden
    layers of 16-40 units, inputs of 8-64 values, every ReLU (almost) open, and N from 1 to
    readable_batch (so that its masks show in its gradients, whatever N it is given), or, for
    AS_USED_SHARE of them, parameters as a net in use has them (half its ReLUs closed: N up to
    readable_batch of half the units); with a dropout seed or without (seeds=False: without)."""
    def build(hidden_dims, input_shape, num_classes, keep, reg, dropout_seed, seed, share, dtype, as_used):
        cap = readable_batch(int(np.prod(input_shape)), hidden_dims, keep / 2 if as_used else keep)
        return NetScenario(hidden_dims, input_shape, num_classes, 1 + min(cap - 1, int(share * cap)), keep, reg,
                           dropout_seed, seed, open_relus=not as_used, dtype="float64" if as_used else dtype)
    return st.builds(build, hidden_dims=st.lists(st.integers(16, 40), min_size=1, max_size=3).map(tuple),
                     input_shape=READABLE_INPUTS, num_classes=st.integers(2, 6), keep=st.floats(0.25, 0.85),
                     reg=st.just(0.0) | st.floats(0.0, 1.0),
                     dropout_seed=(st.none() | st.integers(0, 2**31 - 1)) if seeds else st.none(),
                     seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 1.0), dtype=DTYPE_NAMES,
                     as_used=st.floats(0.0, 1.0).map(lambda draw: draw < AS_USED_SHARE))


# Run first: every batch size from 1 up, one and two hidden layers, with and without reg, seeded and not.
DESIGNED_DROPOUT_NETS = (NetScenario((32, 24), (12,), 4, 4, 0.5, 0.0, None, 3, True),
                         NetScenario((40,), (4, 5), 3, 6, 0.7, 0.3, None, 4, True, "float32"),
                         NetScenario((20, 30), (3, 3, 2), 5, 1, 0.3, 0.5, 5, 5, True),
                         NetScenario((24,), (16,), 2, 3, 0.6, 0.0, 1234, 6, True),
                         NetScenario((32, 24), (12,), 4, 2, 0.5, 0.0, None, 7),  # as a net in use has them
                         NetScenario((40,), (4, 5), 3, 1, 0.75, 0.2, None, 8))


def torch_net(X, y, params, reg, masks=None):
    """(scores, loss, grads) of {affine - relu - [dropout]} x (L - 1) - affine - softmax in float64 torch,
    each hidden layer's dropout given as its factor (what it multiplied each ReLU output by), loss +
    0.5 reg sum W^2."""
    import torch
    tensors = {key: torch.tensor(value, dtype=torch.float64, requires_grad=True) for key, value in params.items()}
    layers = len(params) // 2
    hidden = torch.from_numpy(np.asarray(X, dtype=np.float64).reshape(len(X), -1))
    for index in range(1, layers):
        hidden = torch.relu(hidden @ tensors[f"W{index}"] + tensors[f"b{index}"])
        if masks is not None:
            hidden = hidden * torch.from_numpy(np.asarray(masks[index - 1], dtype=np.float64))
    scores = hidden @ tensors[f"W{layers}"] + tensors[f"b{layers}"]
    loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(np.asarray(y, dtype=np.int64)))
    loss = loss + 0.5 * reg * sum(torch.sum(tensors[f"W{index}"] ** 2) for index in range(1, layers + 1))
    loss.backward()
    return scores.detach().numpy(), float(loss.detach()), {key: tensor.grad.numpy() for key, tensor in tensors.items()}


def _net_call(runner, scenario, context, with_labels=True, calls=1, unwrapped=()):
    """(X, y, params, replies): the arrays as the net holds them in its dtype (what the trusted side
    computes with; the worker is sent them in float64, as a notebook's data is), a reply per call."""
    X, y, params = net_arrays(scenario)
    replies = implementation(lambda: runner.call(
        "net_loss", architecture=scenario.architecture, keep=scenario.keep, reg=scenario.reg,
        seed=scenario.dropout_seed, construct_seed=scenario.seed, params=params, X=X, y=y if with_labels else None,
        calls=calls, dtype=scenario.dtype, unwrapped=tuple(unwrapped)), context)
    if not isinstance(replies, list) or len(replies) != calls or not all(isinstance(reply, dict) for reply in replies):
        raise AssertionError(f"the net's task gave no answer{context}")
    for reply in replies:
        for record in (reply.get("records") or []) + (reply.get("other_records") or []):
            if isinstance(record, dict) and record.get("raised") and len(_STOOD_IN) < 1:
                shape = getattr(record.get("x"), "shape", "?")
                _STOOD_IN.append(f"your dropout_forward raised {record['raised']} when the net called it (x of shape "
                                 f"{shape}, mode {record.get('mode')!r}, p {record.get('p')!r}), yet it runs in the "
                                 f"'Dropout forward' part's own check: a net must be judged with the dropout it "
                                 f"calls{context}")
    held = {key: as_sent(value, scenario.dtype) for key, value in params.items()}
    return as_sent(X, scenario.dtype), y, held, replies


# A net call in which the submission's dropout_forward raised runs on with a genuine dropout in its place
# (worker._standing_in), so the net is judged on its own code; the check then fails unless dropout_forward
# fails its own part too (then 'Dropout forward' charges it). The first such call of the check being run.
_STOOD_IN = []


def _net_check(check):
    """check(runner, settings), then the verdict on any net call that dropout_forward raised on."""
    def run(runner, settings):
        _STOOD_IN.clear()
        try:
            check(runner, settings)
            if _STOOD_IN and "broken" not in _forward_defects(runner, settings):
                raise AssertionError(_STOOD_IN[0])
        finally:
            _STOOD_IN.clear()
    run.__name__, run.__doc__ = check.__name__, check.__doc__
    return run


def _compare_loss(reply, loss, grads, context, what):
    assert_close(reply.get("loss"), loss, quantity=f"the loss {what}", tolerance=tolerances.ASSIGNMENT, context=context)
    returned = reply.get("grads")
    if not isinstance(returned, dict) or set(returned) != set(grads):
        raise AssertionError(f"grads must have the keys of model.params {sorted(grads)}, got "
                             f"{sorted(returned) if isinstance(returned, dict) else returned!r}{context}")
    for key in sorted(grads, key=lambda key: (int(key[1:]), key[0])):
        assert_close(returned[key], grads[key], quantity=f"grads[{key!r}] {what}", tolerance=tolerances.ASSIGNMENT,
                     context=context)


def _scores_example(runner, scenario, tally=None):
    context = _replay("scores", scenario, "fc_net")
    X, y, params, (reply,) = _net_call(runner, scenario, context, with_labels=False)
    if reply.get("records"):
        raise AssertionError(f"model.loss(X) (no y: test mode) called dropout_forward in train mode: the net must "
                             f"set dropout_param['mode'] = 'test' when y is None{context}")
    tested = reply.get("other_records")
    if tested:
        # The net called dropout_forward in test mode: judged given what that call returned (a dropout_forward
        # that is not the identity in test mode is its own part's bug), each call's x validated.
        if not all(isinstance(record, dict) and record.get("mode") == "test" for record in tested):
            raise AssertionError(f"model.loss(X) called dropout_forward with a mode other than 'test' or 'train'"
                                 f"{context}")
        factors = _recorded_factors(tested, scenario, X, params, context, mode="test").factors
        what = "model.loss(X), the scores in test mode, given what your dropout_forward returned in test mode"
    else:
        factors, what = None, "model.loss(X), the scores in test mode (no dropout)"
    scores, _, _ = torch_net(X, y, params, scenario.reg, factors)
    assert_close(reply.get("scores"), scores, quantity=what, tolerance=tolerances.ASSIGNMENT, context=context)


def scores_match_torch(runner, settings):
    """model.loss(X) gives the scores (N, C) of the net in test mode: dropout off whatever the keep ratio."""
    for_all(net_scenarios(), settings, lambda scenario: _scores_example(runner, scenario), examples=DESIGNED_NETS)


def _no_dropout_example(runner, scenario, tally=None):
    context = _replay("no_dropout", scenario, "fc_net")
    X, y, params, (reply,) = _net_call(runner, scenario, context)
    _, loss, grads = torch_net(X, y, params, scenario.reg)
    _compare_loss(reply, loss, grads, context, "(softmax loss + 0.5 reg sum W^2)")


def loss_matches_torch_without_dropout(runner, settings):
    """Keep ratio 1: the softmax loss + 0.5 reg sum W^2 (weights only) and every gradient."""
    for_all(net_scenarios(keep=st.just(1.0)), settings, lambda scenario: _no_dropout_example(runner, scenario),
            examples=[replace(scenario, keep=1.0) for scenario in DESIGNED_NETS])


# ---- The net's initialization --------------------------------------------------------------------------

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


# ---- The net's masks: validated records, or read from its gradients ----------------------------------

def _recorded_factors(records, scenario, X, params, context, mode="train"):
    """Each hidden layer's dropout factor from the records of the net's dropout_forward calls, none of them
    believed: there must be one per hidden layer, in order, with p the keep ratio, and the x each was
    given must be what the trusted side computes, relu(h W_k + b_k) (or h W_k + b_k, for a dropout put
    before its ReLU), h the values below as the earlier records' validated factors scaled them. The
    factor is out / x where the ReLU is open (0 where it is closed: nothing passes there anyway).
    -> NetReading (seen: where the ReLU is open; no scales: each element's factor is its own)."""
    sizes = list(scenario.hidden_dims)
    if not isinstance(records, list) or len(records) != len(sizes) or not all(isinstance(r, dict) for r in records):
        count = len(records) if isinstance(records, list) else "some number of"
        call = "model.loss(X, y)" if mode == "train" else "model.loss(X)"
        raise AssertionError(f"one {call} called dropout_forward {count} times in {mode} mode; the "
                             f"net has {len(sizes)} hidden layers, each followed by one dropout{context}")
    hidden = np.asarray(X, dtype=np.float64).reshape(scenario.n, -1)
    factors, seen = [], []
    for index, (record, size) in enumerate(zip(records, sizes), start=1):
        x, out, p = record.get("x"), record.get("out"), record.get("p")
        expected_shape = (scenario.n, size)
        if not (isinstance(x, np.ndarray) and isinstance(out, np.ndarray) and x.shape == out.shape == expected_shape):
            raise AssertionError(f"the dropout after hidden layer {index} did not act on its (N, H) = {expected_shape} "
                                 f"activations{context}")
        if p is None or not np.isclose(p, scenario.keep, rtol=0, atol=1e-12):
            raise AssertionError(f"the dropout after hidden layer {index} was called with p = {p!r}, where the net's "
                                 f"keep ratio is {scenario.keep:g} (dropout_param['p'] is the KEEP probability)"
                                 f"{context}")
        z = hidden @ params[f"W{index}"] + params[f"b{index}"]
        relu = np.maximum(z, 0.0)
        if not any(_close(x, value) for value in (relu, z)):
            worst = np.abs(x - relu)
            raise AssertionError(
                f"the dropout after hidden layer {index} was given x that is not relu(h W{index} + b{index}), h the "
                f"values entering layer {index} from the parameters set and the layers below (each as its dropout "
                f"scaled it): |difference| up to {np.nanmax(worst) if np.isfinite(worst).any() else np.inf:.3g}"
                f"{context}")
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where((relu > 0) & (x != 0), out / np.where(x != 0, x, 1.0), 0.0)
        factors.append(factor)
        seen.append(relu > 0)
        hidden = relu * factor
    return NetReading(factors, seen, [], float(np.finfo(scenario.dtype).eps))


def _close(actual, expected):
    tolerance = tolerances.ASSIGNMENT
    return bool(np.all(np.isfinite(actual)) and np.allclose(actual, expected, rtol=tolerance.rtol,
                                                               atol=tolerance.atol_for(expected)))


class Unreadable(Exception):
    """A net's masks that its gradients do not show."""


@dataclass
class NetReading:
    """What read_net_factors reads, per hidden layer: factors (N, H), what its dropout multiplied each
    ReLU output by (0, or the layer's scale); seen (N, H) bool, where the mask shows (the ReLU open
    and the backward signal clearly 0 or clearly not); scales, the kept values' multiplier; and
    precision, the relative rounding of what was read (float32's or float64's, or what the residuals
    and the conditioning show)."""
    factors: list
    seen: list
    scales: list
    precision: float = float(np.finfo(np.float64).eps)


MAX_CONDITION = 1e6  # of a layer's input: noisier readings are not made


def _precision(grads):
    """float32's rounding when every gradient is a float32 number (a net computing in float32 whatever
    dtype it is given), else float64's."""
    values = [np.asarray(value, dtype=np.float64) for value in grads.values() if isinstance(value, np.ndarray)]
    single = values and all(np.array_equal(value, value.astype(np.float32)) for value in values)
    return float(np.finfo(np.float32 if single else np.float64).eps)


# A weight gradient's rounding is relative to the whole of it, reg W_k included: where reg W_k dominates,
# h^T d (what is solved for) is measured against this share of |dW_k| at least, never against less.
NOISE_SHARE = 1e-2


def _solve(hidden, target, floor=0.0):
    """(d, relative residual) of hidden^T d = target, least squares; relative to max |target|, or to
    `floor` when that is larger (NOISE_SHARE of the gradient target was cut from)."""
    solution = np.linalg.lstsq(hidden.T, target, rcond=None)[0]
    residual = np.abs(hidden.T @ solution - target).max() / max(np.abs(target).max(), floor, 1e-300)
    return solution, residual


def read_net_factors(X, params, grads, reg):
    """A net's dropout factors read from its gradients alone (every hidden layer {affine - relu - dropout}).

    Layer k's weight gradient is dW_k = h^T d_k + reg W_k, h (N, n) its input and d_k (N, m) its
    backward signal: when h has full row rank (N <= n), d_k = pinv(h^T) (dW_k - reg W_k) exactly. For
    a hidden layer, d_k is the signal from above times the dropout's factor (ReLU open): zero exactly
    where the unit was dropped. Layer k's input is relu(z) * mask * s with the mask known from below
    and s unknown; solving with s = 1 gives s d_{k+1}, whose rows sum to s db_{k+1}: db reads s. So X
    gives d_1 and the first mask, which give layer 2's input up to its scale, and so on. A signal
    too small to call kept or dropped at the gradients' precision (float32's or float64's, or what the
    residuals show: X rounded to float32, say) is settled by which choice lets the
    next layer's weight gradient be h^T d (it has more units than the batch has examples: the wrong
    choice leaves a residual). The readings are checked (dW_k must be h^T d_k, db_k the sum of d_k's
    rows): gradients that fail are not those of any dropout net, AssertionError. A layer whose input
    has lower rank than the batch (a whole example dropped, say) raises Unreadable."""
    layers = len(params) // 2
    hidden = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    n = len(hidden)
    targets, biases, floors = {}, {}, {}
    for index in range(1, layers + 1):
        weights, bias = params[f"W{index}"], params[f"b{index}"]
        d_weights, d_bias = grads.get(f"W{index}"), grads.get(f"b{index}")
        if not (isinstance(d_weights, np.ndarray) and d_weights.shape == weights.shape
                and isinstance(d_bias, np.ndarray) and d_bias.size == weights.shape[1]):
            raise AssertionError(f"grads['W{index}'] and grads['b{index}'] must be shaped like params['W{index}'] "
                                 f"{weights.shape} and params['b{index}'] {bias.shape}")
        targets[index] = d_weights.astype(np.float64) - reg * weights
        floors[index] = NOISE_SHARE * float(np.abs(d_weights.astype(np.float64)).max(initial=0.0))
        biases[index] = d_bias.reshape(-1).astype(np.float64)
        if not (np.all(np.isfinite(targets[index])) and np.all(np.isfinite(biases[index]))):
            raise AssertionError(f"grads['W{index}'] or grads['b{index}'] holds inf or nan")
    precision = _precision(grads)
    consistent = max(1e-6, 1e3 * precision)  # relative residual of gradients of one batch
    reading = NetReading([], [], [], precision)
    mask, rounding = None, 4 * precision  # the gradients' relative rounding, as the residuals show it
    for index in range(1, layers + 1):
        weights, bias = params[f"W{index}"], params[f"b{index}"]
        singular = np.linalg.svd(hidden, compute_uv=False)
        if n > hidden.shape[1] or not singular.min() > singular.max() / MAX_CONDITION:
            raise Unreadable(f"the values entering layer {index} have lower rank than the batch's {n} examples "
                             f"(every unit of an example dropped, say)")
        condition = float(singular.max() / singular.min())
        # What a residual may be for gradients of one batch: the rounding the layers below showed carries on.
        limit = min(1e-3, max(consistent, 100 * rounding))
        solution, residual = _solve(hidden, targets[index], floors[index])
        rounding = max(rounding, 10 * residual)
        if residual > limit:
            raise AssertionError(
                f"grads['W{index}'] is not h^T d (+ reg W{index}) for any backward signal d, h the values entering "
                f"layer {index} (relu of the layer below, times its dropout's mask / p): the gradients are not those "
                f"of this net's loss, with any dropout")
        if index > 1:
            total, d_bias = solution.sum(axis=0), biases[index]
            norm = float(d_bias @ d_bias)
            if not norm > 0:
                raise Unreadable(f"grads['b{index}'] is 0: the scale of hidden layer {index - 1}'s kept values does "
                                 f"not show")
            scale = float(total @ d_bias) / norm
            tolerance = max(consistent, 100 * rounding * condition)  # of the signal read from below
            if scale == 0 or not np.allclose(total, scale * d_bias, rtol=tolerance,
                                             atol=tolerance * 1e-3 * np.abs(total).max()):
                raise AssertionError(
                    f"grads['b{index}'] is not the sum over the batch of the backward signal that grads['W{index}'] "
                    f"shows (every kept value of hidden layer {index - 1} scaled alike): the gradients are not those "
                    f"of this net's loss, with any dropout")
            reading.factors.append(scale * mask)
            reading.scales.append(scale)
            hidden, signal = hidden * scale, solution / scale
        else:
            signal = solution
        reading.precision = max(reading.precision, rounding * condition)
        if index == layers:
            break
        z = hidden @ weights + bias
        opened = z > 1e-9 * max(1.0, float(np.abs(z).max()))
        magnitude = np.abs(signal)
        top = float(magnitude[opened].max()) if opened.any() else 0.0
        if not top > 0:
            raise Unreadable(f"no backward signal reaches hidden layer {index}")
        noise = rounding * condition
        kept = opened & (magnitude > max(1e-7, 1e3 * noise) * top)
        dropped = opened & (magnitude < max(1e-12, 3 * noise) * top)
        doubtful = opened & ~kept & ~dropped
        relu = np.maximum(z, 0.0)
        kept |= doubtful  # a signal above the noise: kept, unless the next layer says otherwise
        doubtful |= _settle(relu, kept, opened & ~(kept & ~doubtful), magnitude, targets[index + 1], floors[index + 1],
                            min(1e-3, max(consistent, 100 * rounding)))
        reading.seen.append(opened & ~doubtful)
        mask = kept.astype(np.float64)
        hidden = relu * mask
    return reading


SETTLED = 64  # units tried again, at most, when the next layer does not fit the mask read


def _settle(relu, kept, unsure, magnitude, target, floor, limit):
    """When the next layer's weight gradient does not fit the mask read (within `limit`: a signal lost in
    the gradients' rounding, say), the `unsure` units with the largest signals (those too small to call,
    then those read as dropped) are tried the other way, one at a time, each change kept when it at least
    halves the misfit, until it fits: rarely needed (a few units in 1e5 of a net whose X was cast to
    float32), never for float64 gradients of a correct net. Changes `kept` in place; returns the units
    it changed (whose mask the statistics then leave aside)."""
    changed = np.zeros(kept.shape, dtype=bool)
    residual = _solve(relu * kept, target, floor)[1]
    if residual <= limit:
        return changed
    candidates = np.argwhere(unsure)
    for row, column in candidates[np.argsort(-magnitude[unsure])][:SETTLED]:
        kept[row, column] = not kept[row, column]
        trial = _solve(relu * kept, target, floor)[1]
        if trial <= residual / 2:
            residual, changed[row, column] = trial, True
            if residual <= limit:
                break
        else:
            kept[row, column] = not kept[row, column]
    return changed


def _read_factors(reply, scenario, X, y, params, context):
    """NetReading of the net's gradients; None when they do not show the masks (Unreadable, with the reason)."""
    grads = reply.get("grads")
    if not isinstance(grads, dict):
        raise AssertionError(f"model.loss(X, y) must return (loss, grads), grads a dict keyed like params{context}")
    try:
        return read_net_factors(X, params, grads, scenario.reg), ""
    except Unreadable as error:
        return None, str(error)
    except AssertionError as error:
        raise AssertionError(f"{error}{context}") from None


class NetEvidence:
    """What a net check observed: calls whose masks came from validated records, calls whose masks were
    read from gradients, calls that showed neither; the masks of each kind pooled (MaskPool, with
    `seen`: pools["records"], pools["gradients"]), and the first kept factor of a recorded mask that
    is not 1 / p."""

    def __init__(self):
        self.recorded = self.read = self.unreadable = 0
        self.bare = {"read": 0, "unread": 0}  # calls without the recorder, of a net that calls dropout_forward
        self.reasons = []
        self.pools = {"records": MaskPool(), "gradients": MaskPool()}
        self.as_called = []  # (x, keep, dtype) of each mask the records pool took, in its order
        self.scale = None
        # Failures that the dx of the net's own dropout_backward calls explain, held until settle().
        self.pending = []

    def settle(self, backward_defective):
        """Raises the first failure held back for dropout_backward's verdict, unless backward_defective():
        then dropout_backward is wrong on its own ('Dropout backward' charges it) and the net was right
        given what it returned."""
        if self.pending and not backward_defective():
            raise AssertionError(self.pending[0])

    def require(self, what):
        """Fails closed: no call observed, or more calls unobserved than observed."""
        observed = self.recorded + self.read
        if not observed or self.unreadable > observed:
            reasons = "; ".join(sorted(set(self.reasons))[:3]) or "no call was made"
            raise AssertionError(
                f"{what}: the net's masks could be observed in only {observed} of {observed + self.unreadable} "
                f"calls of model.loss(X, y) (neither the records of its dropout_forward calls nor its gradients "
                f"showed them: {reasons}). Check that model.loss(X, y) returns (loss, grads) with a gradient for "
                f"every parameter, and that each hidden layer's dropout keeps each unit with probability p")

    def bare_unread(self, what):
        """None, or why the calls made without the recorder are mostly unread (inline_masks then asks whether
        dropout_forward's own defects explain it)."""
        if self.bare["unread"] <= self.bare["read"]:
            return None
        reasons = "; ".join(sorted(set(self.reasons))[:3])
        return (f"{what}: called with its own dropout_forward in place (no grader's wrapper around it), the net's "
                f"gradients showed its masks in only {self.bare['read']} of {sum(self.bare.values())} calls "
                f"({reasons}). Check that model.loss(X, y) does the same whatever dropout_forward is")


def _net_factors(reply, scenario, X, y, params, context, evidence, drawn_by_dropout_forward=False):
    """(NetReading, source) of one model.loss(X, y) reply, its loss and gradients compared with torch's
    given the reading's factors: from the validated records when the net called dropout_forward (source
    "records"), else read from its gradients ("gradients"; "records" too for a call made without the
    recorder, drawn_by_dropout_forward, by a net whose recorded calls show it calls dropout_forward);
    (None, None) when neither shows them (counted in `evidence`)."""
    records = reply.get("records")
    if records:
        reading, source = _recorded_factors(records, scenario, X, params, context), "records"
        what = "with the masks your dropout_forward calls drew (each call's x checked, its out / x applied)"
        evidence.recorded += 1
    else:
        try:
            reading, reason = _read_factors(reply, scenario, X, y, params, context)
        except AssertionError as error:
            if not drawn_by_dropout_forward:
                raise
            # Its recorded call was validated; a forward bug (kept values unscaled, say) can leave a batch too
            # ill-conditioned to read: counted, and failing closed when most such calls do not show their masks.
            reading, reason = None, str(error).split("\nScenario:")[0]
        if drawn_by_dropout_forward:
            evidence.bare["read" if reading is not None else "unread"] += 1
        if reading is None:
            evidence.unreadable += 1
            evidence.reasons.append(reason)
            return None, None
        source, what = "gradients", "with the masks read from your gradients (dropout written in fc_net.py)"
        if drawn_by_dropout_forward:
            source, what = "records", "with the masks read from your gradients (your dropout_forward's)"
        evidence.read += 1
    _, loss, grads = torch_net(X, y, params, scenario.reg, reading.factors)
    try:
        _compare_loss(reply, loss, grads, context, what)
    except AssertionError as failure:
        if not drawn_by_dropout_forward:
            raise
        # Without the grader's stand-ins, a wrong dropout_backward makes the gradients show some other mask:
        # the failure waits for the verdict on dropout_backward (NetEvidence.settle).
        evidence.bare["read"] -= 1
        evidence.bare["unread"] += 1
        evidence.read -= 1
        evidence.unreadable += 1
        evidence.reasons.append("the gradients did not match torch's with the masks they showed")
        evidence.pending.append(str(failure))
        return None, None
    return reading, source


def _dropout_net_example(runner, scenario, evidence):
    context = _replay("dropout_net", scenario, "fc_net")
    X, y, params, replies = _net_call(runner, scenario, context, calls=2 if scenario.dropout_seed is not None else 1)
    _net_factors(replies[0], scenario, X, y, params, context, evidence)
    if scenario.dropout_seed is None:
        return
    records = [record for reply in replies for record in (reply.get("records") or [])]
    if records:
        # The net's part is to hand its seed to every call; whether dropout_forward honours it is the forward's.
        seeds = {record.get("seed") if isinstance(record, dict) else None for record in records}
        if seeds != {scenario.dropout_seed}:
            raise AssertionError(f"the net was built with seed={scenario.dropout_seed}, and its dropout_forward calls "
                                 f"were given dropout_param['seed'] {sorted(map(str, seeds))}: every call must get the "
                                 f"seed the net was given{context}")
        return
    assert_close(replies[1].get("loss"), np.asarray(replies[0].get("loss"), dtype=np.float64),
                 quantity="the loss of a second model.loss(X, y) with the same seed (the seed fixes every mask)",
                 tolerance=tolerances.ASSIGNMENT, context=context)


def dropout_net_matches_torch(runner, settings):
    """Keep ratio in (0, 1): the loss and every gradient match torch given the net's own masks: those its
    dropout_forward calls drew (one per hidden layer, p the keep ratio, each record validated against
    values computed here), or, for dropout written inline, those its gradients show (read_net_factors;
    N from 1 to readable_batch, on nets drawn by dropout_net_scenarios); with a seed, a second loss equals the first.
    Fails closed when the masks show in no call, or in fewer calls than they do not."""
    evidence = NetEvidence()
    for_all(dropout_net_scenarios(), settings, lambda scenario: _dropout_net_example(runner, scenario, evidence),
            examples=DESIGNED_DROPOUT_NETS)
    evidence.settle(lambda: _backward_defective(runner, settings))
    evidence.require("over this check's scenarios")


def unwrapped_call(scenario):
    """Which of an inline-masks scenario's two calls runs with the submission's own dropout_forward in
    place of the recorder (its masks read from the gradients): drawn from the scenario's seed."""
    return int(np.random.default_rng((scenario.seed, 0xB4E)).integers(2))


def _inline_masks_example(runner, scenario, evidence):
    context = _replay("inline_masks", scenario, "fc_net")
    bare = unwrapped_call(scenario)
    X, y, params, replies = _net_call(runner, scenario, context, calls=2, unwrapped=(bare,))
    observed = []
    recorded = bool(replies[1 - bare].get("records"))  # the net calls dropout_forward
    for call, reply in enumerate(replies):
        if call == bare and reply.get("bare_error"):
            # model.loss raised with the submission's own dropout_forward and dropout_backward in place: unread,
            # and a failure unless a dropout part fails on its own (NetEvidence.settle).
            evidence.bare["unread"] += 1
            evidence.unreadable += 1
            evidence.reasons.append("model.loss(X, y) raised")
            evidence.pending.append(f"with your own dropout_forward and dropout_backward in place (no grader's "
                                    f"stand-in), model.loss(X, y) raised {reply['bare_error']}{context}")
            continue
        if call == bare:
            reply = {**reply, "records": []}
        reading, source = _net_factors(reply, scenario, X, y, params, context, evidence,
                                       drawn_by_dropout_forward=recorded and call == bare)
        if reading is None:
            continue
        for layer, (factor, seen) in enumerate(zip(reading.factors, reading.seen), start=1):
            kept = factor[seen & (factor != 0)]
            tolerance = max(1e-6, 1e3 * reading.precision)
            if kept.size and not np.allclose(kept, 1.0 / scenario.keep, rtol=tolerance, atol=0):
                worst = float(kept[np.argmax(np.abs(kept - 1.0 / scenario.keep))])
                dropped = "" if np.any(seen & (factor == 0)) else ", and no unit was dropped"
                message = (f"the kept values of hidden layer {layer} are its ReLU's output times {worst:.6g}{dropped}, "
                           f"where the keep ratio {scenario.keep:g} asks for 1 / p = {1.0 / scenario.keep:.6g}")
                if source == "gradients":
                    raise AssertionError(f"inside the net (dropout written in fc_net.py), {message} (read from the "
                                         f"gradients of a batch of {scenario.n}){context}")
                evidence.scale = evidence.scale or f"in the net's dropout_forward calls, {message}{context}"
        observed.append((call, reading, source))
    # The global RNG's state at a call follows from the scenario's seed: a seed drawn again repeats the masks.
    observed = [(call, reading, source) for call, reading, source in observed
                if evidence.pools[source].fresh((scenario.seed, call))]
    for layer in range(len(scenario.hidden_dims)):
        for call, reading, source in observed:
            evidence.pools[source].add(reading.factors[layer] != 0, scenario.keep, seen=reading.seen[layer])
            if source == "records":
                x = _layer_inputs(X, params, reading.factors)[layer]
                evidence.as_called.append((x, scenario.keep, scenario.dtype))


def _layer_inputs(X, params, factors):
    """Each hidden layer's ReLU output, what its dropout is given, with the layers below scaled by `factors`."""
    hidden, inputs = np.asarray(X, dtype=np.float64).reshape(len(X), -1), []
    for index, factor in enumerate(factors, start=1):
        relu = np.maximum(hidden @ params[f"W{index}"] + params[f"b{index}"], 0.0)
        inputs.append(relu)
        hidden = relu * factor
    return inputs


def _forward_defects_as_called(runner, calls):
    """MaskPool's defects of dropout_forward given, in a new worker, the very calls the net's records pool
    holds ((x, keep, dtype) in the order the pool took their masks; no seed, NumPy's global RNG seeded
    afresh at each): what the submission's own dropout_forward does where the net called it. When it
    shows none (and the forward's own check none of the net's), the net's masks' defects are the net's."""
    stop = getattr(runner, "_stop", None)
    if callable(stop):
        stop()
    pool, seeds = MaskPool(), np.random.default_rng(0xA5CA11)
    for x, keep, dtype in calls:
        try:
            out = runner.call("dropout_forward", x=x, p=keep, mode="train", seed=None,
                              rng_seed=int(seeds.integers(2**32)), dtype=dtype)
        except Exception:  # noqa: BLE001 - a forward that fails here shows nothing for these calls
            continue
        if isinstance(out, np.ndarray) and out.shape == x.shape:
            pool.add(out != 0, keep, seen=x != 0)
    return set(pool.failing("dropout_forward given the net's own calls"))


def inline_masks(runner, settings):
    """The masks the net applies, read on this side: from its gradients where it calls no dropout_forward
    (read_net_factors), else from its validated records; on batches of every size from 1 to
    readable_batch, two calls of model.loss(X, y) each, the loss and gradients matching torch given
    those masks. Each kept value is scaled by 1 / p, and over the check (MaskPool, each kind of
    masks apart) the masks drop 1 - p, independently in every example, unit and call. Masks that
    the records say dropout_forward drew are excused a defect only where dropout_forward shows it on
    its own (_forward_defects: "Dropout forward" charges it), or given the very calls the net made
    (_forward_defects_as_called). One call of each scenario (unwrapped_call)
    runs with the submission's own dropout_forward in place of the recorder, its masks read from the
    gradients: a net that drops only when something wraps dropout_forward shows there (and fails when
    most such calls show nothing, unless dropout_forward's own defects explain it). Fails closed when
    no mask is observed, or too few for a bound."""
    evidence = NetEvidence()
    own = []  # dropout_forward's own defects, found once when first needed

    def forward_defects():
        if not own:
            own.append(_forward_defects(runner, settings))
        return own[0]
    for_all(dropout_net_scenarios(seeds=False), settings,
            lambda scenario: _inline_masks_example(runner, scenario, evidence),
            examples=[scenario for scenario in DESIGNED_DROPOUT_NETS if scenario.dropout_seed is None])
    backward_defective = _once(lambda: _backward_defective(runner, settings))
    # Without the stand-ins, the gradients are dropout_backward's: they are its loss's derivative only when
    # dropout_backward is the derivative of dropout_forward, and each of those is its own part's to judge.
    evidence.settle(lambda: backward_defective() or bool(forward_defects()))
    evidence.require("over this check's scenarios")
    unread = evidence.bare_unread("over this check's scenarios")
    if unread and not forward_defects() and not backward_defective():
        raise AssertionError(f"{unread}\nYour dropout_forward shows no defect on its own (the 'Dropout forward' part's "
                             f"first check, run again) that would keep these masks from showing")
    if evidence.pools["gradients"].calls or not evidence.recorded:
        evidence.pools["gradients"].judge("inside the net (dropout written in fc_net.py), over this check's calls")
    if not evidence.recorded:
        return
    defects = evidence.pools["records"].failing("the masks of the net's dropout_forward calls, over this check's calls")
    if evidence.scale:
        defects["scale"] = evidence.scale
    if not defects:
        return
    unexplained = [name for name in defects if name not in forward_defects()]
    if unexplained and _forward_defects_as_called(runner, evidence.as_called):
        # dropout_forward misbehaves on the very calls the net made (a statistic of those masks fails when they
        # are drawn again): what the net's masks show is the forward's doing, whichever statistic shows it.
        unexplained = []
    if unexplained:
        raise AssertionError(
            f"{defects[unexplained[0]]}\nYour dropout_forward does not do this on its own (the 'Dropout forward' "
            f"part's first check, run again, finds {', '.join(sorted(forward_defects())) or 'nothing wrong'}): the net's dropout "
            f"must be dropout_forward(h, {{'mode': 'train', 'p': keep ratio}}) after each hidden ReLU, its out used "
            f"as it is")


def _forward_defects(runner, settings):
    """What dropout_forward's own masks show, {"scale", and MaskPool.DEFECTS of the statistics that fail}: the
    'Dropout forward' part's first check run again from its start, on the same examples, in a new
    worker (nothing the net's calls left in the old one tells these calls from that check's), its
    comparisons noted rather than raised. A submission can only have the net excused a defect by
    showing it where 'Dropout forward' charges it."""
    stop = getattr(runner, "_stop", None)  # a SubmissionRunner's next call starts a new worker
    if callable(stop):
        stop()
    pool, defects = MaskPool(MaskPool.COUNTED), set()

    def body(scenario):
        try:
            x, out = _forward(runner, scenario, "")
        except AssertionError:
            defects.add("broken")
            return
        if scenario.mode == "train":
            keep = out != 0
            if not np.allclose(out[keep], x[keep] / scenario.p, rtol=tolerances.ASSIGNMENT.rtol,
                               atol=tolerances.ASSIGNMENT.atol):
                defects.add("scale")
            pool.add(keep, scenario.p, _key(scenario), seen=x != 0)
    for_all(dropout_scenarios(), settings, body, examples=NOTEBOOK_FORWARD + POOLED_FORWARD)
    return defects | set(pool.failing("dropout_forward on its own"))


def _notebook_gradients_example(runner, scenario, tally=None):
    """scenario: (keep, reg). The notebook's net, its own parameters; analytic against numeric gradients."""
    keep, reg = scenario
    context = (f"\nScenario: the notebook's gradient check, keep ratio {keep:g}, reg {reg:g}, seed 123"
               f"\nReplay: run the notebook's gradient-check cell with reg={reg!r}")
    N, D, H1, H2, C = NOTEBOOK_SIZES
    X, y = notebook_data()
    rng = np.random.default_rng(7)
    shapes = {"W1": (D, H1), "b1": (H1,), "W2": (H1, H2), "b2": (H2,), "W3": (H2, C), "b3": (C,)}
    entries = [(key, int(index)) for key, shape in shapes.items()
               for index in rng.choice(int(np.prod(shape)), size=min(12, int(np.prod(shape))), replace=False)]
    h = 1e-5
    reply = implementation(lambda: runner.call(
        "gradient_check", architecture=([H1, H2], D, C, 5e-2), keep=keep, reg=reg, seed=123, construct_seed=0,
        X=X, y=y, entries=entries, h=h), context)
    if not isinstance(reply, dict) or not isinstance(reply.get("moved"), list) or len(reply["moved"]) != len(entries):
        raise AssertionError(f"the gradient check gave no answer{context}")
    assert_close(reply.get("again"), np.asarray(reply.get("loss"), dtype=np.float64), tolerance=tolerances.ASSIGNMENT,
                 quantity="the loss of a second model.loss(X, y) (seed 123 fixes every mask)", context=context)
    grads = reply.get("grads")
    if not isinstance(grads, dict):
        raise AssertionError(f"model.loss(X, y) returned no grads{context}")
    for key in shapes:
        picked = [(index, pair) for (entry, index), pair in zip(entries, reply["moved"]) if entry == key]
        numeric = np.array([(np.asarray(up, dtype=np.float64) - np.asarray(down, dtype=np.float64)) / (2 * h)
                            for _, (up, down) in picked])
        analytic = grads.get(key)
        if not isinstance(analytic, np.ndarray) or analytic.size != int(np.prod(shapes[key])):
            raise AssertionError(f"grads[{key!r}] must be shaped like params[{key!r}] {shapes[key]}{context}")
        assert_close(analytic.reshape(-1)[[index for index, _ in picked]], numeric, tolerance=tolerances.ASSIGNMENT,
                     quantity=f"grads[{key!r}] against the numeric gradient of your own loss (centred, h = 1e-5)",
                     context=context)


def notebook_gradient_check(runner, settings):
    """The notebook's cell: N, D, H1, H2, C = 2, 15, 20, 30, 10, the net's own initial weights, seed 123,
    keep ratios 1, 0.75, 0.5 (and 0.5 with reg 0.7): the loss repeats, and each gradient equals the
    numeric gradient of the submission's own loss at 12 entries of every parameter. With dropout the
    cell needs a dropout_forward that honours its seed and a dropout_backward that is its derivative:
    where either dropout part fails on its own, the cell's dropout runs are not held against the net
    (its keep-1 run still is)."""
    explained = _once(lambda: not _forward_honours_seeds(runner, settings) or _backward_defective(runner, settings)
                      or bool(_forward_defects(runner, settings)))
    for scenario in ((1, 0.0), (0.75, 0.0), (0.5, 0.0), (0.5, 0.7)):
        try:
            _notebook_gradients_example(runner, scenario)
        except AssertionError:
            if scenario[0] == 1 or not explained():
                raise
            # With dropout, the cell needs a dropout_forward that repeats its mask for a seed, and a
            # dropout_backward that is its derivative: one of them fails its own part, which charges it,
            # so the cell cannot judge the net here (the net's other checks do, with the grader's stand-ins).


def _once(find):
    """find(), called at most once: its first answer kept."""
    found = []

    def answer():
        if not found:
            found.append(find())
        return found[0]
    return answer


def _backward_defective(runner, settings):
    """Whether dropout_backward fails the 'Dropout backward' part on its own, run again in a new worker."""
    stop = getattr(runner, "_stop", None)
    if callable(stop):
        stop()
    try:
        dropout_backward_matches(runner, settings)
    except AssertionError:
        return True
    return False


def _forward_honours_seeds(runner, settings):
    """Whether dropout_forward passes the 'Dropout forward' part's seed check on its own, run in a new worker."""
    stop = getattr(runner, "_stop", None)
    if callable(stop):
        stop()
    try:
        seed_fixes_the_mask(runner, settings)
    except AssertionError:
        return False
    return True


def notebook_initial_loss(runner, settings):
    """The notebook's initial loss without dropout, 2.3004790897684924 (ASSIGNMENT.md §B): the weights
    drawn as weight_scale * randn(in, out) in layer order, biases 0. (With dropout the initial losses
    depend on how the masks are drawn, which any correct scheme may do its own way: not graded.)"""
    context = "\nReplay: run the notebook's cell that prints the initial losses for dropout_keep_ratio 1, 0.75, 0.5"
    losses = implementation(lambda: runner.call("notebook_losses"), context)
    if not isinstance(losses, list) or len(losses) != len(NOTEBOOK_KEEPS):
        raise AssertionError(f"the notebook's cell gave no losses{context}")
    assert_close(losses[0], NOTEBOOK_LOSSES[0], tolerance=tolerances.ASSIGNMENT, context=context,
                 quantity="the notebook's initial loss with dropout_keep_ratio 1")


# ---- The mask studies ------------------------------------------------------------------------------

def study_values(shape, seed):
    """The values of a mask study's first call, (N, D): what its fraction and scaling studies test the
    masks against (the judge's pre_activations)."""
    return dropout_values(tuple(shape), np.random.default_rng((seed, 0x5EED_57D1)))


def _divisor_pair(size, rng):
    """(a, size // a) for a divisor a of `size` drawn at random."""
    small = [k for k in range(1, math.isqrt(size) + 1) if size % k == 0]
    divisors = small + [size // k for k in small]
    a = int(rng.choice(divisors))
    return a, size // a


def called_shape(shape, rng):
    """A shape of rank 1 to 4 holding (N, D)'s elements in the same order (C order), drawn at random: the
    shape a study's call gives dropout_forward; its output is read back as (N, D)."""
    n_rows, n_cols = shape
    rank = int(rng.integers(1, 5))
    if rank == 1:
        return (n_rows * n_cols,)
    if rank == 2:
        return (n_rows, n_cols)
    if rank == 3:
        return (n_rows, *_divisor_pair(n_cols, rng)) if rng.random() < 0.5 else (*_divisor_pair(n_rows, rng), n_cols)
    return (*_divisor_pair(n_rows, rng), *_divisor_pair(n_cols, rng))


def _distinct_seeds(rng, count):
    """`count` distinct seeds in [0, 2^31), a quarter of them below 2^16 (scenarios' seeds are often small)."""
    seeds = set()
    while len(seeds) < count:
        high = 2**16 if rng.random() < 0.25 else 2**31
        seeds.add(int(rng.integers(0, high)))
    return list(rng.permutation(sorted(seeds)))


_STUDY_POOLS = []  # the pool of the mask study being graded now: sample_masks adds every call's mask to it


def sample_masks(runner, p, shape, calls, seed, instances=1):
    """(outputs, keep), (instances, calls, N, D): dropout_forward in train mode with keep probability 1 - p,
    called through the task every other check's calls go through, one call a request, on arguments
    drawn as a scenario's are: fresh values at every call (dropout_values; the first call's are
    study_values(shape, seed)), of a shape of any rank holding (N, D)'s elements (called_shape), half
    the calls with a dropout_param seed and half without (NumPy's global RNG seeded then), every seed
    distinct, x float64 or float32 at random. Nothing but its size tells a study's call from a scenario's, and each call's mask also
    joins the pooled statistics of the study being graded (MaskPool)."""
    shape = tuple(int(size) for size in shape)
    rng = np.random.default_rng((seed, *shape, int(round(p * 1e9)), calls, instances, 0x5A3))
    count = calls * instances
    seeds = _distinct_seeds(rng, 2 * count)
    seeded = rng.random(count) < 0.5
    pool = _STUDY_POOLS[-1] if _STUDY_POOLS else None
    outputs = np.empty((instances, calls, *shape))
    for call in range(calls):
        for instance in range(instances):
            k = call * instances + instance
            x = study_values(shape, seed) if k == 0 else dropout_values(shape, rng)
            called = called_shape(shape, rng)
            dropout_seed = seeds[k] if seeded[k] else None
            rng_seed = seeds[count + k] if seeded[k] else seeds[k]
            out = runner.call("dropout_forward", x=x.reshape(called), p=1.0 - p, mode="train", seed=dropout_seed,
                              rng_seed=rng_seed, dtype=DTYPES[int(rng.integers(len(DTYPES)))])
            if not isinstance(out, np.ndarray) or out.shape != called:
                raise AssertionError(f"dropout_forward's out must be an array shaped like x {called}, got "
                                     f"{getattr(out, 'shape', type(out).__name__)}")
            outputs[instance, call] = out.reshape(shape)
            if pool is not None:
                pool.add(out != 0, 1.0 - p, draw_key(dropout_seed, rng_seed))
    return outputs, keep_masks_of_samples(outputs)


def _study_relations(study):
    """A study that calls once per example has no two calls on one shape to compare."""
    several = study.calls_at(MIN_SCALE) * study.instances > 1
    return MaskPool.RELATIONS if several else tuple(r for r in MaskPool.RELATIONS if r != "shapes")


def _pooled_study(check, study):
    """`check` (a mask study) that also pools the masks of all its calls (MaskPool) and judges them."""
    relations = _study_relations(study)

    def run(runner, settings):
        pool = MaskPool(relations)
        _STUDY_POOLS.append(pool)
        try:
            check.run(runner, settings)
        finally:
            _STUDY_POOLS.remove(pool)
        pool.judge("over every call of this mask study")
    run.__doc__ = f"{check.run.__doc__} Then MaskPool's statistics over all of its calls."
    return Check(check.name, run, check.bounds + MaskPool.bounds_for(relations))


def replay_mask_study(name, layers, p, shape, seed, calls=None):
    """Run the mask study called `name` on the student's `layers` module, imported here."""
    run_study(InProcessRunner(Loaded(layers, DropoutRecorder(layers.dropout_forward)), sys.modules[__name__]),
              name, p, shape, seed, calls, pre_activations=study_values, sampler=sample_masks)


def _mask_study_replay(study, p, shape, seed, scale):
    arguments = mask_studies.replay_arguments(study, p, shape, seed, scale).replace(", p=", ", layers, p=", 1)
    return (f"(with your layers module imported as layers) from reference.assignments.cs231n_dropout import "
            f"replay_mask_study; replay_mask_study({arguments})\n(In a mask study's message p is the DROP "
            f"probability: your dropout_forward was called with dropout_param['p'] = {1 - p:.6g}, the keep ratio.)")


# The studies speak of the drop probability; here p is the keep ratio, and the checks' titles say so.
KEEP_TITLES = (("fraction dropped is p", "fraction dropped is 1 - p"), ("Binomial(n, p)", "Binomial(n, 1 - p)"),
               ("1/(1-p)", "1/p"))


def _keep_title(study):
    title = study.name
    for drop, keep in KEEP_TITLES:
        title = title.replace(drop, keep)
    return title


# ---- The parts -------------------------------------------------------------------------------------

MASK_STUDY_CHECKS = tuple(_pooled_study(check, study) for check, study in zip(
    mask_study_checks(_mask_study_replay, pre_activations=study_values, sampler=sample_masks, title=_keep_title),
    mask_studies.STUDIES))

PARTS = (
    Part("Dropout forward", 1.0, (
        Check("train mode is x * mask / p, test mode the identity (torch's dropout, given the mask)",
              dropout_forward_matches_torch, bounds=MaskPool.bounds_for(MaskPool.COUNTED)),
        Check("dropout_param['seed'] fixes the mask", seed_fixes_the_mask, bounds=MaskPool.bounds_for()),
        *MASK_STUDY_CHECKS,
    )),
    Part("Dropout backward", 0.5, (
        Check("dx is the derivative of your forward (the same mask and 1 / p)", dropout_backward_matches,
              bounds=3),
    )),
    Part("Fully-connected net", 1.5, (
        Check("initialization: weight_scale * randn(in, out), zero biases, of the net's dtype", initialization_matches,
              bounds=1),
        Check("scores in test mode match torch", _net_check(scores_match_torch)),
        Check("loss and gradients match torch without dropout", _net_check(loss_matches_torch_without_dropout)),
        Check("loss and gradients match torch with the masks its dropout drew", _net_check(dropout_net_matches_torch)),
        Check("dropout written inline: 1 / p, the fraction dropped, a fresh mask per call", _net_check(inline_masks),
              bounds=3 * MaskPool.bounds_for()),
        Check("the notebook's gradient check", notebook_gradient_check),
        Check("the notebook's initial loss", notebook_initial_loss),
    )),
)
FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
