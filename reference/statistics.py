"""What one mask cannot show, tested on many: drop fraction, freshness, independence, scaling.

Every bound is Hoeffding's: for n independent values in a range of width R, the mean lands
farther than t = R * sqrt(ln(2 / a) / (2 n)) from its expectation with probability at most a.
Each bound here uses a = FALSE_ALARM = 1e-12; a test run evaluates fewer than 1000 of them,
so a correct layer fails one by chance with probability below 1e-9 per run.
"""
import math

import numpy as np

FALSE_ALARM = 1e-12


def hoeffding_radius(n, width=1.0):
    return width * math.sqrt(math.log(2.0 / FALSE_ALARM) / (2.0 * n))


def assert_mean_near(values, expected, what, width=1.0):
    """The mean of `values` (independent, in a range of `width`) is within the bound of `expected`."""
    values = np.asarray(values, dtype=np.float64).ravel()
    radius = hoeffding_radius(values.size, width)
    mean = float(values.mean())
    if not abs(mean - expected) <= radius:
        raise AssertionError(
            f"{what}: measured {mean:.5f} over {values.size} elements, expected {expected:.5f} +/- {radius:.5f} "
            f"(a correct layer lands outside this with probability < {FALSE_ALARM:g})")


def agreement_probability(p):
    """P(two independent keep/drop draws agree) = p^2 + (1 - p)^2."""
    return p * p + (1 - p) * (1 - p)


def assert_drop_fraction(keep, p):
    """keep: bool (N, D) -> the fraction dropped is p."""
    assert_mean_near(~keep, p, f"fraction of outputs dropped with p={p:g}")


def assert_fresh_masks(keep_first, keep_second, p):
    """Two calls on the same input draw independent masks (not the same mask again)."""
    assert_mean_near(keep_first == keep_second, agreement_probability(p),
                     f"agreement between the masks of two consecutive calls with p={p:g}")


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
