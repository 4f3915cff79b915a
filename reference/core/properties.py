"""A property run for grading: hypothesis draws the examples, one failure is reported, briefly shrunk.

A grading run calls this for every check, for right and wrong code alike, on one core within a
time and memory budget: so shrinking is bounded in time, nothing is printed, and a failing
example's data is dropped before hypothesis keeps its exception.
"""
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

from hypothesis import example, given, settings as Settings
from hypothesis.internal.conjecture import engine as hypothesis_engine
from hypothesis.reporting import with_reporter

# Shrinking a failure to a minimal example stops this long after it starts: each try reruns a
# scenario, and a wrong submission must grade as fast as a right one. hypothesis keeps this limit
# (300 s) in a module constant that it documents as there to be changed.
SHRINK_SECONDS = 4


@contextmanager
def _shrinking_limited(seconds):
    saved = hypothesis_engine.MAX_SHRINKING_SECONDS
    hypothesis_engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        hypothesis_engine.MAX_SHRINKING_SECONDS = saved


def for_all(strategy, settings, body, examples=()):
    """Run body(example) for the examples hypothesis draws from `strategy` under `settings`.

    Never with a deadline: a worker's start-up or a slow machine must not fail a check (the
    sandbox's per-call limit is what stops a submission that takes too long). One failure is
    reported, the smallest hypothesis finds in SHRINK_SECONDS, never a group of them, and nothing
    is printed (the failure's message says it all). A failing example's frames are cleared
    before hypothesis keeps its exception: the arrays they hold would otherwise outlive it, and a
    wrong submission fails hundreds of examples while hypothesis shrinks. `examples` run first.
    """
    last_failure = []

    def lean_body(value):
        try:
            body(value)
        except Exception as error:
            _clear_frames(error)
            last_failure[:] = [value]
            raise
    test = given(strategy)(Settings(settings, deadline=None, report_multiple_bugs=False)(lean_body))
    for value in reversed(examples):  # explicit examples, run first and in this order
        test = example(value)(test)
    with _shrinking_limited(SHRINK_SECONDS), with_reporter(lambda text: None):
        try:
            test()
        except Exception as error:
            if last_failure:  # hypothesis raises the minimal example's failure by running it last
                error.failing_example = FailingExample(strategy, body, last_failure[0])
            raise


@dataclass(frozen=True)
class FailingExample:
    """What a failed for_all leaves on its exception (as `failing_example`): the strategy, the body, and
    the example it failed on, so that the example can run again, on another implementation too, and
    others can be drawn (reference.grading.hints)."""
    strategy: object
    body: object
    value: object


def _clear_frames(error):
    """Drop the local variables of every frame in `error`'s traceback and in those of the exceptions
    it was raised from or during (kept as __cause__ and __context__, even after `from None`)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__
