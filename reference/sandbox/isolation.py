"""The worker's walls, raised by the kernel before a submission is imported, and the proof that they stand.

Python cannot sandbox Python (an audit hook runs inside the interpreter the submission controls;
numpy writes any address). So the worker asks the kernel, in this order, once numpy and the
harness are imported and before the submission is:

- pdeathsig     SIGKILL when the grader dies: no worker outlives it.
- rlimits       NPROC (counted per user: meaningful after the uid drop), NOFILE, FSIZE 0, CORE 0,
                MEMLOCK 0 (AS and CPU are set by the trusted side when it starts the worker).
- landlock      no writes anywhere; reads only of the worker's view (harness copy without the model
                solution, and the submission), the interpreter's standard library, numpy, and system
                libraries. Not the checkout, not the tests, not HOME, not /proc (the grader's environment).
- seccomp       the filter in `syscall_filter` (libseccomp, through pyseccomp): no network, no new
                processes (threads only), no signals or pidfds aimed at other processes, no ptrace,
                no new session or group, no file mutations, no opening for writing, no namespaces,
                mounts, io_uring, bpf, userfaultfd, perf or keyrings. It sets no_new_privs.
- user          (set by the trusted side when it runs as root) an unprivileged uid and gid, no
                supplementary groups, umask 077.

`prove()` then tries what the walls must stop (a socket, a write to a harness file, a signal to
the grader, a new process, the grader's /proc) and the trusted side decides whether to grade.
"""
import ctypes
import errno
import os
import resource
import signal
import sys
import sysconfig

PR_SET_PDEATHSIG, PR_GET_NO_NEW_PRIVS = 1, 39
CLONE_THREAD = 0x00010000
WRITE_FLAGS = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC)
NOFILE = 64    # the worker holds two pipes; numpy and the submission need a few more at most
NPROC = 64     # tasks of the worker's uid: its own threads, and no processes (seccomp refuses those too)

# Refused whatever their arguments: each is something grading never needs and an attack often does.
REFUSED = (
    # new programs and processes (clone is handled below: threads stay allowed)
    "execve", "execveat", "fork", "vfork",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    "tkill", "kcmp", "process_madvise", "process_mrelease", "migrate_pages", "move_pages", "ioprio_set",
    # escaping the process group and session that the grader kills
    "setsid", "setpgid",
    # the network and other sockets
    "socket", "socketpair",
    # file mutations
    "mknod", "mknodat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "truncate", "ftruncate",
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "link", "linkat",
    "symlink", "symlinkat", "mkdir", "mkdirat", "rmdir", "creat", "utime", "utimes", "utimensat",
    "futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "open_by_handle_at", "name_to_handle_at", "fallocate", "memfd_create", "memfd_secret",
    # the kernel's bigger levers
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "bpf", "userfaultfd", "perf_event_open", "keyctl", "add_key", "request_key",
    "fanotify_init", "inotify_init", "inotify_init1", "quotactl", "acct", "swapon", "swapoff", "reboot",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "syslog",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid",
    "setfsgid", "capset", "personality", "seccomp",
)
# Refused with ENOSYS, so that the C library falls back to the call the filter can inspect:
# clone3 and openat2 keep their flags in memory, out of the filter's sight.
UNINSPECTABLE = ("clone3", "openat2")


def syscall_filter(own_pid):
    """The seccomp filter (default: allow) that refuses the calls above with EPERM, plus: clone
    without CLONE_THREAD; open/openat with any of O_WRONLY, O_RDWR, O_CREAT, O_TRUNC; signals to any
    process but this one; prlimit64, setpriority and sched_set* aimed at another process."""
    import pyseccomp as seccomp
    refuse = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    rules.set_attr(seccomp.Attr.CTL_NNP, 1)
    rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)  # every thread of the worker, not only this one

    def add(action, name, *args):
        try:
            rules.add_rule(action, name, *args)
        except (ValueError, OSError):  # a call this kernel or architecture does not have
            pass

    for name in REFUSED:
        add(refuse, name)
    for name in UNINSPECTABLE:
        add(seccomp.ERRNO(errno.ENOSYS), name)
    add(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
    for flag in WRITE_FLAGS:
        add(refuse, "open", seccomp.Arg(1, seccomp.MASKED_EQ, flag, flag))
        add(refuse, "openat", seccomp.Arg(2, seccomp.MASKED_EQ, flag, flag))
    for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        add(refuse, name, seccomp.Arg(0, seccomp.NE, own_pid))
    for name in ("prlimit64", "sched_setaffinity", "sched_setparam", "sched_setscheduler", "sched_setattr"):
        add(refuse, name, seccomp.Arg(0, seccomp.NE, 0))
    add(refuse, "setpriority", seccomp.Arg(1, seccomp.NE, 0))
    return rules


def readable_paths(view):
    """What the worker may read (with Landlock): its view, the standard library, numpy, system libraries."""
    import numpy
    numpy_directory = os.path.dirname(numpy.__file__)
    paths = [view, sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"], numpy_directory,
             numpy_directory + ".libs", "/usr/lib", "/lib", "/lib64", "/usr/lib64", "/etc/ld.so.cache",
             "/dev/null", "/dev/urandom"]
    return [path for path in dict.fromkeys(paths) if os.path.exists(path)]


def listable_paths():
    """Folders on sys.path: listed (names only) when the submission imports, never read."""
    return [path for path in sys.path if os.path.isdir(path)]


class Walls:
    """Raises the layers one by one and remembers which stand: {layer: description or None}."""

    def __init__(self):
        self.layers = {}

    def raise_all(self, view, grader_pid):
        for binding in ("pyseccomp", "landlock"):  # loading them finds libseccomp with tools Landlock then hides
            self._try(f"{binding} binding", __import__, binding)
        self._try("pdeathsig", self._pdeathsig, grader_pid)
        self._try("rlimits", self._rlimits)
        self._try("landlock", self._landlock, view)
        self._try("seccomp", self._seccomp)
        self.layers["no_new_privs"] = "set" if _libc().prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 else None
        self.layers["user"] = f"uid {os.getuid()}, gid {os.getgid()}" if os.getuid() != 0 else None
        return self.layers

    def _try(self, layer, install, *args):
        try:
            outcome = install(*args)
            self.layers[layer] = outcome if isinstance(outcome, str) else "loaded"
        except Exception as error:  # noqa: BLE001 - a layer that cannot stand is reported, not fatal here
            self.layers[layer] = None
            self.layers[f"{layer} (why not)"] = f"{type(error).__name__}: {error}"[:300]

    @staticmethod
    def _pdeathsig(grader_pid):
        if _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
        if os.getppid() != grader_pid:  # the grader died before the signal was armed
            os._exit(0)
        return "SIGKILL"

    @staticmethod
    def _rlimits():
        limits = {resource.RLIMIT_NOFILE: NOFILE, resource.RLIMIT_FSIZE: 0, resource.RLIMIT_CORE: 0,
                  resource.RLIMIT_MEMLOCK: 0}
        if os.getuid() != 0:  # root is not held to NPROC; the trusted side drops root first
            limits[resource.RLIMIT_NPROC] = NPROC
        for limit, value in limits.items():
            resource.setrlimit(limit, (value, value))
        return f"NOFILE {NOFILE}, FSIZE 0, CORE 0, MEMLOCK 0" + (f", NPROC {NPROC}" if os.getuid() != 0 else "")

    @staticmethod
    def _landlock(view):
        import landlock
        abi = landlock.landlock_abi_version()
        rules = landlock.Ruleset()  # every access right this kernel knows is handled: refused unless allowed
        read = landlock.FSAccess.READ_FILE | landlock.FSAccess.READ_DIR
        readable = readable_paths(view)
        for path in readable:
            rules.allow(path, rules=read if os.path.isdir(path) else landlock.FSAccess.READ_FILE)
        for path in listable_paths():
            rules.allow(path, rules=landlock.FSAccess.READ_DIR)
        rules.apply()
        return f"ABI {abi}: read-only, {len(readable)} paths readable"

    @staticmethod
    def _seccomp():
        syscall_filter(os.getpid()).load()
        return "deny-list filter loaded (all threads)"


def prove(view, grader_pid):
    """Try what the walls must stop; {attempt: "refused" or what happened instead}."""
    harness_file = os.path.join(view, "reference", "worker.py")
    attempts = {
        "open a network socket": _socket,
        "write a harness file": lambda: os.close(os.open(harness_file, os.O_WRONLY | os.O_APPEND)),
        "signal the grader": lambda: os.kill(grader_pid, 0),
        "start a process": _fork,
        "read the grader's /proc": lambda: open(f"/proc/{grader_pid}/environ", "rb").close(),
    }
    outcomes = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            outcomes[name] = "ALLOWED"
        except PermissionError:
            outcomes[name] = "refused"
        except OSError as error:
            outcomes[name] = f"failed otherwise ({errno.errorcode.get(error.errno, error.errno)})"
    return outcomes


def _socket():
    import socket
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()


def _fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    return libc
