"""The one comparison every equivalence test goes through: replay a scenario, check a trace."""
from dataclasses import replace

import numpy as np
from hypothesis import assume, currently_in_test_context

from . import tolerances
from .comparator import assert_traces_close
from .masks import UnreadableOutput
from .runner import run
from .scenario import WRAPPERS, dropout_probabilities
from .torch_mirror import expected_trace
from .trace import Trace


def comparable(expected, dtype):
    """Whether a reference trace is well-conditioned enough to compare an implementation in `dtype`."""
    return (expected.kink_distance > tolerances.kink_margin(dtype)
            and expected.max_magnitude < tolerances.MAGNITUDE_LIMIT)


def replay(scenario, classes=None, sections=Trace.SECTIONS, tolerance=None, check_dtype=True, own_scale=False):
    """Run `scenario` in toyframe (with `classes` swapped in) and assert it matches PyTorch.

    The one comparison every equivalence test goes through: Scenario -> Runner -> Trace,
    Scenario + the run's own masks -> Reference -> expected Trace, then the Comparator.
    A scenario that cannot be compared in its dtype (too close to a kink, or diverged: see
    tolerances) is rejected: with hypothesis.assume inside a hypothesis test, else ValueError.
    """
    actual = run(scenario, classes)
    check_trace(scenario, actual, sections, tolerance, check_dtype, own_scale=own_scale)
    return actual


def replay_code(scenario, graded, sections=Trace.SECTIONS, tolerance=None, check_dtype=True, own_scale=False):
    """Python that reruns a comparison of `scenario` with the student's class for `graded` ("dropout",
    "l2"), to paste where that class is imported under the assignment's name."""
    arguments = [repr(scenario), f'{{"{graded}": {WRAPPERS[graded]}}}']
    if tuple(sections) != Trace.SECTIONS:
        arguments.append(f"sections={tuple(sections)!r}")
    if tolerance is tolerances.ASSIGNMENT:
        arguments.append("tolerance=ASSIGNMENT")
    if not check_dtype:
        arguments.append("check_dtype=False")
    if own_scale:
        arguments.append("own_scale=True")
    return f"from reference import *; import numpy as np; replay({', '.join(arguments)})"


def check_trace(scenario, actual, sections=Trace.SECTIONS, tolerance=None, check_dtype=True, graded=None,
                own_scale=False, reject=True):
    """Assert that `actual`, a trace of `scenario` from any runner, matches PyTorch given its own masks
    (and, with own_scale, the scale its Dropouts gave what they kept); returns the reference trace (whose
    keep_masks hold the masks read from `actual`).

    graded: the kind of class under test ("dropout", "l2"): its failure message replays it.
    Whether the scenario can be compared is judged on the trusted side alone: on torch's values with the
    masks read and the scale a correct Dropout gives (never the scale a trace shows, which the
    implementation chooses: a layer blowing its outputs up must not get a scenario dropped); a designed
    scenario (one with an origin: run in every grading) that diverges with the masks read fails. With
    own_scale, a scenario whose reference diverges at the steps whose backward pass is judged, by the
    scale the trace shows, is dropped only if that scale is a realistic slip (_judge_own_scale), and
    fails otherwise. reject=False: return None for a scenario that cannot be compared, instead of
    rejecting it."""
    replay = replay_code(scenario, graded, sections, tolerance, check_dtype, own_scale) if graded else None
    context = f"\nScenario: {scenario.describe()}\nReplay: {replay or f'reference.replay({scenario!r})'}"
    try:
        expected = expected_trace(scenario, actual)
        judged = expected
        if own_scale:
            expected = expected_trace(scenario, actual, own_scale=True)
    except UnreadableOutput as error:
        raise UnreadableOutput(f"{error}{context}") from None
    if not comparable(judged, scenario.dtype):
        if not reject:
            return None
        if scenario.origin and not judged.max_magnitude < tolerances.MAGNITUDE_LIMIT:
            # A designed run, in every grading, stays finite with any genuine masks: one that diverges with the
            # masks a layer drew (every output kept, a mask frozen) is never dropped quietly; its steps before
            # the divergence are compared.
            return _compare_until_divergence(scenario, actual, judged, expected if own_scale else judged, sections,
                                             tolerance, check_dtype, replay, context)
        _reject(f"scenario cannot be compared in {scenario.dtype}: it passes too close to a kink (distance "
                f"{judged.kink_distance:.3g}) or diverges (|values| up to {judged.max_magnitude:.3g}): "
                f"{scenario.describe()}")
    if own_scale and not _bounded(expected, scenario.steps):
        _judge_own_scale(scenario, expected, context)
        if not reject:
            return None
        _reject(f"the scale a Dropout's outputs show makes the model diverge: {scenario.describe()}")
    assert_traces_close(actual, expected, scenario, sections, tolerance=tolerance, check_dtype=check_dtype,
                        replay=replay)
    return expected


def _compare_until_divergence(scenario, actual, judged, expected, sections, tolerance, check_dtype, replay, context):
    """Compare a designed scenario's steps before the first whose trusted values leave the magnitude limit."""
    bounded = next((index for index, step in enumerate(judged.steps) if not _bounded(Trace([step]), 1)), 0)
    if bounded == 0 or not judged.kink_distance > tolerances.kink_margin(scenario.dtype):
        raise AssertionError(f"A backward pass earns credit only where the forward pass draws genuine masks, and "
                             f"with the masks your layer drew ({_kept_share(judged)}) this designed run diverges "
                             f"(|values| up to {judged.max_magnitude:.3g}), where genuine masks keep it finite. Fix the "
                             f"forward pass first: 'Dropout forward' says what is wrong.{context}")
    steps = min(bounded, scenario.steps)
    truncated = replace(scenario, steps=steps, passes=max(1, bounded - steps))
    assert_traces_close(Trace(actual.steps[:bounded]), Trace(expected.steps[:bounded]), truncated, sections,
                        tolerance=tolerance, check_dtype=check_dtype, replay=replay)
    return expected


def _kept_share(trace):
    """How much of what a trace's Dropouts were given they kept, in words."""
    masks = [mask for step in trace.steps for mask in step.keep_masks.values()]
    kept, total = sum(int(np.count_nonzero(mask)) for mask in masks), sum(mask.size for mask in masks)
    if kept == total:
        return f"they kept all {total} outputs"
    return f"they dropped all {total} outputs" if not kept else f"they kept {kept} of {total} outputs"


def _reject(message):
    if currently_in_test_context():
        assume(False)
    raise ValueError(message)


def _bounded(trace, steps):
    """Whether every value of the first `steps` steps of `trace` is finite and below the magnitude limit."""
    return Trace(trace.steps[:steps]).max_magnitude < tolerances.MAGNITUDE_LIMIT


def _judge_own_scale(scenario, expected, context):
    """A scenario whose own-scale reference diverges at the steps whose backward pass is judged is dropped only
    when every Dropout's scale, up to the step where the divergence shows, is one a realistic slip gives (1/p or
    1/(1-p) for either meaning of p; 1/p is infinite at p = 0); after it, a layer's outputs may overflow as its
    own training diverges. Any other scale there (1e12, not finite) is a forward pass made to hide its backward:
    it fails."""
    probabilities = dropout_probabilities(scenario)
    for step, record in enumerate(expected.steps[:scenario.steps]):
        overflowed = False  # a layer below at p = 0 gave inf: what it feeds is not finite either
        for name, scale in record.scales.items():  # in the order of the forward pass
            p = probabilities[name]
            slips = [1.0] + [1.0 / q for q in (p, 1.0 - p) if q > 0]
            if (p == 0 or overflowed) and not np.isfinite(scale):
                overflowed = True
                continue
            if not (np.isfinite(scale) and abs(scale) <= max(slips) * (1 + 1e-3)):
                raise AssertionError(f"the {name} at step {step + 1} scaled what it kept by {scale:.4g}, with "
                                     f"which torch's values diverge (a correct layer scales by 1/(1-p) = "
                                     f"{1.0 / (1.0 - p):.4g}): its backward pass cannot be judged.{context}")
        if not _bounded(Trace([record]), 1):
            return
