"""The worker's walls, raised by the kernel before a submission is imported, and the proof that they stand.

Python cannot sandbox Python (an audit hook runs inside the interpreter the submission controls;
numpy writes any address). So the worker asks the kernel, in this order, once numpy and the
harness are imported and before the submission is:

- pdeathsig     SIGKILL when the grader dies: no worker outlives it.
- rlimits       NPROC (counted per user: meaningful after the uid drop), NOFILE, FSIZE 0, CORE 0,
                MEMLOCK 0, MSGQUEUE 0 (AS and CPU are set by the trusted side when it starts the worker).
- landlock      no writes anywhere; reads only of the worker's view (harness copy without the model
                solution, and the submission), the interpreter's standard library, numpy, and system
                libraries. Not the checkout, not the tests, not HOME, not /proc (the grader's environment).
- seccomp       the allow-list filter in `syscall_filter` (libseccomp, through pyseccomp): every
                system call not on ALLOWED fails with EPERM, so whatever nobody listed (System V
                IPC, POSIX message queues, the network, new processes, ptrace, namespaces, mounts,
                io_uring, bpf, keyrings, and every call a future kernel adds) is refused. What is
                allowed is what CPython, NumPy, threads, imports and the worker's loop use, found
                by tracing gradings on a real machine; the arguments of the risky ones are
                checked (threads only; opening for reading only; signals, limits and scheduling
                aimed at itself only). It sets no_new_privs.
- user          (set by the trusted side when it runs as root) an unprivileged uid and gid, no
                supplementary groups, umask 077.

`prove()` then tries what the walls must stop (a socket, a write to a harness file, a signal to
the grader, a new process, the grader's /proc, a System V shared memory segment) and the trusted
side decides whether to grade.
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
IPC_PRIVATE, IPC_CREAT, IPC_RMID = 0, 0o1000, 0
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC  # O_TMPFILE needs O_WRONLY or O_RDWR
NOFILE = 64    # the worker holds two pipes; numpy and the submission need a few more at most
NPROC = 64     # tasks of the worker's uid: its own threads, and no processes (seccomp refuses those too)

# The allow-list: every system call the worker may make, by family. Found by tracing (strace -f)
# the worker through gradings of every assignment's correct and wrong catalogue entries and a
# submission that uses numpy.linalg (solve, pinv, svd, eig, qr, cholesky), numpy.fft, np.random,
# np.load (also memory-mapped), threading, a thread pool, importlib of its own files, pickle,
# tracebacks, inspect, gc, time.sleep, signal handlers, logging, printing. Seen once the filter is
# loaded (x86_64, glibc 2.36, numpy 2.4): read write close lseek fcntl ioctl(TCGETS) newfstatat
# access readlink getdents64 getcwd openat(read-only) brk mmap munmap mprotect madvise futex
# clone(threads) clone3(ENOSYS) set_robust_list rseq exit exit_group rt_sigaction rt_sigprocmask
# sigaltstack clock_gettime clock_nanosleep times getrandom getpid gettid getppid getuid getgid
# uname getrusage sched_getaffinity prlimit64(itself) prctl(PR_GET_NO_NEW_PRIVS). The rest below
# were added because honest code may make them and they read or change nothing but the worker
# itself (its other spellings, e.g. stat/statx, pread64, mremap; its own signals and timers).
# Anything else fails with EPERM.
ALLOWED = {
    # reading and writing descriptors it already holds: the two pipes, /dev/null, files opened for
    # reading (FSIZE 0 and Landlock stop any file write; nothing can be opened for writing)
    "descriptors": ("read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "lseek", "close",
                    "close_range", "dup", "dup2", "dup3", "fcntl", "select", "pselect6", "poll", "ppoll"),
    # finding and reading files (opened read-only: see open/openat below; Landlock decides which)
    "files": ("stat", "fstat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
              "readlink", "readlinkat", "getdents64", "getcwd", "chdir", "fchdir"),
    # memory: the allocator, numpy's arrays (hugepage advice), imports' mappings of shared libraries
    "memory": ("brk", "mmap", "munmap", "mremap", "mprotect", "madvise"),
    # threads: glibc's pthread_create (clone3 is refused with ENOSYS, it falls back to clone, see
    # below), their locks and exit
    # (map_shadow_stack: a new thread's shadow stack where glibc enables x86's CET)
    "threads": ("futex", "set_robust_list", "rseq", "sched_yield", "sched_get_priority_max",
                "sched_get_priority_min", "map_shadow_stack", "exit"),
    # signals within itself: handlers, masks, alternate stacks, timers (kill and the like: below)
    "signals": ("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait",
                "rt_sigsuspend", "sigaltstack", "pause", "alarm", "setitimer", "getitimer"),
    # time and sleep
    "time": ("clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep", "times"),
    # who and where it is (read-only)
    "identity": ("getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getgroups",
                 "getresuid", "getresgid", "getpgrp", "uname", "sysinfo", "getrusage", "getcpu", "umask"),
    # random numbers (os.urandom, numpy's and Python's seeding), and leaving
    "randomness and exit": ("getrandom", "exit_group", "restart_syscall"),
}
# Allowed only with these arguments (see syscall_filter): {family: calls}, for the report and the tests.
ALLOWED_IF = {
    "threads, never processes": ("clone",),
    "opening for reading only": ("open", "openat"),
    "signals to itself only": ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"),
    # (never a real-time policy: sched_setscheduler, sched_setparam, sched_setattr are refused)
    "limits and scheduling of itself only": ("prlimit64", "getrlimit", "setrlimit", "sched_getaffinity",
                                             "sched_setaffinity", "sched_getparam", "sched_getscheduler",
                                             "sched_getattr", "getpriority", "setpriority", "getpgid", "getsid"),
    "ioctl: is it a terminal, its size, close-on-exec": ("ioctl",),
    "prctl: read no_new_privs, the seccomp mode, its thread's name": ("prctl",),
}
IOCTLS = (0x5401, 0x5413, 0x5450, 0x5451)  # TCGETS (isatty), TIOCGWINSZ, FIONCLEX, FIOCLEX
PRCTLS = (15, 16, 21, PR_GET_NO_NEW_PRIVS)  # PR_SET_NAME, PR_GET_NAME, PR_GET_SECCOMP, PR_GET_NO_NEW_PRIVS
# Refused with ENOSYS, so that the C library falls back to the call the filter can inspect:
# clone3 and openat2 keep their flags in memory, out of the filter's sight.
UNINSPECTABLE = ("clone3", "openat2")
# Never to be allowed (the tests check that ALLOWED holds none): what an attack reaches for first.
# The default refuses them like everything else not allowed; this list only documents and guards.
REFUSED = (
    # new programs and processes; other processes
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open",
    "pidfd_send_signal", "pidfd_getfd", "tkill", "kcmp", "process_madvise", "process_mrelease",
    "migrate_pages", "move_pages", "ioprio_set",
    # escaping the process group and session that the grader kills
    "setsid", "setpgid",
    # System V IPC and POSIX message queues: objects that outlive the worker, its RLIMIT_AS and its kill
    "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
    "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
    "mq_getsetattr",
    # the network and other sockets
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "recvfrom",
    # file mutations
    "mknod", "mknodat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "truncate", "ftruncate",
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "link", "linkat",
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
    "setfsgid", "capset", "personality", "seccomp", "get_robust_list", "sched_setscheduler", "sched_setparam",
    "sched_setattr",
)


def allowed_names():
    """Every system call the filter allows in some form (unconditionally or with checked arguments)."""
    return [name for family in (*ALLOWED.values(), *ALLOWED_IF.values()) for name in family]


def syscall_filter(own_pid):
    """The seccomp filter: default EPERM; ALLOWED allowed whatever their arguments; ALLOWED_IF with
    checked arguments (clone only with CLONE_THREAD; open/openat with none of O_WRONLY, O_RDWR,
    O_CREAT, O_TRUNC; signals only to this process; limits, affinity and priority only of this
    process; ioctl only IOCTLS; prctl only PRCTLS); clone3 and openat2 ENOSYS."""
    import pyseccomp as seccomp
    allow = seccomp.ALLOW
    rules = seccomp.SyscallFilter(seccomp.ERRNO(errno.EPERM))
    rules.set_attr(seccomp.Attr.CTL_NNP, 1)
    rules.set_attr(seccomp.Attr.CTL_TSYNC, 1)  # every thread of the worker, not only this one

    def add(action, name, *args):
        try:
            rules.add_rule(action, name, *args)
        except (ValueError, OSError):  # a call this kernel or architecture does not have
            pass

    for name in (name for family in ALLOWED.values() for name in family):
        add(allow, name)
    for name in UNINSPECTABLE:
        add(seccomp.ERRNO(errno.ENOSYS), name)
    add(allow, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, CLONE_THREAD))
    add(allow, "open", seccomp.Arg(1, seccomp.MASKED_EQ, WRITE_FLAGS, 0))
    add(allow, "openat", seccomp.Arg(2, seccomp.MASKED_EQ, WRITE_FLAGS, 0))
    for itself in (own_pid, 0):  # 0: "the caller" for all but the signals, where it means its group
        if itself:
            for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
                add(allow, name, seccomp.Arg(0, seccomp.EQ, itself))
        for name in ("prlimit64", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_getscheduler",
                     "sched_getattr", "getpgid", "getsid"):
            add(allow, name, seccomp.Arg(0, seccomp.EQ, itself))
        for name in ("getpriority", "setpriority"):  # PRIO_PROCESS (0) of itself, never its group or its user
            add(allow, name, seccomp.Arg(0, seccomp.EQ, 0), seccomp.Arg(1, seccomp.EQ, itself))
    for name in ("getrlimit", "setrlimit"):  # its own limits; raising a hard limit needs root anyway
        add(allow, name)
    for request in IOCTLS:
        add(allow, "ioctl", seccomp.Arg(1, seccomp.EQ, request))
    for option in PRCTLS:
        add(allow, "prctl", seccomp.Arg(0, seccomp.EQ, option))
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
                  resource.RLIMIT_MEMLOCK: 0, resource.RLIMIT_MSGQUEUE: 0}
        if os.getuid() != 0:  # root is not held to NPROC; the trusted side drops root first
            limits[resource.RLIMIT_NPROC] = NPROC
        for limit, value in limits.items():
            resource.setrlimit(limit, (value, value))
        return f"NOFILE {NOFILE}, FSIZE 0, CORE 0, MEMLOCK 0, MSGQUEUE 0" + (f", NPROC {NPROC}" if os.getuid() != 0 else "")

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
        return f"allow-list filter loaded ({len(allowed_names())} system calls, all threads; the rest EPERM)"


def prove(view, grader_pid):
    """Try what the walls must stop; {attempt: "refused" or what happened instead}."""
    harness_file = os.path.join(view, "reference", "worker.py")
    attempts = {
        "open a network socket": _socket,
        "write a harness file": lambda: os.close(os.open(harness_file, os.O_WRONLY | os.O_APPEND)),
        "signal the grader": lambda: os.kill(grader_pid, 0),
        "start a process": _fork,
        "read the grader's /proc": lambda: open(f"/proc/{grader_pid}/environ", "rb").close(),
        "make a System V shared memory segment": _shmget,
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


def _shmget():
    """A private 4 KiB segment; removed at once if the kernel grants it (it must not)."""
    libc = _libc()
    identifier = libc.shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0o600)
    if identifier < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    libc.shmctl(identifier, IPC_RMID, None)


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    return libc
