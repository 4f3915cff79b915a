"""The worker's seccomp filter is an allow-list: whatever it does not list is refused, and the IPC
objects a worker could leave behind are removed by the trusted side.

A submission probes the kernel at import from inside the real worker (another user when the
tests run as root, every wall up), through ctypes, below the worker's audit hook, so that the
answer is the kernel's: each family the filter must refuse (System V IPC, POSIX message queues,
sockets, new processes, ptrace, signals to others, namespaces and mounts, io_uring, bpf,
userfaultfd, perf, keyrings, memfd, writing, renaming, unlinking, a new session) fails with
EPERM, and so do calls that appear nowhere in reference/sandbox/isolation.py (the proof that the
default refuses). The same probes in a plain process of the same user show which of them the
kernel would otherwise have granted (the control: the test cannot pass by accident).
"""
import ctypes
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reference.sandbox import isolation
from reference.sandbox import limits, processes
from reference.sandbox.runners import SubmissionFailure, SubmissionRunner
from reference.sandbox.limits import Limits, WorkerIdentity
from reference.core.strategies import designed_dropout_model
from tests.submissions import CORRECT_L2, write_submission

# A call that uses the submission's Dropout class (whose file raises what it found as it is imported).
OBSERVE_DROPOUT = {"scenario": designed_dropout_model(seed=1, index=0, steps=0, passes=1), "graded": "dropout"}

AS_ROOT = os.geteuid() == 0
X86_64 = platform.machine() == "x86_64"
LIMITS = Limits(call_seconds=10.0)  # and the grading's memory limit

# Run at import (in the worker), or as a plain script (the control): {probe: "ok" or the errno's name}.
# Whatever a probe creates when the kernel lets it (the control) it removes at once.
PROBES = r'''
import ctypes, errno, json, mmap, os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mq_open.restype = ctypes.c_int
libc.shmat.restype = ctypes.c_long
NR = {"ptrace": 101, "personality": 135, "sysfs": 139, "sched_rr_get_interval": 148, "mount": 165,
      "iopl": 172, "ioperm": 173, "lookup_dcookie": 212, "keyctl": 250, "unshare": 272, "perf_event_open": 298,
      "process_vm_readv": 310, "kcmp": 312, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425,
      "nobody's": 1000}


def call(result, cleanup=None):
    if result == -1:
        return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    if cleanup:
        cleanup(result)
    return "ok"


def close(descriptor):
    os.close(descriptor)


def raw(name, *args, cleanup=None):
    return call(libc.syscall(NR[name], *[ctypes.c_long(arg) if isinstance(arg, int) else arg for arg in args]),
                cleanup)


def fork():
    pid = libc.fork()
    if pid == 0:  # a process the kernel let the probe start
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    return pid


def probes(targets):
    page = mmap.mmap(-1, 4096)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    pair, params, timespec = (ctypes.c_int * 2)(), ctypes.create_string_buffer(120), ctypes.create_string_buffer(16)
    local, remote = (ctypes.c_void_p * 2)(address, 8), (ctypes.c_void_p * 2)(address, 8)
    vector, victim, queue = ctypes.create_string_buffer(8), targets["victim"], b"/probe-%d" % os.getpid()
    attempts = {
        # System V IPC and POSIX message queues (a bad id: EINVAL where no filter stands)
        "shmget": lambda: call(libc.shmget(0, 256 << 20, 0o1000 | 0o600), lambda i: libc.shmctl(i, 0, None)),
        "shmat": lambda: call(libc.shmat(-1, None, 0)),
        "shmdt": lambda: call(libc.shmdt(ctypes.c_void_p(address))),
        "shmctl": lambda: call(libc.shmctl(-1, 2, None)),  # IPC_STAT
        "msgget": lambda: call(libc.msgget(0, 0o1000 | 0o600), lambda i: libc.msgctl(i, 0, None)),
        "semget": lambda: call(libc.semget(0, 1, 0o1000 | 0o600), lambda i: libc.semctl(i, 0, 0)),
        "mq_open": lambda: call(libc.mq_open(queue, os.O_CREAT | os.O_RDWR, 0o600, None),
                                lambda d: (os.close(d), libc.mq_unlink(queue))),
        # the network, new processes, other processes (the victim: a process of the worker's own user)
        "socket": lambda: call(libc.socket(2, 1, 0), close),
        "socketpair": lambda: call(libc.socketpair(1, 1, 0, pair), lambda r: (close(pair[0]), close(pair[1]))),
        "fork": lambda: call(fork()),
        "execve": lambda: call(libc.execve(b"/bin/true", (ctypes.c_char_p * 2)(b"true", None), None)),
        "ptrace": lambda: raw("ptrace", 16, victim, 0, 0),  # PTRACE_ATTACH
        "process_vm_readv": lambda: raw("process_vm_readv", victim, local, 1, remote, 1, 0),
        "kill another process": lambda: call(libc.kill(victim, 0)),
        "setsid": lambda: call(libc.setsid()),
        # the kernel's bigger levers
        "mount": lambda: raw("mount", ctypes.c_char_p(b"none"), ctypes.c_char_p(targets["folder"].encode()),
                             ctypes.c_char_p(b"tmpfs"), 0, 0),
        "unshare": lambda: raw("unshare", 0x10000000),  # CLONE_NEWUSER
        "io_uring_setup": lambda: raw("io_uring_setup", 1, params, cleanup=close),
        "bpf": lambda: raw("bpf", 5, 0, 0),  # BPF_PROG_LOAD with no attributes
        "userfaultfd": lambda: raw("userfaultfd", 0, cleanup=close),
        "perf_event_open": lambda: raw("perf_event_open", 0, 0, -1, -1, 0),
        "keyctl": lambda: raw("keyctl", 0, -3, 0),  # KEYCTL_GET_KEYRING_ID of the session keyring
        "memfd_create": lambda: call(libc.memfd_create(b"probe", 0), close),
        # files
        "open for writing": lambda: call(libc.open(targets["file"].encode(), os.O_WRONLY), close),
        "open to create": lambda: call(libc.open(targets["new"].encode(), os.O_WRONLY | os.O_CREAT, 0o600), close),
        "rename": lambda: call(libc.rename(targets["file"].encode(), targets["new"].encode())),
        "unlink": lambda: call(libc.unlink(targets["file"].encode())),
        # calls that no list in isolation.py names: refused by the default alone
        "personality": lambda: raw("personality", 0xFFFFFFFF),  # a query: changes nothing
        "sysfs": lambda: raw("sysfs", 3),  # how many file system types
        "sched_rr_get_interval": lambda: raw("sched_rr_get_interval", 0, timespec),
        "mincore": lambda: call(libc.mincore(ctypes.c_void_p(address), 4096, vector)),
        "iopl": lambda: raw("iopl", 0),
        "ioperm": lambda: raw("ioperm", 0, 1, 0),
        "kcmp": lambda: raw("kcmp", os.getpid(), os.getpid(), 0, 0, 0),  # KCMP_FILE: fd 0 with itself
        "lookup_dcookie": lambda: raw("lookup_dcookie", 0, 0, 0),
        "nobody's": lambda: raw("nobody's"),  # a number no kernel has given a call yet
    }
    skipped = targets.get("skip", ())
    return {name: attempt() for name, attempt in attempts.items() if name not in skipped}
'''
# What only the walls refuse: in a plain process of the worker's user the kernel grants these (or,
# for the number nobody has given a call, answers ENOSYS), so EPERM in the worker is the filter's.
GRANTED_UNWALLED = {"shmget": "ok", "shmat": "EINVAL", "shmdt": "EINVAL", "shmctl": "EINVAL", "msgget": "ok",
                    "semget": "ok", "mq_open": "ok", "socket": "ok", "socketpair": "ok", "fork": "ok",
                    "memfd_create": "ok", "open for writing": "ok", "open to create": "ok", "personality": "ok",
                    "sched_rr_get_interval": "ok", "mincore": "ok", "nobody's": "ENOSYS"}
# Not tried in the control (a plain process): it would replace itself, trace or signal the victim.
UNSAFE_UNWALLED = ("execve", "ptrace", "process_vm_readv", "kill another process", "setsid", "mount", "unshare")
NEVER_NAMED = ("sysfs", "sched_rr_get_interval", "mincore", "iopl", "ioperm", "lookup_dcookie")
PROBED_FAMILIES = ("shmget", "shmat", "msgget", "semget", "mq_open", "socket", "socketpair", "fork", "execve",
                   "ptrace", "process_vm_readv", "kill another process", "setsid", "mount", "unshare",
                   "io_uring_setup", "bpf", "userfaultfd", "perf_event_open", "keyctl", "memfd_create",
                   "open for writing", "open to create", "rename", "unlink")


def _probing_submission(targets):
    return (PROBES + f"\nTARGETS = json.loads({json.dumps(json.dumps(targets))})\n"
            "raise RuntimeError('PROBES' + json.dumps(probes(TARGETS), separators=(',', ':')) + 'END')\n")


def _control_script(targets):
    return PROBES + f"\nprint(json.dumps(probes(json.loads({json.dumps(json.dumps(targets))}))))\n"


@pytest.fixture
def world():
    """A folder the worker's user may enter (tmp_path is root's alone when tests run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="syscalls-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _targets(world, victim):
    precious = world / "precious.txt"
    precious.write_text("precious\n")
    os.chmod(precious, 0o666)  # writable by anyone: only the filter stands between the worker and it
    scratch = world / "scratch"
    scratch.mkdir()
    os.chmod(scratch, 0o777)
    return {"file": str(precious), "new": str(scratch / "created"), "folder": str(scratch), "victim": victim}


def _ipc_objects_of(uid):
    rows = [row for kind, _, _ in processes.SYSV_IPC for row in processes._sysv_table(kind)]
    return [row for row in rows if uid in (row.get("uid"), row.get("cuid"))]


# -- the list itself --

def test_the_allow_list_holds_no_refused_call_and_every_name_is_a_real_call():
    import pyseccomp as seccomp
    allowed = isolation.allowed_names()
    assert len(allowed) == len(set(allowed))
    assert not set(allowed) & set(isolation.REFUSED), set(allowed) & set(isolation.REFUSED)
    assert not set(allowed) & set(isolation.UNINSPECTABLE)
    for family in ("shm", "msg", "sem", "mq_"):
        assert not [name for name in allowed if name.startswith(family)], family
    if X86_64:  # a misspelt name would be skipped silently when the filter is built
        unknown = [name for name in allowed + list(isolation.REFUSED)
                   if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) < 0]
        assert unknown == []
    for name in NEVER_NAMED:  # the probes of the default: named nowhere in the worker's walls
        assert name not in Path(isolation.__file__).read_text()


# -- the real worker --

def test_every_refused_family_and_every_call_nobody_listed_fails_in_the_worker(world):
    as_worker = {"user": 65534, "group": 65534, "extra_groups": []} if AS_ROOT else {}
    victim = subprocess.Popen(["sleep", "60"], **as_worker)  # a process the worker's user may signal and trace
    targets = _targets(world, victim.pid)
    try:
        control = json.loads(subprocess.run(
            [WorkerIdentity.from_environment().python, "-I", "-c", _control_script({**targets, "skip": UNSAFE_UNWALLED})],
            capture_output=True, text=True, timeout=60, check=True, cwd=world, **as_worker).stdout)
        (world / "scratch" / "created").unlink(missing_ok=True)
        runner = SubmissionRunner(write_submission(world / "submission", dropout=_probing_submission(targets),
                                                   l2=CORRECT_L2), LIMITS)
        try:
            with pytest.raises(SubmissionFailure) as failure:
                runner.call("observe", **OBSERVE_DROPOUT)  # the Dropout class reports its probes as it loads
            report = runner.isolation
        finally:
            runner.close()
        assert processes.process_status(victim.pid)[0] not in ("T", "t", "Z")  # not stopped, traced or killed
    finally:
        victim.kill()
        victim.wait()
    found = re.search(r"PROBES(\{.*?\})END", str(failure.value))
    assert found, str(failure.value)
    inside = json.loads(found.group(1))
    assert report["missing"] == ([] if AS_ROOT else [limits.NOT_ROOT]), report
    # the control: what the kernel grants a plain process of the worker's user, the filter refuses
    if X86_64:
        assert {name: control.get(name) for name in GRANTED_UNWALLED} == GRANTED_UNWALLED, control
    not_refused = {name: outcome for name, outcome in inside.items() if outcome != "EPERM"}
    assert not_refused == {}, f"not refused by the filter in the worker: {not_refused}"
    assert set(PROBED_FAMILIES) | set(NEVER_NAMED) <= set(inside)
    # nothing harmed
    assert Path(targets["file"]).read_text() == "precious\n"
    assert not (world / "scratch" / "created").exists()
    assert runner.leftovers == [] and runner.ipc_removed == []
    if AS_ROOT:
        assert _ipc_objects_of(65534) == []


def test_the_worker_proves_system_v_ipc_refused(world):
    runner = SubmissionRunner(write_submission(world / "submission"), LIMITS)
    try:
        report = runner.isolation_report()
    finally:
        runner.close()
    assert report["proofs"]["make a System V shared memory segment"] == "refused", report["proofs"]
    assert report["layers"]["seccomp"].startswith("allow-list filter loaded"), report["layers"]
    assert "MSGQUEUE 0" in report["layers"]["rlimits"]


# What honest code does, each step at import in the worker: {step: error} for those that fail.
HONEST = r'''
import concurrent.futures, gc, importlib, importlib.util, inspect, io, json, logging, os, pickle, queue, random
import signal, sys, threading, time, traceback, warnings
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _thread():
    box = []
    worker = threading.Thread(target=lambda: box.append((np.ones((200, 200)) @ np.ones((200, 200))).sum()))
    worker.start()
    worker.join()
    assert box == [200.0 * 200 * 200]


def _pool():
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert sum(pool.map(lambda i: i * i, range(10))) == 285


def _import_own_files():
    spec = importlib.util.spec_from_file_location("helper", os.path.join(HERE, "helper.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.insert(0, HERE)
    assert module.VALUE == importlib.import_module("helper").VALUE == 3


def _traceback():
    try:
        1 / 0
    except ZeroDivisionError:
        assert "ZeroDivisionError" in traceback.format_exc()


def _signal_to_itself():
    got = []
    previous = signal.signal(signal.SIGUSR1, lambda *args: got.append(1))
    signal.raise_signal(signal.SIGUSR1)  # tgkill to itself (os.kill meets the audit hook first)
    signal.signal(signal.SIGUSR1, previous)
    assert got == [1]


RNG = np.random.default_rng(0)
A = RNG.standard_normal((80, 80))
STEPS = {
    "linalg.solve": lambda: np.linalg.solve(A + 80 * np.eye(80), np.ones(80)),
    "linalg.pinv": lambda: np.linalg.pinv(A),
    "linalg.svd": lambda: np.linalg.svd(A),
    "linalg.eig": lambda: np.linalg.eig(A),
    "linalg.cholesky": lambda: np.linalg.cholesky(A @ A.T + np.eye(80)),
    "fft": lambda: (np.fft.fft(np.arange(4096.0)), np.fft.rfft2(A)),
    "np.random": lambda: (np.random.rand(10), np.random.binomial(1, 0.5, 10), np.random.seed(None),
                          np.random.default_rng().random()),
    "large arrays": lambda: [np.ones(10**6) for _ in range(4)],
    "matmul": lambda: np.ones((500, 500)) @ np.ones((500, 500)),
    "a thread": _thread,
    "a thread pool": _pool,
    "a queue, an event, a timer": lambda: (queue.Queue().put(1), threading.Event().wait(0.01),
                                           threading.Timer(0.001, lambda: None).start()),
    "time.sleep": lambda: time.sleep(0.01),
    "importlib of its own files": _import_own_files,
    "np.load of its own data": lambda: (np.load(os.path.join(HERE, "data.npy")),
                                        np.load(os.path.join(HERE, "data.npy"), mmap_mode="r").sum()),
    "listing and stat": lambda: (os.listdir(HERE), list(os.scandir(HERE)), os.stat(__file__), os.getcwd()),
    "pickle": lambda: pickle.loads(pickle.dumps({"a": np.arange(10)})),
    "np.save to memory": lambda: np.save(io.BytesIO(), np.arange(5)),
    "a traceback": _traceback,
    "inspect": lambda: (inspect.stack(), inspect.getsource(_thread)),
    "gc": lambda: (gc.collect(), gc.get_objects()),
    "os.urandom and random": lambda: (os.urandom(16), random.random(), random.SystemRandom().random()),
    "clocks": lambda: (time.time(), time.monotonic(), time.process_time(), time.thread_time(), time.localtime()),
    "who am I": lambda: (os.getpid(), os.getppid(), os.getuid(), os.cpu_count(), os.sched_getaffinity(0),
                         os.uname(), os.times(), threading.get_native_id()),
    "printing, warnings, logging": lambda: (print("hello"), sys.stdout.flush(), warnings.warn("w"),
                                            logging.getLogger("x").warning("log")),
    "a signal to itself": _signal_to_itself,
    "os.chdir": lambda: os.chdir(HERE),
}
FAILED = {}
for _name, _step in STEPS.items():
    try:
        _step()
    except BaseException as error:  # noqa: BLE001
        FAILED[_name] = f"{type(error).__name__}: {error}"[:80]
raise RuntimeError("HONEST" + json.dumps(FAILED) + "END")
'''


def test_what_honest_code_does_still_works_in_the_worker(world):
    """numpy's linear algebra, FFT and random numbers, threads, imports of its own files, its data,
    pickling, tracebacks, inspect, gc, sleeping, signals to itself: all under the allow-list."""
    import numpy as np
    submission = write_submission(world / "submission", dropout=HONEST, l2=CORRECT_L2)
    (submission / "layers" / "helper.py").write_text("VALUE = 3\n")
    np.save(submission / "layers" / "data.npy", np.arange(10.0))
    runner = SubmissionRunner(submission, LIMITS)
    try:
        with pytest.raises(SubmissionFailure) as failure:
            runner.call("observe", **OBSERVE_DROPOUT)
    finally:
        runner.close()
    found = re.search(r"HONEST(\{.*?\})END", str(failure.value))
    assert found, str(failure.value)
    assert json.loads(found.group(1)) == {}


# -- what a worker could leave behind: removed by the trusted side --

LEFTOVER_UID = 61990  # a user of this test alone: the other tests' workers (nobody) are never touched


def _as_user(uid, make):
    """Run make(libc) in a forked child that has become `uid` (not the worker: the seccomp filter would
    refuse); its return value, an int, comes back through a pipe."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.write(write, str(make(ctypes.CDLL(None, use_errno=True))).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as stream:
        return int(stream.read() or -1)


@pytest.mark.skipif(not AS_ROOT, reason="a worker has a user of its own only when the grader is root")
def test_a_segment_left_under_the_workers_user_is_removed_when_the_worker_stops(world):
    runner = SubmissionRunner(write_submission(world / "submission"), LIMITS,
                              identity=WorkerIdentity(WorkerIdentity.from_environment().python, LEFTOVER_UID,
                                                      LEFTOVER_UID))
    try:
        assert runner.isolation_report()["missing"] == [], runner.isolation
        segment = _as_user(LEFTOVER_UID, lambda libc: libc.shmget(0, 64 << 20, 0o1000 | 0o600))
        queue = _as_user(LEFTOVER_UID, lambda libc: libc.msgget(0, 0o1000 | 0o600))
        assert segment >= 0 and queue >= 0
        assert len(_ipc_objects_of(LEFTOVER_UID)) == 2
    finally:
        runner.close()
    assert _ipc_objects_of(LEFTOVER_UID) == []
    assert any(f"shm {segment} " in line for line in runner.ipc_removed), runner.ipc_removed
    assert any(f"msg {queue} " in line for line in runner.ipc_removed), runner.ipc_removed
    assert [line for line in runner.ipc_removed if line in processes.ipc_objects_removed()] == runner.ipc_removed


@pytest.mark.skipif(not AS_ROOT, reason="removing another user's objects needs root")
def test_the_cleanup_removes_every_kind_of_object_of_that_user_and_nobody_elses():
    made = {"shm": _as_user(LEFTOVER_UID, lambda libc: libc.shmget(0, 1 << 20, 0o1000 | 0o600)),
            "msg": _as_user(LEFTOVER_UID, lambda libc: libc.msgget(0, 0o1000 | 0o600)),
            "sem": _as_user(LEFTOVER_UID, lambda libc: libc.semget(0, 2, 0o1000 | 0o600)),
            "mq": _as_user(LEFTOVER_UID, lambda libc: libc.mq_open(b"/leftover-61990", os.O_CREAT | os.O_RDWR,
                                                                   0o600, None))}
    other = _as_user(LEFTOVER_UID + 1, lambda libc: libc.shmget(0, 4096, 0o1000 | 0o600))
    try:
        assert min(made.values()) >= 0 and other >= 0, made
        removed = processes.remove_ipc_objects(LEFTOVER_UID)
        assert _ipc_objects_of(LEFTOVER_UID) == []
        assert sorted(line.split()[2] for line in removed if line.startswith("System V")) == ["msg", "sem", "shm"]
        assert "POSIX message queue /leftover-61990 (owner 61990)" in removed
        assert len(_ipc_objects_of(LEFTOVER_UID + 1)) == 1  # another user's segment stays
        assert processes.remove_ipc_objects(LEFTOVER_UID) == []
    finally:
        processes.remove_ipc_objects(LEFTOVER_UID + 1)


@pytest.mark.slow
@pytest.mark.skipif(not AS_ROOT, reason="a worker has a user of its own only when the grader is root")
def test_a_grading_reports_the_ipc_objects_it_removed_in_results_json(tmp_path, world):
    """The contract run: an object left under the worker's user is gone when results.json is
    written, and the isolation report says so."""
    segment = _as_user(LEFTOVER_UID, lambda libc: libc.shmget(0, 1 << 20, 0o1000 | 0o600))
    assert segment >= 0
    submission = write_submission(world / "submission")
    results = tmp_path / "results.json"
    environment = {**os.environ, "HARNESS_WORKER_UID": str(LEFTOVER_UID), "HARNESS_WORKER_GID": str(LEFTOVER_UID)}
    try:
        completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                    "--hypothesis-profile=ci", f"--submission={submission}",
                                    f"--results-json={results}"], cwd=Path(__file__).resolve().parent.parent,
                                   env=environment, capture_output=True, text=True, timeout=600)
    finally:
        leftover = processes.remove_ipc_objects(LEFTOVER_UID)
    assert results.exists(), completed.stdout[-3000:]
    isolation_report = json.loads(results.read_text())["extra_data"]["isolation"]
    assert leftover == []
    assert [line for line in isolation_report["ipc objects removed"] if f"shm {segment} " in line], isolation_report
