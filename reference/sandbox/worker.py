"""The untrusted side: loads a submission as its assignment defines it and answers the trusted side's requests.

Started by reference.sandbox.runners (its own session, limits set, stdin closed, another user when
the grader is root, `python -I -B`) with the bootstrap in reference.sandbox.runners.BOOTSTRAP, as
    main([VIEW, REQUEST_FD, REPLY_FD, GRADER_PID, ASSIGNMENT])
VIEW is the worker's world: the harness modules the worker runs (reference.sandbox.view.build_view),
and the submission in VIEW/submission. The assignment's worker half (reference.assignments.NAME.worker:
load_submission and TASKS) is imported first; then the kernel's walls go up
(reference.sandbox.isolation), are proved, and the first reply reports them; only then is the
submission loaded. Requests arrive pickled from the trusted side; replies leave in
reference.sandbox.wire's format only.
"""
import os
import pickle
import sys
import traceback

from ..handin.signatures import SignatureMismatch
from ..handin.sources import HandInError

# A friendly early error for honest mistakes (opening a socket, writing a file): the wall is the
# kernel's (reference.sandbox.isolation), not this hook, which the submission's own code could undo.
FORBIDDEN_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.kill", "os.killpg", "signal.pthread_kill", "os.remove", "os.rename",
                    "os.rmdir", "os.truncate", "shutil.", "pty.", "os.chmod", "os.chown", "os.link", "os.symlink")
ERROR_CHARACTERS = 1500  # of an exception's text: feedback, not a channel for whatever the submission reads


def _audit(event, args):
    if event.startswith(FORBIDDEN_EVENTS):
        raise PermissionError(f"not allowed while grading: {event}")
    if event == "open" and len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set("wax+"):
        raise PermissionError(f"not allowed while grading: opening {args[0]!r} for writing")


def main(argv):
    view, request_fd, reply_fd, grader_pid, assignment_name = argv
    requests, replies = os.fdopen(int(request_fd), "rb"), os.fdopen(int(reply_fd), "wb")
    from .. import assignments
    from . import isolation, wire
    assignment = assignments.worker_half(assignment_name)
    layers = isolation.Walls().raise_all(view, int(grader_pid))
    wire.write_frame(replies, wire.encode({"ok": True, "hello": {
        "layers": layers, "proofs": isolation.prove(view, int(grader_pid))}}))
    _forget_the_walls_modules()
    sys.addaudithook(_audit)
    directory = os.path.realpath(os.path.join(view, "submission"))
    try:
        submission, load_error = assignment.load_submission(directory), None
    except BaseException as error:  # noqa: BLE001 - whatever the submission does at import
        submission, load_error = None, _describe(error, "importing the submission", directory)
    notes = _handin_notes()  # what reading the hand-in noted, sent with the first reply
    while True:
        frame = wire.read_frame(requests)
        if frame is None:
            return
        request = pickle.loads(frame)  # from the trusted side
        if load_error:
            reply = {"ok": False, "error": load_error}
        else:
            try:
                reply = {"ok": True, "result": assignment.TASKS[request["task"]](submission, **request["args"])}
            except BaseException as error:  # noqa: BLE001 - SystemExit included: it fails one call, not grading
                reply = {"ok": False, "error": _describe(error, "running the submission", directory)}
        if notes is not None:
            reply["handin"], notes = notes, None
        try:
            payload = wire.encode(reply)
        except wire.WireError as error:
            payload = wire.encode({"ok": False, "error": f"the submission returned something that is not a plain "
                                                         f"array: {error}"})
        wire.write_frame(replies, payload)


def _handin_notes():
    try:
        from ..handin.handin import report
        return [str(note) for note in report()]
    except BaseException:  # noqa: BLE001 - notes are feedback only: a submission that broke them loses them
        return []


WALLS_MODULES = ("pyseccomp", "seccomp", "landlock", f"{__package__}.isolation")


def _forget_the_walls_modules():
    """Out of sys.modules once the walls are up (nothing imports them again): a submission that looks there
    for the sandbox's modules, to behave only while graded, does not find them. The kernel's walls stay;
    other traces of a grader remain (docs/security.md), so this only raises the bar."""
    for name in list(sys.modules):
        if name.partition(".")[0] in WALLS_MODULES[:3] or name == WALLS_MODULES[3]:
            del sys.modules[name]


def _describe(error, doing, directory):
    """The exception and the submission's own frames of its traceback (the harness's are not the
    student's to read), its text cut to ERROR_CHARACTERS."""
    try:
        text = str(error)
    except BaseException:  # noqa: BLE001 - a __str__ that raises
        text = "(its message could not be read)"
    if isinstance(error, (HandInError, SignatureMismatch)):
        return text[:ERROR_CHARACTERS]  # the hand-in's own plain sentence (a file missing, empty, unparsable)
    if len(text) > ERROR_CHARACTERS:
        text = text[:ERROR_CHARACTERS] + f" ... ({len(text) - ERROR_CHARACTERS} characters cut)"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if os.path.realpath(frame.filename).startswith(directory + os.sep)][-4:]
    for frame in frames:
        frame.filename = os.path.relpath(frame.filename, directory)
    where = "".join(traceback.format_list(frames))
    return f"{type(error).__name__} while {doing}: {text}\n" + (f"In your code:\n{where}" if where else "")


if __name__ == "__main__":
    main(sys.argv[1:])
