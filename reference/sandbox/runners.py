"""Runners: where an implementation runs. The trusted side only ever sees plain arrays from them.

- InProcessRunner: trusted classes (toyframe's own, the catalogue) in this process.
- SubmissionRunner: a student's files in a worker process (reference.sandbox.worker), which sees only its
  view (a copy of the harness without the model solution, and a read-only copy of the submission),
  runs as another user when the grader is root, and raises the kernel's walls
  (reference.sandbox.isolation) before it imports the submission. Its first reply proves them; run as
  root, grading refuses to go on if one is missing. Every call has a deadline, the whole grading
  a budget, every reply a size cap, and replies are decoded by reference.sandbox.wire alone. If the worker
  dies, hangs or answers nonsense, the call fails with SubmissionFailure and the next call starts a
  new worker; whenever a worker is stopped, its whole session is killed and checked gone.
"""
import ast
import os
import pickle
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path

from .. import assignments
from . import wire

ROOT = Path(__file__).resolve().parents[2]
# What a worker's view may ever hold of toyframe: the skeleton a submission builds on (an assignment
# names the files it needs, a subset). Never toyframe's Dropout or regularization, its cs231n
# functions or its two-layer net: they are model solutions.
WORKER_TOYFRAME = ("__init__.py", "_checks.py", "activations.py", "losses.py", "model.py", "layers/__init__.py",
                   "layers/linear.py", "layers/wrapper.py")
# `python -I -B -c BOOTSTRAP VIEW ...`: isolated mode ignores PYTHON* variables, the user's site and
# the working directory; the view goes first on sys.path.
BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from reference.sandbox.worker import main; main(sys.argv[1:])"
SUBMISSION_FILE_BYTES, SUBMISSION_BYTES = 2 * 2**20, 20 * 2**20
# Of a failure's whole text from the worker: its exception's text (which the worker cuts at its own
# ERROR_CHARACTERS) and the frames of the submission's code that raised it.
FAILURE_CHARACTERS = 2000
DEFAULT_WORKER_PYTHON = "/opt/toyframe-harness-worker/bin/python"
NOT_ROOT = "user (the grader is not root: the worker runs as the grader's own user)"
REQUIRED_LAYERS = ("user", "no_new_privs", "seccomp", "rlimits", "pdeathsig")
INSTALL_HELP = ("see README.md, 'Install layout': the worker's interpreter (HARNESS_WORKER_PYTHON, else this "
                "one) must be runnable by the worker's user, with numpy, pyseccomp and landlock")


class SubmissionFailure(AssertionError):
    """The submission could not answer a call: it raised, exited, hung, or sent something malformed."""


class InProcessRunner:
    """Runs a trusted implementation (the model solution, a catalogue entry) of `assignment` (a module
    of reference.assignments, default nnti-7.4) here, through the same tasks and the same wire format
    as a worker, so that a check sees the same kind of replies from either runner.
    study_scale: the size of the mask studies' masks, as a fraction of their full size (None:
    measured, see reference.grading.mask_checks.study_scale)."""

    def __init__(self, implementation, assignment=None, study_scale=None):
        self.implementation = implementation
        self.assignment = assignment or assignments.get()
        self.study_scale = study_scale

    def call(self, task, **args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as in a worker, whose output nobody reads: a warning is not a failure
            return wire.decode(wire.encode(self.assignment.TASKS[task](self.implementation, **args)))

    # Trusted code needs no worker: nothing to begin, reset, refuse or report.
    refused = None

    def begin_check(self):
        pass

    def reset(self):
        pass

    def isolation_report(self):
        return None

    def unavailable(self):
        return None


class IsolationRefused(SubmissionFailure):
    """Run as root, grading stops when a wall of the worker is missing: a message for staff."""


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 20.0
    # The worker's address space (RLIMIT_AS: all of it, resident or not). Gradescope's smallest box holds
    # 768 MB for every process in it: this limit plus the grader's own peak (300-410 MiB with torch, the
    # most while hypothesis shrinks a wrong submission's failures; benchmarks/grading_budget.py) must fit.
    # A worker starts at 100 MiB (Python, numpy, OpenBLAS with one thread); grading right or wrong code
    # took it to 108-178 MiB, which leaves a correct submission some 140 MiB to spare.
    memory_bytes: int = 320 * 2**20
    cpu_seconds: int = 600
    total_seconds: float = 420.0  # the whole grading, well inside Gradescope's default 10 minutes
    start_seconds: float = 60.0   # for the worker to raise and prove its walls


@dataclass(frozen=True)
class WorkerIdentity:
    """Who the worker runs as: when the grader is root, an unprivileged user (HARNESS_WORKER_UID and
    HARNESS_WORKER_GID, default nobody/nogroup 65534) and its interpreter (HARNESS_WORKER_PYTHON,
    default this one)."""
    python: str
    uid: int | None
    gid: int | None

    @classmethod
    def from_environment(cls, environ=os.environ):
        if os.geteuid() != 0:
            return cls(environ.get("HARNESS_WORKER_PYTHON") or sys.executable, None, None)
        # root's own interpreter may live where nobody can enter: else the one ./run makes for workers
        fallback = DEFAULT_WORKER_PYTHON if os.access(DEFAULT_WORKER_PYTHON, os.X_OK) else sys.executable
        return cls(environ.get("HARNESS_WORKER_PYTHON") or fallback, int(environ.get("HARNESS_WORKER_UID", 65534)),
                   int(environ.get("HARNESS_WORKER_GID", 65534)))


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
        self._process = self._requests = self._replies = None
        self._broken = self._refused = None
        self._checks_begun = self._broken_in_check = 0
        self._budget_end = time.monotonic() + limits.total_seconds
        self._view = build_view(self.directory, self.assignment_name)
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
            wire.write_frame(self._requests, pickle.dumps({"task": task, "args": args}))
            deadline = min(time.monotonic() + self.limits.call_seconds, self._budget_end)
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
        self._requests, self._replies = os.fdopen(request_write, "wb"), reply_read
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
        try:
            self._requests.close()
        except OSError:  # a dead worker's pipe: the buffered request cannot be flushed
            pass
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


# -- System V IPC and POSIX message queues: kernel objects that outlive the process that made them --

_IPC_REMOVED = []  # what remove_ipc_objects removed in this process, for the isolation report
SYSV_IPC = (("shm", "shmid", "shmctl"), ("msg", "msqid", "msgctl"), ("sem", "semid", "semctl"))
IPC_RMID = 0
MQUEUE_MOUNT = "/dev/mqueue"
# Run as root when no mqueue file system is mounted: one is, in a mount namespace of its own (gone
# with the process), and the queues of the user in argv[1] are removed; their names are printed.
_MQUEUE_SCRIPT = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x00020000) or libc.mount(b"none", b"/", None, 0x44000, None):  # CLONE_NEWNS; MS_REC|MS_PRIVATE
    sys.exit(3)
if libc.mount(b"mqueue", b"/tmp", b"mqueue", 0, None):  # over /tmp, in this namespace alone
    sys.exit(4)
for name in os.listdir("/tmp"):
    if os.stat(os.path.join("/tmp", name)).st_uid == int(sys.argv[1]):
        os.unlink(os.path.join("/tmp", name))
        print(name)
"""


def ipc_objects_removed():
    """Descriptions of the IPC objects workers left behind that this process removed (none, so far)."""
    return list(_IPC_REMOVED)


def remove_ipc_objects(uid, creators=()):
    """Remove every System V shared memory segment, message queue and semaphore set that user `uid`
    owns or created, and every POSIX message queue it owns (uid None: none of these), plus every
    segment a pid in `creators` created (whoever owns it now); a description of each one removed."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    removed = []
    for kind, id_column, control in SYSV_IPC:
        for row in _sysv_table(kind):
            created_here = kind == "shm" and row.get("cpid") in creators
            if not (created_here or (uid is not None and uid in (row.get("uid"), row.get("cuid")))):
                continue
            identifier = row[id_column]
            if getattr(libc, control)(identifier, *((0,) if kind == "sem" else ()), IPC_RMID, None) == 0:
                size = f", {row['size']} bytes" if kind == "shm" else ""
                removed.append(f"System V {kind} {identifier} (owner {row.get('uid')}, creator {row.get('cuid')}"
                               f"{size})")
    if uid is not None:
        removed += [f"POSIX message queue /{name} (owner {uid})" for name in _remove_mqueues(uid)]
    _IPC_REMOVED.extend(removed)
    return removed


def _sysv_table(kind):
    """The rows of /proc/sysvipc/KIND as {column: int}."""
    try:
        lines = Path("/proc/sysvipc", kind).read_text().splitlines()
    except OSError:
        return []
    header = lines[0].split() if lines else []
    rows = []
    for line in lines[1:]:
        try:
            rows.append(dict(zip(header, map(int, line.split()))))
        except ValueError:
            continue
    return rows


def _remove_mqueues(uid):
    """Unlink the POSIX message queues that `uid` owns; their names."""
    mounted = any(line.split()[1:3] == [MQUEUE_MOUNT, "mqueue"] for line in _mounts())
    if mounted:
        names = []
        for name in os.listdir(MQUEUE_MOUNT):
            path = os.path.join(MQUEUE_MOUNT, name)
            try:
                if os.stat(path).st_uid == uid:
                    os.unlink(path)
                    names.append(name)
            except OSError:
                pass
        return names
    if os.geteuid() != 0:
        return []
    try:
        completed = subprocess.run([sys.executable, "-I", "-S", "-c", _MQUEUE_SCRIPT, str(uid)],
                                   capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return completed.stdout.split() if completed.returncode == 0 else []


def _mounts():
    try:
        return Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []


def _assess(layers, proofs, as_root):
    """The worker's report, with what is missing: a layer that did not go up, or an attempt that was
    not refused. Landlock counts only where this kernel offers it; another user only when the grader
    is root (an ordinary user has no other to give the worker)."""
    required = [layer for layer in REQUIRED_LAYERS if as_root or layer != "user"]
    required += ["landlock"] if landlock_available() else []
    missing = [f"{layer} ({layers.get(f'{layer} (why not)', 'not active')})" for layer in required
               if not layers.get(layer)]
    missing += [f"{attempt}: {outcome}" for attempt, outcome in proofs.items() if outcome != "refused"]
    if not as_root:
        missing.append(NOT_ROOT)
    return {"layers": layers, "proofs": proofs, "missing": missing}


def landlock_available():
    try:
        import landlock
        return landlock.landlock_abi_version() >= 1
    except Exception:  # noqa: BLE001 - no binding, no syscall, disabled at boot
        return False


def _cut(text):
    return text if len(text) <= FAILURE_CHARACTERS else text[:FAILURE_CHARACTERS] + " ... (cut)"


def process_status(pid):
    """(state letter, session id) of process `pid` from /proc, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # state ppid pgrp session ...
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[3])


def session_members(session):
    """Pids of the live (not zombie) processes in `session`."""
    statuses = ((int(path.name), process_status(path.name)) for path in Path("/proc").glob("[0-9]*"))
    return [pid for pid, status in statuses if status and status[1] == session and status[0] != "Z"]


def kill_session(session, attempts=100):
    """SIGKILL every process of `session` until none is left; the pids still there at the end."""
    for _ in range(attempts):
        members = session_members(session)
        if not members:
            return []
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    return members


def worker_modules(assignment_name):
    """The harness files a worker of `assignment_name` runs, relative to the checkout: the worker
    (reference.sandbox.worker), the assignment's worker half, and every module of `reference` they
    import, at any depth (read from their import statements, function-level ones included). The
    view holds these and nothing else of the harness: no check, mirror, hint, catalogue, course
    data or expected value, not even another assignment's worker half."""
    package = assignments.MODULES[assignment_name]
    pending = [ROOT / "reference" / "sandbox" / "worker.py", ROOT / "reference" / "assignments" / package / "worker.py"]
    found = {}
    while pending:
        path = pending.pop()
        relative = path.relative_to(ROOT).as_posix()
        if relative in found:
            continue
        found[relative] = path
        pending += _imported_files(path)
    return found


def _worker_toyframe(assignment_name):
    """The assignment worker half's WORKER_TOYFRAME, read from its source: building a view imports
    nothing of the assignment (whose package holds its trusted side)."""
    path = ROOT / "reference" / "assignments" / assignments.MODULES[assignment_name] / "worker.py"
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets] == ["WORKER_TOYFRAME"]:
            return ast.literal_eval(node.value)
    return ()


def _imported_files(path):
    """The files of `reference` that the module at `path` imports, with the __init__.py of each package on
    the way (a folder without one is a namespace package, as are a worker view's assignment folders)."""
    module = path.relative_to(ROOT).with_suffix("").parts
    package = module[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            names.append(target)
            names += [target + [alias.name] for alias in node.names]  # `from . import wire` names a module
    files = []
    for parts in names:
        if not parts or parts[0] != "reference":
            continue
        for depth in range(1, len(parts) + 1):
            stem = ROOT.joinpath(*parts[:depth])
            for candidate in (stem / "__init__.py", stem.with_suffix(".py")):
                if candidate.is_file() and not _is_trusted_package(candidate):
                    files.append(candidate)
    return files


def _is_trusted_package(path):
    """reference's own __init__.py (the trusted side's exports) and an assignment package's (its trusted
    side): a worker never runs them, reaching the modules below as those of namespace packages."""
    parts = path.relative_to(ROOT).parts
    return parts == ("reference", "__init__.py") or (
        len(parts) == 4 and parts[:2] == ("reference", "assignments") and parts[3] == "__init__.py")


def build_view(directory, assignment_name=assignments.DEFAULT):
    """The worker's world, a new folder (mode 755, files 644: readable by the worker's user, never
    writable by it): VIEW/reference (worker_modules(assignment_name) alone), VIEW/toyframe (the
    assignment's WORKER_TOYFRAME, of this module's WORKER_TOYFRAME), VIEW/submission (a copy of the
    submission's regular files, no links followed; at most SUBMISSION_FILE_BYTES each and
    SUBMISSION_BYTES in all), VIEW/home (empty: the worker's HOME and working directory)."""
    view = Path(tempfile.mkdtemp(prefix="grading-view-"))
    try:
        for relative, path in worker_modules(assignment_name).items():
            _place(path, view / relative)
        for name in _worker_toyframe(assignment_name):
            if name not in WORKER_TOYFRAME:
                raise ValueError(f"toyframe/{name} may not enter a worker's view (see WORKER_TOYFRAME)")
            _place(ROOT / "toyframe" / name, view / "toyframe" / name)
        _copy_submission(Path(directory), view / "submission")
        (view / "home").mkdir()
        for folder, _, files in os.walk(view):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    except BaseException:
        shutil.rmtree(view, ignore_errors=True)
        raise
    return view


def _place(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _copy_submission(source, target):
    target.mkdir()
    if not source.is_dir():
        return
    total = 0
    for folder, folders, files in os.walk(source):  # os.walk follows no link to a folder
        folders[:] = sorted(name for name in folders if not name.startswith(".") and name != "__pycache__")
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            if size > SUBMISSION_FILE_BYTES or total + size > SUBMISSION_BYTES:
                continue
            total += size
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
