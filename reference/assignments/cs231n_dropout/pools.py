"""Statistics pooled over every call of a check: the fraction dropped and agreement between neighbouring
examples, features, consecutive calls and calls of one shape (MaskPool), each judged per element and per call."""
import math

import numpy as np

from ...core import statistics


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
