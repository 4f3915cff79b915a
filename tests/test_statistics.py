"""The statistical checks' own guarantees: each bound's false-alarm probability, and the budget of a grading run."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toyframe
from reference.assignments import nnti_7_4
from reference.grading import mask_checks
from reference.grading.parts import run_check
from reference.core import statistics
from reference.grading.in_process import InProcessRunner

PROBABILITIES = st.floats(0.01, 0.99)


@given(n=st.integers(1, 12), p=PROBABILITIES)
def test_the_binomial_pmf_is_a_distribution_with_mean_np(n, p):
    pmf = statistics.binomial_pmf(n, p)
    assert math.isclose(math.fsum(pmf), 1.0, rel_tol=1e-12)
    assert math.isclose(math.fsum(k * q for k, q in enumerate(pmf)), n * p, rel_tol=1e-12)


@given(n=st.integers(1, 10_000), width=st.floats(0.5, 50))
def test_the_hoeffding_radius_is_the_bound_at_the_false_alarm_probability(n, width):
    radius = statistics.hoeffding_radius(n, width)
    # Hoeffding: P(|mean - E| >= t) <= 2 exp(-2 n t^2 / width^2); at t = radius that is FALSE_ALARM.
    assert math.isclose(2 * math.exp(-2 * n * radius ** 2 / width ** 2), statistics.FALSE_ALARM, rel_tol=1e-9)


@given(p=PROBABILITIES, size=st.integers(1, 400))
def test_the_mask_tally_names_all_dropped_or_all_kept_only_when_a_correct_layer_almost_never_does_it(p, size):
    for keep, log_probability, what in ((np.zeros(size, bool), size * math.log(p), "dropped all"),
                                        (np.ones(size, bool), size * math.log(1 - p), "kept all")):
        tally = statistics.MaskTally()
        tally.add(keep, p)
        reason = tally.degenerate()
        if log_probability < math.log(statistics.FALSE_ALARM):
            assert reason is not None and what in reason
        else:  # fail closed: too few outputs to tell
            assert reason is not None and "too few to show that the masks are genuine" in reason


def test_the_mask_tally_fails_closed_on_empty_or_too_little_evidence():
    """Saw nothing is never passed: an empty tally, or one with only p = 0 outputs, or too few outputs to
    tell a layer that never drops from a correct one, fails both of its bounds."""
    for tally in (statistics.MaskTally(), _tallied((np.zeros(10_000, bool), 0.0)),
                  _tallied((np.arange(20) % 2 == 0, 0.5)), _tallied((np.arange(5000) % 2 == 0, 0.001))):
        assert "too few to show that the masks are genuine" in tally.degenerate()
        with pytest.raises(AssertionError, match="too few to show that the masks are genuine"):
            tally.assert_fraction_dropped("the fraction")


def _tallied(*masks):
    tally = statistics.MaskTally()
    for keep, p in masks:
        tally.add(keep, p)
    return tally


def test_the_mask_tally_ignores_p_zero_and_passes_masks_that_keep_and_drop():
    tally = _tallied((np.zeros(10_000, bool), 0.0), (np.arange(10_000) % 2 == 0, 0.5))
    assert tally.degenerate() is None and (tally.kept, tally.dropped) == (5000, 5000)
    tally.assert_fraction_dropped("the fraction")


STATISTICAL_CHECKS = [(part, check) for part in nnti_7_4.PARTS for check in part.checks if check.bounds]


@pytest.mark.slow
@pytest.mark.parametrize("part, check", STATISTICAL_CHECKS, ids=[check.name for _, check in STATISTICAL_CHECKS])
def test_a_passing_check_evaluates_no_more_bounds_than_it_declares(part, check):
    """The declared counts make FALSE_ALARM_BUDGET: with every check's bounds at FALSE_ALARM, a correct
    submission fails a grading run by chance with probability below 1e-9. (Mask studies draw at most
    MASK_STUDY_EXAMPLES examples under any profile, as many as here.)"""
    before = statistics.bounds_evaluated
    check_settings = settings(settings(), max_examples=mask_checks.MASK_STUDY_EXAMPLES)
    passed, message = run_check(check, InProcessRunner({"dropout": toyframe.Dropout}), check_settings)
    assert passed, message
    assert 0 < statistics.bounds_evaluated - before <= check.bounds
    assert nnti_7_4.FALSE_ALARM_BUDGET == sum(check.bounds for _, check in STATISTICAL_CHECKS)
    assert nnti_7_4.FALSE_ALARM_BUDGET * statistics.FALSE_ALARM < 1e-9


LARGE_CALLS = ((250000, 0.75), (250000, 0.6), (100000, 0.2), (90000, 0.4), (196608, 0.7), (600, 0.5))


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1))
def test_exact_counts_pass_independent_masks_and_fail_a_fixed_count(seed):
    rng = np.random.default_rng(seed)
    honest, fixed = statistics.ExactCounts(), statistics.ExactCounts()
    for n, q in LARGE_CALLS:
        honest.add(rng.random(n) >= q, q)
        keep = np.ones(n, dtype=bool)
        keep[rng.permutation(n)[:round(n * q)]] = False
        fixed.add(keep, q)
    honest.assert_binomial("independent draws")  # fails with probability < FALSE_ALARM
    with pytest.raises(AssertionError, match="whole numbers nearest"):
        fixed.assert_binomial("a fixed count")


def test_exact_counts_tail_is_the_poisson_binomial_and_fails_closed_on_too_few_masks():
    counts = statistics.ExactCounts()
    counts.probabilities, counts.yes = [0.5, 0.25], 0
    assert counts.tail(0) == pytest.approx(1.0)
    assert counts.tail(1) == pytest.approx(1 - 0.5 * 0.75)
    assert counts.tail(2) == pytest.approx(0.125)
    few = statistics.ExactCounts()
    few.add(np.ones(250000, dtype=bool), 0.5)  # one mask: even a fixed count would be no surprise
    few.add(np.ones(10, dtype=bool), 0.5)       # too small to count
    with pytest.raises(AssertionError, match="too few to tell"):
        few.assert_binomial("one large mask")
