"""The dropout parts' own verdicts when a net check needs them: a defect of dropout_forward or
dropout_backward is excused in the net only where its own part charges it. In a grading, the verdict is
the part's own, as graded before the net (reference.grading.parts.part_failed): an excuse is always a
charge, and nothing run again can be told apart from the grading. Where the part was not graded on
this runner (a check run alone, a part a course leaves out), its check runs again in a new worker."""
import numpy as np

from ...core import tolerances
from ...core.properties import for_all
from ...grading.parts import part_failed
from .dropout_checks import (NOTEBOOK_FORWARD, POOLED_FORWARD, _forward, _key, dropout_backward_matches,
                             dropout_scenarios, seed_fixes_the_mask)
from .net import _STOOD_IN
from .pools import MaskPool


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


FORWARD, BACKWARD = "Dropout forward", "Dropout backward"


class _Charged(frozenset):
    """Every defect there is: the part failed in this grading, which charges whatever it did."""

    def __contains__(self, defect):
        return True


CHARGED = _Charged({"charged in this grading"})


def _forward_defects_as_called(runner, calls):
    """MaskPool's defects of dropout_forward given, in a new worker, the very calls the net's records pool
    holds ((x, keep, dtype) in the order the pool took their masks; no seed, NumPy's global RNG seeded
    afresh at each): what the submission's own dropout_forward does where the net called it. When it
    shows none (and the forward's own check none of the net's), the net's masks' defects are the net's.
    In a grading that graded the forward, its verdict (_forward_defects) already said all there is."""
    if part_failed(runner, FORWARD) is not None:
        return set()
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


def _forward_defects(runner, settings):
    """What dropout_forward's own masks show, {"scale", and MaskPool.DEFECTS of the statistics that fail}: the
    'Dropout forward' part's first check run again from its start, on the same examples, in a new
    worker (nothing the net's calls left in the old one tells these calls from that check's), its
    comparisons noted rather than raised. A submission can only have the net excused a defect by
    showing it where 'Dropout forward' charges it. In a grading that graded the forward: CHARGED (every
    defect) when it failed, none when it passed."""
    failed = part_failed(runner, FORWARD)
    if failed is not None:
        return CHARGED if failed else frozenset()
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


def _once(find):
    """find(), called at most once: its first answer kept."""
    found = []

    def answer():
        if not found:
            found.append(find())
        return found[0]
    return answer


def _backward_defective(runner, settings):
    """Whether dropout_backward fails the 'Dropout backward' part: as graded, else run again in a new worker."""
    failed = part_failed(runner, BACKWARD)
    if failed is not None:
        return failed
    stop = getattr(runner, "_stop", None)
    if callable(stop):
        stop()
    try:
        dropout_backward_matches(runner, settings)
    except AssertionError:
        return True
    return False


def _forward_honours_seeds(runner, settings):
    """Whether dropout_forward passes the 'Dropout forward' part's seed check: where the part was graded,
    whether it passed (a failed part charges whatever it did); else that check run in a new worker."""
    failed = part_failed(runner, FORWARD)
    if failed is not None:
        return not failed
    stop = getattr(runner, "_stop", None)
    if callable(stop):
        stop()
    try:
        seed_fixes_the_mask(runner, settings)
    except AssertionError:
        return False
    return True
