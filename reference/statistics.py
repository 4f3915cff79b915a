"""What one mask cannot show, tested on many: drop fraction and counts, fresh and independent masks, scaling.

Every test here is a bound that a correct layer violates with probability at most FALSE_ALARM:
- Hoeffding's, for the mean of n independent values in a range of width R: it lands farther than
  t = R * sqrt(ln(2 / a) / (2 n)) from its expectation with probability at most a;
- exact, for an outcome whose probability under correct dropout is computed (all dropped, all kept).
Each evaluated bound is counted in `bounds_evaluated`, so a grading run can show its own budget:
reference.grading.FALSE_ALARM_BUDGET states how many one run evaluates at most, and their sum of
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


def assert_drop_fraction(keep, p):
    """keep: bool, any shape -> the fraction dropped is p."""
    assert_mean_near(~keep, p, f"fraction of outputs dropped with p={p:g}")


def binomial_pmf(n, p):
    """[P(K = k) for k in 0..n], K ~ Binomial(n, p)."""
    return [math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(n + 1)]


def assert_drop_counts_binomial(keep, p):
    """keep: bool (calls, N, D). The number dropped at each call follows Binomial(N*D, p): for every
    k, the share of calls that drop exactly k outputs is P(K = k). A scheme that is right only on
    average over large arrays (a fixed count per call or per row) fails here."""
    calls, n_rows, n_cols = keep.shape
    dropped = (~keep).reshape(calls, -1).sum(axis=1)
    for k, probability in enumerate(binomial_pmf(n_rows * n_cols, p)):
        assert_mean_near(dropped == k, probability,
                         f"share of {calls} calls on a {n_rows}x{n_cols} output that drop exactly {k} "
                         f"of {n_rows * n_cols} outputs with p={p:g} (Binomial({n_rows * n_cols}, {p:g}))")


def assert_pairs_independent(masks, p, pairs, describe):
    """masks: bool (M, ...); pairs: (i, j) index pairs. Each pair of masks agrees as often as two
    independent draws do, p^2 + (1-p)^2: not a repeat, a complement or a shared stream.
    describe(i, j) names the pair in the message."""
    expected = agreement_probability(p)
    for i, j in pairs:
        assert_mean_near(masks[i] == masks[j], expected,
                         f"agreement between the masks of {describe(i, j)} with p={p:g}")


def all_pairs(count):
    return list(itertools.combinations(range(count), 2))


def assert_independent_rows_and_columns(keep, p):
    """keep: (N, D). Disjoint pairs of rows, and of columns, agree as often as independent draws do."""
    n_rows, n_cols = keep.shape
    if n_rows >= 2:
        rows = keep[: n_rows // 2 * 2]
        assert_mean_near(rows[0::2] == rows[1::2], agreement_probability(p),
                         f"agreement between the masks of different examples (rows) with p={p:g}")
    if n_cols >= 2:
        cols = keep[:, : n_cols // 2 * 2]
        assert_mean_near(cols[:, 0::2] == cols[:, 1::2], agreement_probability(p),
                         f"agreement between the masks of different units (columns) of width {n_cols} with p={p:g}")


def assert_mean_preserved(output_of_ones, p):
    """The output for an all-ones pre-activation averages 1 (inverted dropout's 1/(1-p) scaling)."""
    assert_mean_near(output_of_ones, 1.0, f"mean output for inputs of 1 with p={p:g}", width=1.0 / (1.0 - p))


class MaskTally:
    """Counts kept and dropped outputs over many masks with 0 < p < 1, and the log-probability that a
    correct layer keeps none of them (sum of log p) or drops none (sum of log(1 - p))."""

    def __init__(self):
        self.kept = self.dropped = 0
        self.log_all_dropped = self.log_all_kept = 0.0

    def add(self, keep, p):
        if not 0.0 < p < 1.0:
            return
        keep = np.asarray(keep, dtype=bool)
        self.kept += int(keep.sum())
        self.dropped += int(keep.size - keep.sum())
        self.log_all_dropped += keep.size * math.log(p)
        self.log_all_kept += keep.size * math.log(1.0 - p)

    def degenerate(self):
        """None, or why the masks are degenerate: all dropped (or all kept) where a correct layer does
        so with probability below FALSE_ALARM. Two exact bounds."""
        _count_bound()
        _count_bound()
        limit = math.log(FALSE_ALARM)
        if self.kept == 0 and self.log_all_dropped < limit:
            return (f"it dropped all {self.dropped} outputs (a correct layer does so with probability "
                    f"{_probability_text(self.log_all_dropped)})")
        if self.dropped == 0 and self.log_all_kept < limit:
            return (f"it kept all {self.kept} outputs, dropping none (a correct layer does so with probability "
                    f"{_probability_text(self.log_all_kept)})")
        return None


def _probability_text(log_probability):
    exponent = log_probability / math.log(10)
    return f"10^{exponent:.0f}" if exponent < -300 else f"{math.exp(log_probability):.1e}"
