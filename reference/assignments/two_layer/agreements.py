"""Exact binomial bounds on agreements within and between masks: cells of outcomes, pairs at every
offset, repeats across passes, judged without false alarms beyond statistics.FALSE_ALARM."""
import itertools
import math
from dataclasses import dataclass

import numpy as np

from ...core import statistics


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
