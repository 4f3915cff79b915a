"""The mask studies (reference.core.mask_studies) as graded checks, for any assignment: it gives a sampler
(runner, p, shape, calls, seed, instances) -> (outputs, keep), asking its runner for masks through the tasks
its other checks use, and the values each study drops (pre_activations(shape, seed))."""
import math
import time
import weakref

from hypothesis import Phase, settings as Settings
from hypothesis import strategies as st

from ..core import mask_studies
from ..core.properties import for_all
from ..core.strategies import SEEDS
from .parts import Check, implementation

# A dozen drawn (p, shape, seed) per study is plenty at these sample sizes, whatever the profile: it
# also fixes how many statistical bounds a grading run evaluates (parts.false_alarm_budget).
MASK_STUDY_EXAMPLES = 12

# The mask studies' share of the time budget. A correct layer may be slow (a Python loop calling
# np.random.choice for each element costs ~25 us an element, 100x a vectorized one): then its masks
# are drawn smaller, by a power of 2, so that all studies take about this long. Every bound holds at
# any size, and mask_studies.MIN_ELEMENTS still shows every gross bug (a p off by a percent needs the
# full size); a vectorized layer always draws them at full size, so its grade never depends on the
# machine's speed.
STUDY_SECONDS = 15.0
# One call on each shape: a dropout may loop over rows or columns, and the studies draw masks as
# tall as (N, 1) and as wide as (1, D). The slowest per output counts.
CALIBRATION_SHAPES = ((100, 100), (10_000, 1), (1, 10_000))
CALIBRATION_CALLS = 20  # on a 1 x 1 output: what a call costs whatever its size (a worker's round trip, a cache read)
MIN_SCALE = 1 / 1024  # every study at its smallest size (mask_studies.MIN_ELEMENTS, MIN_CALLS)
_study_scales = weakref.WeakKeyDictionary()


def study_scale(runner, sampler, studies=mask_studies.STUDIES, max_scale=1.0):
    """The fraction of the studies' full mask sizes the runner's dropout is asked for (1, 1/2, 1/4, ...):
    the runner's own `study_scale` if it sets one (tests do), else the largest whose studies take
    STUDY_SECONDS at the speed measured (CALIBRATION_CALLS calls on one element: a cost per call;
    one call on each of CALIBRATION_SHAPES, less one on one element: the slowest cost per output),
    or the smallest,
    MIN_SCALE; never above max_scale; measured once per runner."""
    if getattr(runner, "study_scale", None):
        return runner.study_scale
    if runner not in _study_scales:
        per_call = _seconds(sampler, runner, (1, 1), CALIBRATION_CALLS) / CALIBRATION_CALLS
        # Net of what one call on one element costs (a request's own cost, where a sampler makes many
        # calls in one request, as nnti-7.4's does): what the outputs cost.
        one_call = _seconds(sampler, runner, (1, 1), 1)
        per_output = max(max(0.0, _seconds(sampler, runner, shape, 1) - one_call) / math.prod(shape)
                         for shape in CALIBRATION_SHAPES)
        scale = max_scale
        while scale > MIN_SCALE and (per_output * study_outputs(scale, studies)
                                     + per_call * study_calls(scale, studies)) > STUDY_SECONDS:
            scale /= 2
        _study_scales[runner] = scale
    return _study_scales[runner]


def measured_study_scale(runner):
    """The runner's study scale if it sets one or it was measured, else None (nothing is measured here)."""
    return getattr(runner, "study_scale", None) or _study_scales.get(runner)


CALIBRATION_REPEATS = 3  # the fastest of these: a busy machine only ever adds time


def _seconds(sampler, runner, shape, calls):
    fastest = float("inf")
    for _ in range(CALIBRATION_REPEATS):
        start = time.perf_counter()
        try:
            sampler(runner, 0.5, shape, calls, 0)
        except Exception:  # noqa: BLE001 - the studies themselves report what is wrong
            pass
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def study_outputs(scale, studies=mask_studies.STUDIES):
    """How many outputs all mask studies draw at `scale`, designed examples included."""
    return sum((MASK_STUDY_EXAMPLES + len(study.designed)) * study.outputs_at(scale) for study in studies)


def study_calls(scale, studies=mask_studies.STUDIES):
    """How many calls all mask studies make at `scale`, designed examples included."""
    return sum((MASK_STUDY_EXAMPLES + len(study.designed)) * study.calls_at(scale) * study.instances
               for study in studies)


def mask_study(study, replay, pre_activations, sampler, max_scale=1.0):
    """A check that runs `study` on the runner's dropout for drawn p, output shape and seed.
    replay(study, p, shape, seed, scale): the Python that reruns one example with the student's code;
    pre_activations(shape, seed): the values dropped; sampler(runner, p, shape, calls, seed, instances)
    -> (outputs, keep): how the masks are drawn; max_scale: the largest fraction of the full sizes drawn."""
    def check(runner, settings):
        def body(example):
            p, shape, seed = example
            context = f"\nReplay: {replay(study, p, shape, seed, scale)}"
            outputs, keep = implementation(lambda: study.sample(
                lambda *arguments: sampler(runner, *arguments), p, shape, seed, scale), context)
            try:
                study.judge(p, shape, seed, outputs, keep, pre_activations)
            except AssertionError as error:
                raise AssertionError(f"{error}{context}") from None
        # Not shrunk: a smaller p, shape or seed that fails too tells a student nothing more, and each
        # try is a whole study. The designed examples run first.
        scale = study_scale(runner, sampler, max_scale=max_scale)
        for_all(st.tuples(study.probabilities, study.shapes(scale), SEEDS),
                Settings(settings, max_examples=min(settings.max_examples, MASK_STUDY_EXAMPLES),
                         phases=[phase for phase in settings.phases if phase != Phase.shrink]), body,
                examples=study.designed_examples(scale))
    check.__doc__ = f"Mask study: {study.name}."
    return check


def mask_study_checks(replay, *, pre_activations, sampler, studies=mask_studies.STUDIES, max_scale=1.0,
                      title=None):
    """One Check per study (see mask_study), each counting the statistical bounds it evaluates at most;
    title(study) names it for students (default: the study's name, in the drop probability p)."""
    return tuple(Check(title(study) if title else study.name, mask_study(study, replay, pre_activations, sampler,
                                                                          max_scale),
                       study.bounds * (MASK_STUDY_EXAMPLES + len(study.designed))) for study in studies)


def run_study(runner, name, p, shape, seed, calls=None, *, pre_activations, sampler):
    """Run the mask study called `name` once on `runner`, as grading does (a student's replay)."""
    study = mask_studies.BY_NAME[name]
    outputs, keep = sampler(runner, p, tuple(shape), calls or study.calls, seed, study.instances)
    study.judge(p, shape, seed, outputs, keep, pre_activations)
