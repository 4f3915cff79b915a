"""The likely bug, named: when a check fails, the known-wrong implementations of the assignment's
catalogue (reference.catalogues) run the failing example again, with the same inputs and seeds, and
one whose values match the submission's on that example and on AGREEING more drawn ones (one when collecting them takes half the time; the first
of a few drawn examples the submission fails too) is named: the failing example is often shrunk to
where two bugs agree (p = 0.01, nothing dropped: a backward that forgets 1/(1-p) and one that
forgets the mask give the same values), and drawn ones tell them apart:

    Likely cause: the mask is not applied in backward

The values compared are every reply of every call the example makes (the implementation's state,
such as a cache, aside), at the assignment's tolerance; a call that raises matches nothing. Masks come
from the implementation's own random stream, seeded as the example seeds it: a bug whose code draws
its masks the way the submission does reproduces its values, another drawing scheme does not, and no
hint is given then. Never a hint without such a match, and none beyond the time budgets below.
"""
import contextlib
import resource
import signal
import sys
import threading
import time
import weakref

import numpy as np
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as Settings
from hypothesis.reporting import with_reporter

from ..core import tolerances
from ..grading.in_process import InProcessRunner
from .mask_checks import measured_study_scale
from .parts import worded

HINT_SECONDS = 5.0  # per failed check
TOTAL_HINT_SECONDS = 12.0  # per grading: a submission failing every check still grades in its budget
SECOND_CANDIDATES = 8  # drawn examples tried for the AGREEING others: the first ones the submission fails
AGREEING = 2  # (one, when collecting them takes half the hint's time: a two-layer batch of 40 scenarios)
STATE_KEYS = frozenset({"cache", "observations", "records"})  # how an implementation keeps its state: not compared
RAISED = object()
# What a known bug replayed here (in the grader's own process) may add to its address space: a bug whose
# arrays broadcast to (N, N, D) on some drawn shape fails with MemoryError instead of taking the box down.
HINT_MEMORY_BYTES = 512 * 2**20
ALARM_REPEAT_SECONDS = 0.05  # past the deadline, the alarm goes off again until the block has stopped


class HintTimeout(BaseException):
    """A known bug's replay ran past the hint's deadline (a BaseException: no check's handler swallows it)."""


@contextlib.contextmanager
def guarded(deadline):
    """Runs the block under a soft RLIMIT_AS of the process's present size + HINT_MEMORY_BYTES and, in the
    main thread, an alarm at `deadline` (time.monotonic()) raising HintTimeout; both undone after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    size = _address_space_bytes()
    limit = size + HINT_MEMORY_BYTES if size else resource.RLIM_INFINITY
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    timed = threading.current_thread() is threading.main_thread()
    previous, previous_hook = None, sys.unraisablehook
    if timed:
        def timeout(signum, frame):
            raise HintTimeout()

        def unraisable(event):
            # The alarm went off in a finalizer or a gc callback (hypothesis has one), where Python cannot
            # raise: swallowed here (never a test's error), and the alarm, repeating, goes off again.
            if not isinstance(event.exc_value, HintTimeout):
                previous_hook(event)
        previous = signal.signal(signal.SIGALRM, timeout)
        sys.unraisablehook = unraisable
        signal.setitimer(signal.ITIMER_REAL, max(0.01, deadline - time.monotonic()), ALARM_REPEAT_SECONDS)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass
    try:
        yield
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.unraisablehook = previous_hook
        try:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        except (ValueError, OSError):
            pass


def _address_space_bytes():
    """This process's virtual size (VmSize), 0 when /proc does not say."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


class Recording:
    """The runner a check sees when hints are on: every call goes to `target`; while `log` is a list,
    each call's task and reply are appended to it."""

    def __init__(self, target):
        self.target = target
        self.log = None

    def call(self, task, **args):
        try:
            reply = self.target.call(task, **args)
        except BaseException:
            if self.log is not None:
                self.log.append((task, RAISED))
            raise
        if self.log is not None:
            self.log.append((task, reply))
        return reply

    def __getattr__(self, name):
        return getattr(self.target, name)


_recordings = weakref.WeakKeyDictionary()


def recording(runner):
    """The one Recording of `runner` (what was measured on it, such as the mask studies' scale, stays
    with it from check to check)."""
    if runner not in _recordings:
        _recordings[runner] = Recording(runner)
    return _recordings[runner]


class Hints:
    """The hints of one grading of `assignment` (a module of reference.assignments)."""

    def __init__(self, assignment, known_bugs=None):
        self.assignment = assignment
        self._known = known_bugs
        self.seconds_left = TOTAL_HINT_SECONDS

    def known_bugs(self):
        if self._known is None:
            try:
                from ..catalogues import known_bugs
            except ImportError:  # a student kit has no catalogue: no hints
                self._known = ()
            else:
                self._known = known_bugs(self.assignment)
        return self._known

    @staticmethod
    def recording(runner):
        """The runner a check sees when hints are on (recording)."""
        return recording(runner)

    def likely_causes(self, error, recording, part, check=""):
        """The known bugs of `part` that reproduce the failure `error` of the check `check` on `recording`'s
        target (at most two, as (description, the parts each costs)), none when no known bug does (or
        the time is spent). The bugs known to fail that very check are tried first."""
        failing = getattr(error, "failing_example", None)
        candidates = sorted((bug for bug in self.known_bugs() if part in bug.parts), key=lambda bug: check not in
                            bug.checks)
        if failing is None or not candidates or self.seconds_left <= 0:
            return ()
        start = time.monotonic()
        try:
            matches = _matching(failing, recording, candidates, self.assignment,
                                start + min(HINT_SECONDS, self.seconds_left))
        finally:
            self.seconds_left -= time.monotonic() - start
        return tuple((bug.description, tuple(sorted(bug.parts))) for bug in matches[:2])

    def likely_cause(self, error, recording, part, check=""):
        """likely_causes in words (worded), "" for none."""
        return worded(self.likely_causes(error, recording, part, check))



def _matching(failing, recording, candidates, assignment, deadline):
    """The candidates whose values equal the submission's on the failing example and AGREEING drawn ones."""
    first, _ = _values(recording, failing.body, failing.value)
    if first is None:
        return []
    examples = [(failing.value, first)]
    start = time.monotonic()
    halfway = start + (deadline - start) / 2  # after it, one drawn example will do: the bugs need time too
    for value in _drawn(failing.strategy, SECOND_CANDIDATES):
        if time.monotonic() > deadline or len(examples) > AGREEING or (len(examples) > 1 and time.monotonic() > halfway):
            break
        if _same_example(value, failing.value):
            continue
        values, failed = _values(recording, failing.body, value)
        if values is not None and failed:  # an example the bug shows in: one it does not would prove nothing
            examples.append((value, values))
    if len(examples) < 2:
        return []
    student = recording.target
    scale = measured_study_scale(recording)  # the same mask sizes as the submission's studies
    matches = []
    for bug in candidates:
        if time.monotonic() > deadline:
            break
        try:
            recording.target = InProcessRunner(bug.implementation, assignment, study_scale=scale)
            with guarded(deadline):  # a known bug runs here, in the grader's process: bounded in memory and time
                if all(_same(_values(recording, failing.body, value)[0], values) for value, values in examples):
                    matches.append(bug)
        except HintTimeout:
            break
        except Exception:  # noqa: BLE001 - a known bug that cannot run here names nothing
            continue
        finally:
            recording.target = student
    return matches


def _values(recording, body, value):
    """(every (task, reply) of body(value) on recording's target or None if there were none or one
    raised, whether the example failed)."""
    recording.log = []
    failed = False
    try:
        body(value)
    except AssertionError:
        failed = True
    except Exception:  # noqa: BLE001 - the harness's own trouble: no values to compare
        return None, False
    finally:
        log, recording.log = recording.log, None
    if not log or any(reply is RAISED for _, reply in log):
        return None, failed
    return log, failed


def _drawn(strategy, count):
    """`count` examples of `strategy`, the same ones on every run."""
    values = []

    @Settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value):
        values.append(value)

    with with_reporter(lambda text: None):
        collect()
    return values


def _same_example(a, b):
    try:
        return repr(a) == repr(b)
    except Exception:  # noqa: BLE001
        return False


def _same(a, b):
    if a is None or b is None:
        return False
    return len(a) == len(b) and all(task_a == task_b and _close(reply_a, reply_b)
                                    for (task_a, reply_a), (task_b, reply_b) in zip(a, b))


def _close(a, b):
    """Replies equal in structure, numbers within the assignment's tolerance (NaN equal to NaN)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return False
        keys = set(a) - STATE_KEYS
        return keys == set(b) - STATE_KEYS and all(_close(a[key], b[key]) for key in keys)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_close(x, y) for x, y in zip(a, b)))
    if _numeric(a) and _numeric(b):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or (a.dtype.kind == "b") != (b.dtype.kind == "b"):
            return False
        tolerance = tolerances.ASSIGNMENT
        return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=tolerance.rtol,
                                atol=tolerance.atol, equal_nan=True))
    return type(a) is type(b) and a == b


def _numeric(value):
    if isinstance(value, (bool, int, float, np.generic)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in "biuf"
