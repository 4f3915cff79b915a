"""Runners: where an implementation runs. The trusted side only ever sees plain arrays from them.

- InProcessRunner: trusted classes (toyframe's own, the catalogue) in this process.
- SubmissionRunner: a student's files in a worker process (reference.worker): its own session
  (process group), stdin closed, stdout/stderr discarded, memory, CPU and file-size limits, a
  deadline per call, and replies decoded by reference.wire alone. If the worker dies, hangs or
  answers nonsense, the call fails with SubmissionFailure and the next call starts a new worker.
"""
import os
import pickle
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import runner as in_process, wire
from .masks import attach_keep_masks, keep_masks_of_samples
from .notebook import toy_l2_cell_losses
from .trace import StepRecord, Trace

ROOT = Path(__file__).resolve().parent.parent


class SubmissionFailure(AssertionError):
    """The submission could not answer a call: it raised, exited, hung, or sent something malformed."""


class InProcessRunner:
    """Runs trusted classes ({"dropout": ..., "l2": ...}) here. study_scale: the size of the mask studies'
    masks, as a fraction of their full size (None: measured, see reference.grading.study_scale)."""

    def __init__(self, classes, study_scale=None):
        self.classes = classes
        self.study_scale = study_scale

    def trace(self, scenario, graded):
        return in_process.run(scenario, {graded: self.classes[graded]})

    def mask_samples(self, p, shape, calls, seed, instances=1):
        return in_process.sample_masks(self.classes["dropout"], p, shape, calls, seed, instances)

    def notebook_l2(self):
        return toy_l2_cell_losses(self.classes["l2"])

    def begin_check(self):
        pass

    def reset(self):
        pass


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 20.0
    memory_bytes: int = 1024 * 2**20
    cpu_seconds: int = 600


class SubmissionRunner:
    """Runs the submission in DIR (layers/Dropout.py and layers/L2regularization.py, or both at its top).
    study_scale: as for InProcessRunner."""

    def __init__(self, directory, limits=Limits(), study_scale=None):
        self.directory = str(Path(directory).resolve())
        self.limits = limits
        self.study_scale = study_scale
        self._process = self._requests = self._replies = None
        self._broken = None
        self._checks_begun = self._broken_in_check = 0
        self._scratch = tempfile.TemporaryDirectory(prefix="submission-")

    # -- the Runner interface --
    def trace(self, scenario, graded):
        steps = self._call("observe", scenario=scenario, graded=graded)
        if not isinstance(steps, list):
            raise SubmissionFailure("the worker's reply is not a list of steps")
        trace = Trace([StepRecord(**{section: _plain_dict(step.get(section) if isinstance(step, dict) else None, section)
                                     for section in ("forward", "backward", "update", "observations")})
                       for step in steps])
        return attach_keep_masks(trace)

    def mask_samples(self, p, shape, calls, seed, instances=1):
        """(outputs, keep), both (instances, calls, N, D): see reference.runner.observe_masks."""
        outputs = self._call("observe_masks", p=p, shape=tuple(shape), calls=calls, seed=seed, instances=instances)
        expected = (instances, calls, *shape)
        if not isinstance(outputs, np.ndarray) or outputs.dtype != np.float64 or outputs.shape != expected:
            raise SubmissionFailure(f"the worker's reply is not the outputs of {calls} calls, shape {expected}")
        return outputs, keep_masks_of_samples(outputs)

    def notebook_l2(self):
        first, after = self._call("notebook_l2")
        return first, after

    def begin_check(self):
        """A new check starts: a failure that stops the worker is reported as such in the check where it
        happened (hypothesis replays the failing example there), as "not run" in the checks after it."""
        self._checks_begun += 1

    def reset(self):
        """Forget an earlier hang: a new part may start a new worker."""
        self._broken = None

    def close(self):
        self._stop()
        self._scratch.cleanup()

    # -- the worker --
    def _call(self, task, **args):
        if self._broken:
            if self._broken_in_check == self._checks_begun:
                raise SubmissionFailure(self._broken)
            raise SubmissionFailure(f"not run: earlier in this part, {self._broken}")
        if self._process is None or self._process.poll() is not None:
            self._start()
        try:
            wire.write_frame(self._requests, pickle.dumps({"task": task, "args": args}))
            payload = self._read_frame(time.monotonic() + self.limits.call_seconds)
            reply = wire.decode(payload)
        except TimeoutError:
            self._fail(f"the submission did not answer within {self.limits.call_seconds:g} s "
                       "(an endless loop, or far too slow)")
        except (EOFError, BrokenPipeError, OSError):
            self._fail("the submission's process ended during a call (exit code {code}): "
                       "sys.exit, os._exit, a crash, or the memory limit")
        except wire.WireError as error:
            self._fail(f"the submission's process sent a malformed reply: {error}")
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            error = reply.get("error") if isinstance(reply, dict) else None
            raise SubmissionFailure(error if isinstance(error, str) else "the submission's call failed")
        return reply.get("result")

    def _fail(self, reason):
        """The worker cannot be trusted to go on: stop it, and fail this call and the rest of the part."""
        code = self._stop()
        self._broken, self._broken_in_check = reason.format(code=code), self._checks_begun
        raise SubmissionFailure(self._broken) from None

    def _start(self):
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENBLAS_NUM_THREADS": "1",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT),
                       "HOME": self._scratch.name, "PYTHONDONTWRITEBYTECODE": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "reference.worker", self.directory, str(request_read), str(reply_write)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(request_read, reply_write), start_new_session=True, cwd=self._scratch.name,
            env=environment, preexec_fn=self._apply_limits)
        os.close(request_read)
        os.close(reply_write)
        self._requests, self._replies = os.fdopen(request_write, "wb"), reply_read

    def _apply_limits(self):
        resource.setrlimit(resource.RLIMIT_AS, (self.limits.memory_bytes,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (self.limits.cpu_seconds,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def _read_exactly(self, count, deadline):
        chunks, missing = [], count
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self._replies, min(missing, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _read_frame(self, deadline):
        length = int.from_bytes(self._read_exactly(8, deadline), "big")
        if length > wire.MAX_MESSAGE_BYTES:
            raise wire.WireError(f"frame of {length} bytes")
        return self._read_exactly(length, deadline)

    def _stop(self):
        """Kill the worker's whole process group; returns its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = process.wait()
        try:
            self._requests.close()
        except OSError:
            pass
        os.close(self._replies)
        self._requests = self._replies = None
        return code


def _plain_dict(value, what):
    if not isinstance(value, dict):
        raise SubmissionFailure(f"the worker's reply lacks {what!r}")
    return value
