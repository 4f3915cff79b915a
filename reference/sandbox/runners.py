"""SubmissionRunner: where a student's files run. The trusted side only ever sees plain arrays from it
(reference.grading.in_process.InProcessRunner runs trusted implementations through the same tasks).

- SubmissionRunner: a student's files in a worker process (reference.sandbox.worker), which sees only its
  view (a copy of the harness without the model solution, and a read-only copy of the submission),
  runs as another user when the grader is root, and raises the kernel's walls
  (reference.sandbox.isolation) before it imports the submission. Its first reply proves them; run as
  root, grading refuses to go on if one is missing. Every call has a deadline, the whole grading
  a budget, every reply a size cap, and replies are decoded by reference.sandbox.wire alone. If the worker
  dies, hangs or answers nonsense, the call fails with SubmissionFailure and the next call starts a
  new worker; whenever a worker is stopped, its whole session is killed and checked gone.
"""
import os
import pickle
import resource
import select
import shutil
import subprocess
import time
import weakref
from pathlib import Path

from .. import assignments
from . import wire
from .limits import INSTALL_HELP, Limits, WorkerIdentity, _assess
from .processes import kill_session, remove_ipc_objects
from .view import build_view

# `python -I -B -c BOOTSTRAP VIEW ...`: isolated mode ignores PYTHON* variables, the user's site and
# the working directory; the view goes first on sys.path.
BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from reference.sandbox.worker import main; main(sys.argv[1:])"
# Of a failure's whole text from the worker: its exception's text (which the worker cuts at its own
# ERROR_CHARACTERS) and the frames of the submission's code that raised it.
FAILURE_CHARACTERS = 2000


HANDIN_NOTES, HANDIN_NOTE_CHARACTERS = 31, 400


def handin_notes(notes):
    """The worker's notes on the hand-in as the feedback may show them: strings, cut and counted (the
    worker can send anything; nothing here decides a grade)."""
    if not isinstance(notes, list):
        return []
    return [_printable(note)[:HANDIN_NOTE_CHARACTERS] for note in notes[:HANDIN_NOTES] if isinstance(note, str)]


def _printable(text):
    """One line of valid Unicode without control characters (a file name's undecodable bytes, a terminal's
    escape sequences)."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(character if character.isprintable() else "?" for character in text)


class SubmissionFailure(AssertionError):
    """The submission could not answer a call: it raised, exited, hung, or sent something malformed."""


class IsolationRefused(SubmissionFailure):
    """Run as root, grading stops when a wall of the worker is missing: a message for staff."""


class SubmissionRunner:
    """Runs the submission in DIR, as `assignment` (a module of reference.assignments, default nnti-7.4)
    defines one, in a worker. study_scale: as for InProcessRunner. `isolation`: the walls the worker
    reported (after its first start)."""

    def __init__(self, directory, limits=Limits(), study_scale=None, identity=None, assignment=None):
        self.directory = str(Path(directory).resolve())
        # Its name alone: a worker's grader needs nothing of the trusted side (tests run one without torch).
        self.assignment_name = assignment.NAME if assignment else assignments.DEFAULT
        self.limits = limits
        self.study_scale = study_scale
        self.identity = identity or WorkerIdentity.from_environment()
        self.isolation = None
        self.leftovers = []  # pids of a worker's session that outlived every SIGKILL (none, so far)
        self.ipc_removed = []  # IPC objects its workers left behind, removed when they stopped (none, so far)
        self.left_out = []  # the submission's files too large for the view
        self.handin = []  # what reading the hand-in noted (the worker's words, checked and cut: feedback only)
        self._process = self._requests = self._replies = None
        self._broken = self._refused = None
        self._checks_begun = self._broken_in_check = 0
        self._budget_end = time.monotonic() + limits.total_seconds
        self._view = build_view(self.directory, self.assignment_name, left_out=self.left_out)
        _RUNNERS.add(self)

    # -- the Runner interface --
    def call(self, task, **args):
        """The assignment's `task` on the submission in the worker -> its reply: plain values and arrays
        (reference.sandbox.wire), which the caller must check before believing any of it."""
        return self._call(task, **args)

    def begin_check(self):
        """A new check starts: a failure that stops the worker is reported as such in the check where it
        happened (hypothesis replays the failing example there), as "not run" in the checks after it."""
        self._checks_begun += 1

    def reset(self):
        """Forget an earlier hang: a new part may start a new worker."""
        self._broken = None

    def unavailable(self):
        """Why no call can be made any more (grading refused; the time budget spent), else None."""
        if self._refused:
            return self._refused
        if time.monotonic() >= self._budget_end:
            return f"not run: the grading time budget ({self.limits.total_seconds:g} s) is spent"
        return None

    @property
    def refused(self):
        """Why grading was refused (a wall missing while root, or no worker could start), else None."""
        return self._refused

    def isolation_report(self):
        """The worker's walls, starting a worker if none has started yet (None if it cannot start)."""
        if self.isolation is None and self._refused is None:
            try:
                self._start()
            except SubmissionFailure:
                pass
        return self.isolation

    def handin_report(self):
        """What the student should know of how their hand-in was read: files too large to enter the
        view, and the worker's notes (a notebook's cells not run, which file was graded, ...)."""
        return handin_notes(self.left_out[:10]) + self.handin

    def close(self):
        self._stop()
        shutil.rmtree(self._view, ignore_errors=True)

    # -- the worker --
    def _call(self, task, **args):
        if self._refused:
            raise IsolationRefused(self._refused)
        if time.monotonic() >= self._budget_end:
            raise SubmissionFailure(f"not run: the grading time budget ({self.limits.total_seconds:g} s) is spent")
        if self._broken:
            if self._broken_in_check == self._checks_begun:
                raise SubmissionFailure(self._broken)
            raise SubmissionFailure(f"not run: earlier in this part, {self._broken}")
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self._start()
        try:
            deadline = min(time.monotonic() + self.limits.call_seconds, self._budget_end)
            self._write_frame(pickle.dumps({"task": task, "args": args}), deadline)
            reply = wire.decode(self._read_frame(deadline))
        except TimeoutError:
            if time.monotonic() >= self._budget_end:
                self._fail(f"the grading time budget ({self.limits.total_seconds:g} s) was spent during this call")
            self._fail(f"the submission did not answer within {self.limits.call_seconds:g} s "
                       "(an endless loop, or far too slow)")
        except (EOFError, BrokenPipeError, OSError):
            self._fail("the submission's process ended during a call (exit code {code}): "
                       "sys.exit, os._exit, a crash, or the memory limit")
        except wire.WireError as error:
            self._fail(f"the submission's process sent a malformed reply: {error}")
        if isinstance(reply, dict) and "handin" in reply:
            self.handin = handin_notes(reply["handin"])
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            error = reply.get("error") if isinstance(reply, dict) else None
            raise SubmissionFailure(_cut(error) if isinstance(error, str) else "the submission's call failed")
        return reply.get("result")

    def _fail(self, reason):
        """The worker cannot be trusted to go on: stop it, and fail this call and the rest of the part."""
        code = self._stop()
        self._broken, self._broken_in_check = reason.format(code=code), self._checks_begun
        raise SubmissionFailure(self._broken) from None

    def _start(self):
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        environment = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                       "MKL_NUM_THREADS": "1", "HOME": str(self._view / "home"), "LANG": "C.UTF-8"}
        user = {}
        if self.identity.uid is not None:
            user = {"user": self.identity.uid, "group": self.identity.gid, "extra_groups": [], "umask": 0o077}
        try:
            self._process = subprocess.Popen(
                [self.identity.python, "-I", "-B", "-c", BOOTSTRAP, str(self._view), str(request_read),
                 str(reply_write), str(os.getpid()), self.assignment_name],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(request_read, reply_write), start_new_session=True, cwd=self._view / "home",
                env=environment, preexec_fn=self._apply_limits, **user)
        except OSError as error:
            os.close(request_write)
            os.close(reply_read)
            self._refuse(f"the worker could not be started ({error}); {INSTALL_HELP}")
        finally:
            os.close(request_read)
            os.close(reply_write)
        # Both ends non-blocking, both with deadlines: a worker that stops reading (or shrinks its pipe) can
        # make a request wait, never the grader.
        os.set_blocking(request_write, False)
        self._requests, self._replies = request_write, reply_read
        try:
            hello = wire.decode(self._read_frame(time.monotonic() + self.limits.start_seconds))["hello"]
            layers, proofs = dict(hello["layers"]), dict(hello["proofs"])
        except (TimeoutError, EOFError, OSError, wire.WireError, KeyError, TypeError, ValueError):
            code = self._stop()
            self._refuse(f"the worker did not report its walls (exit code {code}): as uid "
                         f"{self.identity.uid if self.identity.uid is not None else os.getuid()} it could not run "
                         f"{self.identity.python} with the harness; {INSTALL_HELP}")
        self.isolation = _assess(layers, proofs, as_root=self.identity.uid is not None)
        if self.isolation["missing"] and self.identity.uid is not None:
            self._stop()
            self._refuse("grading refused: running as root, the worker must be walled in, and these walls are "
                         f"missing: {'; '.join(self.isolation['missing'])}. {INSTALL_HELP}")

    def _refuse(self, message):
        self._refused = message
        raise IsolationRefused(message)

    def _apply_limits(self):
        resource.setrlimit(resource.RLIMIT_AS, (self.limits.memory_bytes,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (self.limits.cpu_seconds,) * 2)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def _read_exactly(self, count, deadline):
        buffer, filled = bytearray(count), 0
        view = memoryview(buffer)
        while filled < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                raise TimeoutError
            read = os.readv(self._replies, [view[filled:filled + (1 << 20)]])
            if not read:
                raise EOFError
            filled += read
        return buffer

    def _write_frame(self, payload, deadline):
        """The request, length-prefixed, written by the deadline (TimeoutError if the worker does not read it)."""
        view, written = memoryview(len(payload).to_bytes(8, "big") + payload), 0
        while written < len(view):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._requests], [], remaining)[1]:
                raise TimeoutError
            try:
                written += os.write(self._requests, view[written:written + (1 << 16)])
            except BlockingIOError:
                continue

    def _read_frame(self, deadline):
        length = int.from_bytes(self._read_exactly(8, deadline), "big")
        if length > wire.MAX_MESSAGE_BYTES:
            raise wire.WireError(f"frame of {length} bytes (at most {wire.MAX_MESSAGE_BYTES})")
        return self._read_exactly(length, deadline)

    def _stop(self):
        """Kill the worker's whole session, check that nothing of it is left; returns its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        kill_session(process.pid)
        code = process.wait()
        self.leftovers += kill_session(process.pid)
        # Defence in depth (seccomp refuses IPC): what the worker may have left in the kernel, removed.
        # By its user when it has one of its own; else (the grader's own user) only what it created.
        self.ipc_removed += remove_ipc_objects(self.identity.uid, creators=(process.pid,))
        os.close(self._requests)
        os.close(self._replies)
        self._requests = self._replies = None
        return code


_RUNNERS = weakref.WeakSet()


def stop_all_workers():
    """Stop every worker still running (whatever a test or a plugin left open) and check their sessions
    are empty: the pids still alive afterwards (none, unless the kernel refused to kill them). Every
    stop also removes the IPC objects the worker left (ipc_objects_removed)."""
    leftovers = []
    for runner in list(_RUNNERS):
        runner._stop()
        leftovers += runner.leftovers
    return leftovers


def _cut(text):
    return text if len(text) <= FAILURE_CHARACTERS else text[:FAILURE_CHARACTERS] + " ... (cut)"
