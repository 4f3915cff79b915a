"""The one comparison every equivalence test goes through: replay a scenario, check a trace."""
from hypothesis import assume, currently_in_test_context

from . import tolerances
from .comparator import assert_traces_close
from .masks import UnreadableOutput
from .runner import run
from .scenario import WRAPPERS
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
                own_scale=False):
    """Assert that `actual`, a trace of `scenario` from any runner, matches PyTorch given its own masks
    (and, with own_scale, the scale its Dropouts gave what they kept); returns the reference trace (whose
    keep_masks hold the masks read from `actual`).

    graded: the kind of class under test ("dropout", "l2"): its failure message replays it."""
    replay = replay_code(scenario, graded, sections, tolerance, check_dtype, own_scale) if graded else None
    context = f"\nScenario: {scenario.describe()}\nReplay: {replay or f'reference.replay({scenario!r})'}"
    try:
        expected = expected_trace(scenario, actual, own_scale=own_scale)
    except UnreadableOutput as error:
        raise UnreadableOutput(f"{error}{context}") from None
    if not comparable(expected, scenario.dtype):
        if currently_in_test_context():
            assume(False)
        raise ValueError(f"scenario cannot be compared in {scenario.dtype}: it passes too close to a kink "
                         f"(distance {expected.kink_distance:.3g}) or diverges (|values| up to "
                         f"{expected.max_magnitude:.3g}): {scenario.describe()}")
    assert_traces_close(actual, expected, scenario, sections, tolerance=tolerance, check_dtype=check_dtype,
                        replay=replay)
    return expected
