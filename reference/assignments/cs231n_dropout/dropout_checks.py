"""The 'Dropout forward' and 'Dropout backward' checks: torch's dropout given each call's own mask, the
seed, and dx as the derivative of the submission's own forward."""
import math
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from ...core import statistics, tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.parts import fact, implementation, note_fact
from .calls import _replay, as_sent, draw_key, dropout_values
from .pools import MaskPool, _LOG_TERM, _count_bound
from .reading import _close
from .worker import DTYPES


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


ZEROES_DROPPED = "dropout_backward's dx is 0 wherever the forward dropped"


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
    if scenario.mode == "train":
        # Whether dx is 0 where the forward dropped (whatever else is wrong): a net check reads it (ZEROES_DROPPED).
        dropped = shown & (out == 0) & (dout != 0)
        if dropped.any():
            zeroes = bool(np.all(np.abs(dx[dropped]) <= tolerances.ASSIGNMENT.atol * 1e-3))
            note_fact(runner, ZEROES_DROPPED, zeroes and fact(runner, ZEROES_DROPPED) is not False)
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
