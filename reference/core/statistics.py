"""What one mask cannot show, tested on many: drop fraction and counts, fresh and independent masks, scaling.

Every test here is a bound that a correct layer violates with probability at most FALSE_ALARM:
- Hoeffding's, for the mean of n independent values in a range of width R: it lands farther than
  t = R * sqrt(ln(2 / a) / (2 n)) from its expectation with probability at most a;
- McDiarmid's, for agreements between a mask and itself at an offset, which are not independent
  (each element takes part in two of them): the radius doubles;
- exact, for an outcome whose probability under correct dropout is computed (all dropped, all kept).
A test over many offsets at once splits its FALSE_ALARM among them (Bonferroni), and counts once.
Each evaluated bound is counted in `bounds_evaluated`, so a grading run can show its own budget:
each assignment's FALSE_ALARM_BUDGET (reference.assignments) states how many one run evaluates at most, and their sum of
false-alarm probabilities stays below 1e-9.
"""
import itertools
import math

import numpy as np

FALSE_ALARM = 1e-13

bounds_evaluated = 0


def _count_bound():
    global bounds_evaluated
    bounds_evaluated += 1


def hoeffding_radius(n, width=1.0):
    return width * math.sqrt(math.log(2.0 / FALSE_ALARM) / (2.0 * n))


def assert_mean_near(values, expected, what, width=1.0):
    """The mean of `values` (independent, in a range of `width`) is within the bound of `expected`."""
    _count_bound()
    values = np.asarray(values, dtype=np.float64).ravel()
    radius = hoeffding_radius(values.size, width)
    mean = float(values.mean())
    if not abs(mean - expected) <= radius:
        raise AssertionError(
            f"{what}: measured {mean:.5f} over {values.size} values, expected {expected:.5f} +/- {radius:.5f} "
            f"(a correct layer lands outside this with probability < {FALSE_ALARM:g})")


def agreement_probability(p):
    """P(two independent keep/drop draws agree) = p^2 + (1 - p)^2."""
    return p * p + (1 - p) * (1 - p)


def assert_drop_fraction(keep, p, where=""):
    """keep: bool, any shape -> the fraction dropped is p."""
    assert_mean_near(~keep, p, f"fraction of outputs dropped with p={p:g}{where}")


# Where a study's values fall: either sign, and near 0, middling or large.
MAGNITUDES = ((0.0, 0.1), (0.1, 1.0), (1.0, np.inf))
VALUE_BINS = tuple((sign, low, high) for sign in ("negative", "positive") for low, high in MAGNITUDES)
SMALLEST_BIN = 1000  # a bin with fewer outputs than this is not tested


def assert_drop_fraction_whatever_the_value(keep, pre, p):
    """keep, pre: (N, D). Among outputs whose wrapped-layer value is negative or positive, near 0,
    middling or large, the fraction dropped is p: a mask that depends on the values (a ReLU inside
    the layer, rand * out > p, pruning small values) fails. One bound per bin of VALUE_BINS."""
    for sign, low, high in VALUE_BINS:
        magnitude = np.abs(pre)
        chosen = ((pre < 0) if sign == "negative" else (pre > 0)) & (magnitude >= low) & (magnitude < high)
        if chosen.sum() >= SMALLEST_BIN:
            assert_mean_near(~keep[chosen], p, f"fraction of outputs dropped with p={p:g} among those whose "
                                                 f"wrapped layer gave a {sign} value of size in [{low:g}, {high:g}) "
                                                 f"({chosen.sum()} outputs)")


def assert_drop_fraction_per_unit(keep, p):
    """keep: (N, D) -> every unit (column) is dropped with probability p. One bound per column."""
    for unit in range(keep.shape[1]):
        assert_drop_fraction(keep[:, unit], p, f" in unit (column) {unit + 1} of {keep.shape[1]}")


def binomial_pmf(n, p):
    """[P(K = k) for k in 0..n], K ~ Binomial(n, p)."""
    return [_binomial_probability(n, k, p) for k in range(n + 1)]


def assert_drop_counts_binomial(keep, p):
    """keep: bool (calls, N, D). The number dropped at each call follows Binomial(N*D, p): for every
    k, the share of calls that drop exactly k outputs is P(K = k). A scheme that is right only on
    average over large arrays (a fixed count per call or per row) fails here. n + 1 bounds."""
    calls, n_rows, n_cols = keep.shape
    n = n_rows * n_cols
    dropped = (~keep).reshape(calls, -1).sum(axis=1)
    for k, probability in enumerate(binomial_pmf(n, p)):
        assert_mean_near(dropped == k, probability,
                         f"share of {calls} calls on a {n_rows}x{n_cols} output that drop exactly {k} "
                         f"of {n} outputs with p={p:g} (Binomial({n}, {p:g}))")


def assert_counts_of_consecutive_calls_independent(keep, p):
    """keep: bool (calls, N, D). Two consecutive calls drop the same number of outputs as often as two
    independent draws do, sum of P(K = k)^2: a mask made from the one before (reversed, permuted,
    rolled) keeps the count. Tested on disjoint pairs, calls (1, 2), (3, 4), ... and (2, 3), (4, 5),
    ...: two bounds."""
    calls, n_rows, n_cols = keep.shape
    dropped = (~keep).reshape(calls, -1).sum(axis=1)
    same = math.fsum(probability ** 2 for probability in binomial_pmf(n_rows * n_cols, p))
    for first in (0, 1):
        pairs = dropped[first: first + (calls - first) // 2 * 2].reshape(-1, 2)
        assert_mean_near(pairs[:, 0] == pairs[:, 1], same,
                         f"share of pairs of consecutive calls (calls {first + 1} and {first + 2}, "
                         f"{first + 3} and {first + 4}, ...) on a {n_rows}x{n_cols} output that drop the same "
                         f"number of outputs with p={p:g}")


def lag_agreements(a, b):
    """a, b: bool (n,) -> (shifts, agreements, overlaps) for every shift s in (-n, n): how many i have
    a[i] == b[i + s], among the overlap n - |s| positions where both exist (one FFT, not n loops)."""
    n = a.size
    size = 1 << (2 * n - 1).bit_length()
    signed_a, signed_b = 2.0 * a - 1.0, 2.0 * b - 1.0
    correlation = np.fft.irfft(np.conj(np.fft.rfft(signed_a, size)) * np.fft.rfft(signed_b, size), size)
    shifts = np.concatenate([np.arange(0, n), np.arange(-(n - 1), 0)])
    sums = np.rint(np.concatenate([correlation[:n], correlation[size - (n - 1):]]))
    overlaps = n - np.abs(shifts)
    return shifts, (overlaps + sums) / 2, overlaps


def _assert_agreement_at_every_shift(shifts, agreements, overlaps, p, what, spread):
    """Each shift's agreement rate is p^2 + (1-p)^2 within its radius; FALSE_ALARM is split evenly among
    the shifts tested. spread: 1 for independent agreements (Hoeffding), 2 for McDiarmid's case."""
    _count_bound()
    expected = agreement_probability(p)
    share = FALSE_ALARM / shifts.size
    radii = spread * np.sqrt(math.log(2.0 / share) / (2.0 * overlaps))
    rates = agreements / overlaps
    worst = int(np.argmax(np.abs(rates - expected) - radii))
    if abs(rates[worst] - expected) > radii[worst]:
        raise AssertionError(
            f"{what}: at offset {int(shifts[worst])} (flattened, row by row) {rates[worst]:.4f} of "
            f"{int(overlaps[worst])} elements agree, expected {expected:.4f} +/- {radii[worst]:.4f} for independent "
            f"draws with p={p:g} (a correct layer lands outside this at any of the {shifts.size} offsets tested with "
            f"probability < {FALSE_ALARM:g})")


def assert_no_lagged_copies(first, second, p, what):
    """first, second: bool masks of two different calls, same shape. At every offset with at least half
    of the elements overlapping, they agree as independent draws do: neither a repeat nor a complement
    nor a shifted copy (masks cut from one pool of random numbers one element further each call)."""
    shifts, agreements, overlaps = lag_agreements(np.ravel(first), np.ravel(second))
    tested = overlaps >= (first.size + 1) // 2
    _assert_agreement_at_every_shift(shifts[tested], agreements[tested], overlaps[tested], p, what, spread=1.0)


def assert_no_lagged_self_copies(keep, p, what):
    """keep: one bool mask (N, D). At every positive offset with at least half of the elements
    overlapping, the mask agrees with itself as independent draws do: no mask shared along rows or
    columns, and no pattern repeating at any period."""
    shifts, agreements, overlaps = lag_agreements(np.ravel(keep), np.ravel(keep))
    tested = (shifts > 0) & (overlaps >= (keep.size + 1) // 2)
    _assert_agreement_at_every_shift(shifts[tested], agreements[tested], overlaps[tested], p, what, spread=2.0)


def assert_no_exact_repeats(masks, p, what):
    """masks: bool (calls, ...), one layer's masks at its calls. No two are the same mask. Two independent
    masks of n elements are equal with probability (p^2 + (1 - p)^2)^n, so some pair of them is with
    probability at most calls^2 / 2 times that (the union bound), which must be below FALSE_ALARM for
    this bound to be used (ValueError otherwise). One bound."""
    _count_bound()
    calls, n = masks.shape[0], masks[0].size
    log_any = math.log(calls * (calls - 1) / 2) + n * math.log(agreement_probability(p))
    if not log_any < math.log(FALSE_ALARM):
        raise ValueError(f"{calls} masks of {n} elements with p={p:g} may repeat by chance (probability "
                         f"{math.exp(log_any):.1e}): too small for this bound")
    first_seen = {}
    for call, mask in enumerate(masks):
        key = np.packbits(mask).tobytes()
        if key in first_seen:
            raise AssertionError(
                f"{what}: calls {first_seen[key] + 1} and {call + 1} of {calls} drew the very same mask of {n} "
                f"elements (independent draws do so with probability < {_probability_text(log_any)}): each call "
                f"must draw its mask afresh, not from a cycle of masks or a function of the inputs")
        first_seen[key] = call


def all_pairs(count):
    return list(itertools.combinations(range(count), 2))


class MaskTally:
    """Kept and dropped outputs over many masks with 0 < p < 1, from independent draws: how many were
    dropped against how many a correct layer drops on average (the sum of their p), and the
    log-probability that a correct layer keeps none of them (sum of log p) or drops none (sum of
    log(1 - p)).

    Fail closed: evidence too small for a bound (no output observed, or too few to tell a layer
    that never drops, or always drops, from a correct one) fails that bound, with a message saying
    what could not be observed. `unobserved` counts outputs a check wanted to read and could not
    (what the submission returned had the wrong shape, say), for that message."""

    def __init__(self):
        self.kept = self.dropped = 0
        self.expected_dropped = 0.0
        self.log_all_dropped = self.log_all_kept = 0.0
        self.unobserved = 0

    def add(self, keep, p):
        if not 0.0 < p < 1.0:
            return
        keep = np.asarray(keep, dtype=bool)
        self.kept += int(keep.sum())
        self.dropped += int(keep.size - keep.sum())
        self.expected_dropped += keep.size * p
        self.log_all_dropped += keep.size * math.log(p)
        self.log_all_kept += keep.size * math.log(1.0 - p)

    @property
    def total(self):
        return self.kept + self.dropped

    def too_little(self):
        """None, or why this evidence cannot tell genuine masks apart: no output observed, or so few
        that a correct layer could keep all of them, or drop all of them, with probability above
        FALSE_ALARM (so that neither a layer that never drops nor one that always drops would show)."""
        limit = math.log(FALSE_ALARM)
        if self.total and self.log_all_kept < limit and self.log_all_dropped < limit:
            return None
        unobserved = (f" ({self.unobserved} outputs could not be read: what was returned did not have the "
                      f"shape asked for)" if self.unobserved else "")
        seen = f"only {self.total} outputs with 0 < p < 1 were observed" if self.total else "no output with " \
            "0 < p < 1 could be observed"
        return (f"{seen}{unobserved}, too few to show that the masks are genuine (the grader reads each "
                f"mask from what the layer returned, on values it computed itself): check that the layer "
                f"returns an output of the wrapped layer's shape, in every call")

    def _hidden_by(self, radius, mean_p):
        return (f"only {self.total} outputs with 0 < p < 1 were observed: within the bound of +/- {radius:.3f} "
                f"a layer that never drops (or always drops) would pass for one dropping {mean_p:.3f} of them, "
                f"too few to show that the masks are genuine")

    def assert_fraction_dropped(self, what):
        """(dropped - sum of p) / outputs is a mean of independent values of mean 0, each in a range of
        width 1: Hoeffding's bound. One bound; it fails when too_little() says why."""
        _count_bound()
        total = self.total
        radius = hoeffding_radius(total) if total else math.inf
        mean_p = self.expected_dropped / total if total else 0.0
        # The bound must be able to tell a layer that never drops (or always drops) from a correct one.
        reason = self.too_little() or (self._hidden_by(radius, mean_p) if radius >= min(mean_p, 1 - mean_p) else None)
        if reason:
            raise AssertionError(f"{what}: {reason}")
        deviation = (self.dropped - self.expected_dropped) / total
        if not abs(deviation) <= radius:
            raise AssertionError(
                f"{what}: {self.dropped} of {total} outputs were dropped where the p of their layers drop "
                f"{self.expected_dropped:.1f} on average: a fraction {deviation:+.4f} off, beyond +/- {radius:.4f} "
                f"(a correct layer lands outside this with probability < {FALSE_ALARM:g})")

    def degenerate(self):
        """None, or why the masks are degenerate: all dropped (or all kept) where a correct layer does
        so with probability below FALSE_ALARM, or too little evidence to tell (too_little). Two exact
        bounds."""
        _count_bound()
        _count_bound()
        if self.kept == 0 and self.dropped and self.log_all_dropped < math.log(FALSE_ALARM):
            return (f"it dropped all {self.dropped} outputs (a correct layer does so with probability "
                    f"{_probability_text(self.log_all_dropped)})")
        if self.dropped == 0 and self.kept and self.log_all_kept < math.log(FALSE_ALARM):
            return (f"it kept all {self.kept} outputs, dropping none (a correct layer does so with probability "
                    f"{_probability_text(self.log_all_kept)})")
        return self.too_little()


class Indicators:
    """Independent yes/no outcomes, each with the probability correct dropout gives it: how many were
    yes against the sum of those probabilities (Hoeffding's bound on their mean). A scheme these
    outcomes are chosen to expose answers yes (nearly) always. Fail closed: too few outcomes for the
    bound to tell that scheme from independent draws fails it too. Subclasses say what an outcome is."""
    OUTCOMES = "outcomes"       # what is counted, for the messages
    TELLS_APART = "a scheme that always answers yes"
    YES = "were yes"
    ADVICE = ""

    def __init__(self):
        self.count = self.yes = 0
        self.expected_yes = 0.0

    def _add(self, count, yes, expected_yes):
        self.count += count
        self.yes += yes
        self.expected_yes += expected_yes

    def _assert(self, what):
        """One bound."""
        _count_bound()
        radius = hoeffding_radius(self.count) if self.count else math.inf
        expected = self.expected_yes / self.count if self.count else 1.0
        if radius >= 1.0 - expected:
            raise AssertionError(
                f"{what}: only {self.count} {self.OUTCOMES} with 0 < p < 1 were observed, too few to tell "
                f"{self.TELLS_APART} from independent draws (the grader reads each mask from what the layer "
                f"returned): check that the layer returns an output of the wrapped layer's shape, in every call")
        deviation = (self.yes - self.expected_yes) / self.count
        if not abs(deviation) <= radius:
            raise AssertionError(
                f"{what}: {self.yes} of {self.count} {self.OUTCOMES} {self.YES} where independent draws do "
                f"{self.expected_yes:.1f} times on average: {deviation:+.4f} off, beyond +/- {radius:.4f} (a "
                f"correct layer lands outside this with probability < {FALSE_ALARM:g}){self.ADVICE}")


class Agreements(Indicators):
    """Pairs of keep/drop draws that independent dropout makes independently (two elements of one mask,
    or one element at two calls), over many masks: how many pairs agree against the sum of
    p^2 + (1 - p)^2 (p p' + (1 - p)(1 - p') for two p). A mask copied along rows or columns, or
    repeated at the next call, agrees more often. Pairs must be disjoint (no draw in two pairs)."""
    OUTCOMES = "pairs"
    TELLS_APART = "a mask copied between them"
    YES = "agree (both kept or both dropped)"
    ADVICE = "; each element's keep or drop must be drawn on its own, afresh at every call"

    def add_pairs(self, first, second, p, p_second=None):
        """first, second: bool arrays of one shape, the two draws of each pair, elementwise, with drop
        probabilities p and p_second (default p)."""
        p_second = p if p_second is None else p_second
        if not (0.0 < p < 1.0 and 0.0 < p_second < 1.0):
            return
        first, second = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
        self._add(first.size, int(np.count_nonzero(first == second)),
                  first.size * (p * p_second + (1 - p) * (1 - p_second)))

    def assert_independent(self, what):
        self._assert(what)


class NearestCounts(Indicators):
    """The number dropped in each of many masks (of 7 outputs or more: below, Binomial(n, p) itself lands
    there most of the time), against Binomial(n, p): how often it is one of the two whole numbers
    nearest n p. A scheme that drops a fixed number per call (floor(n p), or that plus a coin for the
    fraction) always lands there; independent draws at most about half the time."""
    OUTCOMES = "masks of 7 or more outputs"
    TELLS_APART = "a fixed number dropped per call"
    YES = "dropped one of the two whole numbers nearest n p"
    ADVICE = "; each output must be dropped on its own draw, not a fixed number per call"

    def add(self, keep, p):
        keep = np.asarray(keep, dtype=bool)
        n = keep.size
        if 0.0 < p < 1.0 and n >= 7:
            nearest = {math.floor(n * p), math.ceil(n * p)}
            self._add(1, int(n - int(keep.sum()) in nearest), sum(_binomial_probability(n, k, p) for k in nearest))

    def assert_binomial(self, what):
        self._assert(what)


class EqualCounts(Indicators):
    """Pairs of independent masks of one size and p (one layer's at two calls in a row; of 7 outputs or
    more), against Binomial(n, p): how often both drop the same number, against the sum over k of
    P(K = k)^2. A count kept from one call to the next (the last mask permuted, reversed or rolled)
    always agrees. Pairs are disjoint."""
    OUTCOMES = "pairs of masks of 7 or more outputs"
    TELLS_APART = "a number dropped kept from call to call"
    YES = "dropped the same number of outputs at two calls in a row"

    def add_pair(self, first, second, p):
        first, second = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
        n = first.size
        if 0.0 < p < 1.0 and n >= 7:
            self._add(1, int(first.sum() == second.sum()),
                      math.fsum(probability ** 2 for probability in binomial_pmf(n, p)))

    def assert_independent(self, what):
        self._assert(what)


class RareOutcomes:
    """Independent yes/no outcomes, each yes with a small probability under correct dropout (a large
    mask's count landing on one of the two whole numbers nearest its mean, say): the exact tail of
    their number (a Poisson binomial, summed by dynamic programming), which Hoeffding's bound is far
    too wide for. Fails when that many yes or more has probability below FALSE_ALARM; fails closed
    when even every outcome yes would not (too few outcomes to tell). Subclasses say what an outcome is."""
    OUTCOMES = "outcomes"
    YES = "were yes"
    ADVICE = ""

    def __init__(self):
        self.probabilities, self.yes = [], 0

    def _add(self, yes, probability):
        self.probabilities.append(min(1.0, max(0.0, float(probability))))
        self.yes += int(bool(yes))

    def tail(self, at_least):
        """P(at least `at_least` yes) for independent outcomes of these probabilities."""
        distribution = np.zeros(len(self.probabilities) + 1)
        distribution[0] = 1.0
        for count, probability in enumerate(self.probabilities, start=1):
            distribution[1:count + 1] = distribution[1:count + 1] * (1 - probability) + distribution[:count] * probability
            distribution[0] *= 1 - probability
        return float(distribution[at_least:].sum())

    def _assert(self, what):
        _count_bound()
        everything = math.prod(self.probabilities) if self.probabilities else 1.0
        if not everything < FALSE_ALARM:
            raise AssertionError(
                f"{what}: only {len(self.probabilities)} {self.OUTCOMES} were observed, too few to tell (even all of "
                f"them would happen with probability {everything:.1e}): check that every call returns an output "
                f"shaped like its input")
        tail = self.tail(self.yes)
        if tail < FALSE_ALARM:
            raise AssertionError(
                f"{what}: {self.yes} of {len(self.probabilities)} {self.OUTCOMES} {self.YES}, where independent "
                f"draws do {sum(self.probabilities):.2f} times on average (that many or more: probability "
                f"{tail:.1e}, below {FALSE_ALARM:g}){self.ADVICE}")


class ExactCounts(RareOutcomes):
    """The number dropped by each large mask (n elements, drop probability q), against Binomial(n, q):
    how often it is one of the two whole numbers nearest n q, which independent draws hit with
    probability about 2 / sqrt(2 pi n q (1 - q)) (under 0.1 from n = 500 on). A scheme that drops a
    fixed number per call always does."""
    OUTCOMES = "large masks (500 elements or more)"
    YES = "dropped one of the two whole numbers nearest n (1 - p)"
    ADVICE = ("; each element must be dropped on its own draw (np.random.rand(*x.shape) < p), not a fixed number "
              "of them per call")
    SMALLEST = 500

    def add(self, keep, q):
        keep = np.asarray(keep, dtype=bool)
        n = keep.size
        if 0.0 < q < 1.0 and n >= self.SMALLEST:
            nearest = {math.floor(n * q), math.ceil(n * q)}
            self._add(n - int(keep.sum()) in nearest, sum(_binomial_probability(n, k, q) for k in nearest))

    def assert_binomial(self, what):
        self._assert(what)


def _binomial_probability(n, k, p):
    return math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                    + k * math.log(p) + (n - k) * math.log1p(-p))


def _probability_text(log_probability):
    exponent = log_probability / math.log(10)
    return f"10^{exponent:.0f}" if exponent < -300 else f"{math.exp(log_probability):.1e}"


def tallied_once_per_draw(example, tally, draw):
    """A body for reference.core.properties.for_all: example(scenario, tally), the tally counting each
    draw once (draw(scenario): what fixes the masks, its seeds; a repeated draw repeats its masks, which
    are not independent of the first's)."""
    seen = set()

    def body(scenario):
        key = draw(scenario)
        fresh = key not in seen
        seen.add(key)
        example(scenario, tally if fresh else MaskTally())
    return body
