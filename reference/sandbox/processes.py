"""What a worker leaves in the kernel: its session's processes (found in /proc and killed until gone) and
the System V IPC objects and POSIX message queues of its uid (removed after each grading)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
