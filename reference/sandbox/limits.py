"""What a worker may use and who it runs as: Limits (time, memory, the grading's budget), WorkerIdentity
(another user and its interpreter when the grader is root), and the walls a worker must prove."""
import os
import sys
from dataclasses import dataclass

DEFAULT_WORKER_PYTHON = "/opt/toyframe-harness-worker/bin/python"
NOT_ROOT = "user (the grader is not root: the worker runs as the grader's own user)"
REQUIRED_LAYERS = ("user", "no_new_privs", "seccomp", "rlimits", "pdeathsig")
INSTALL_HELP = ("see README.md, 'Install layout': the worker's interpreter (HARNESS_WORKER_PYTHON, else this "
                "one) must be runnable by the worker's user, with numpy, pyseccomp and landlock")


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
