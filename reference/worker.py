"""The untrusted side: runs a submission's classes in toyframe and answers the trusted side's requests.

Started by reference.sandbox (its own session, limits set, stdin closed, another user when the
grader is root, `python -I -B`) with the bootstrap in reference.sandbox.BOOTSTRAP, as
    main([VIEW, REQUEST_FD, REPLY_FD, GRADER_PID])
VIEW is the worker's world: a copy of the harness without the model solution, and the submission
in VIEW/submission. Before the submission is imported the kernel's walls go up
(reference.isolation), are proved, and the first reply reports them. Requests arrive pickled
from the trusted side; replies leave in reference.wire's format only.
"""
import importlib.util
import os
import pickle
import sys
import traceback
import types

# A friendly early error for honest mistakes (opening a socket, writing a file): the wall is the
# kernel's (reference.isolation), not this hook, which the submission's own code could undo.
FORBIDDEN_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.kill", "os.killpg", "signal.pthread_kill", "os.remove", "os.rename",
                    "os.rmdir", "os.truncate", "shutil.", "pty.", "os.chmod", "os.chown", "os.link", "os.symlink")
ERROR_CHARACTERS = 1500  # of an exception's text: feedback, not a channel for whatever the submission reads


def _audit(event, args):
    if event.startswith(FORBIDDEN_EVENTS):
        raise PermissionError(f"not allowed while grading: {event}")
    if event == "open" and len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set("wax+"):
        raise PermissionError(f"not allowed while grading: opening {args[0]!r} for writing")


def _submission_file(directory, name):
    for candidate in (os.path.join(directory, "layers", f"{name}.py"), os.path.join(directory, f"{name}.py")):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"{name}.py was not found in {directory} (nor in its layers/ folder)")


def _skeleton_aliases():
    """Packages named as in the course skeleton, so `from layers import Linear` works in a submission."""
    import toyframe
    for name, module in (("activations", toyframe.activations), ("losses", toyframe.losses),
                         ("model", toyframe.model)):
        sys.modules.setdefault(name, module)
    layers = types.ModuleType("layers")
    layers.__path__ = []
    layers.Linear = toyframe.Linear
    sys.modules["layers"] = layers
    linear_module = types.ModuleType("layers.Linear")
    linear_module.Linear = toyframe.Linear
    sys.modules["layers.Linear"] = linear_module
    return layers


def load_submission(directory):
    """{"dropout": Dropout, "l2": L2regularization} from the submission's two files."""
    layers = _skeleton_aliases()
    classes = {}
    for kind, name in (("dropout", "Dropout"), ("l2", "L2regularization")):
        spec = importlib.util.spec_from_file_location(f"layers.{name}", _submission_file(directory, name))
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        classes[kind] = getattr(module, name)
        setattr(layers, name, classes[kind])
    return classes


def _handlers():
    from . import runner
    from .notebook import toy_l2_cell_losses

    def observe(classes, scenario, graded):
        trace = runner.observe(scenario, {graded: classes[graded]})
        return [{"forward": step.forward, "backward": step.backward, "update": step.update,
                 "observations": {name: _plain_stored(seen) for name, seen in step.observations.items()}}
                for step in trace.steps]

    def observe_masks(classes, p, shape, calls, seed, instances):
        return runner.observe_masks(classes["dropout"], p, shape, calls, seed, instances)

    def notebook_l2(classes):
        return toy_l2_cell_losses(classes["l2"])

    return {"observe": observe, "observe_masks": observe_masks, "notebook_l2": notebook_l2}


def _plain_stored(seen):
    """A stored mask may be any numeric dtype (uint8, int32, ...): it crosses as float64, or not at all."""
    import numpy as np
    stored = seen.get("stored")
    ok = isinstance(stored, np.ndarray) and stored.dtype.kind in "biuf"
    return {**seen, "stored": np.asarray(stored, dtype=np.float64) if ok else None}


def main(argv):
    view, request_fd, reply_fd, grader_pid = argv
    requests, replies = os.fdopen(int(request_fd), "rb"), os.fdopen(int(reply_fd), "wb")
    from . import isolation, wire
    handlers = _handlers()
    layers = isolation.Walls().raise_all(view, int(grader_pid))
    wire.write_frame(replies, wire.encode({"ok": True, "hello": {
        "layers": layers, "proofs": isolation.prove(view, int(grader_pid))}}))
    sys.addaudithook(_audit)
    directory = os.path.realpath(os.path.join(view, "submission"))
    try:
        classes, load_error = load_submission(directory), None
    except BaseException as error:  # noqa: BLE001 - whatever the submission does at import
        classes, load_error = None, _describe(error, "importing the submission", directory)
    while True:
        frame = wire.read_frame(requests)
        if frame is None:
            return
        request = pickle.loads(frame)  # from the trusted side
        if load_error:
            reply = {"ok": False, "error": load_error}
        else:
            try:
                reply = {"ok": True, "result": handlers[request["task"]](classes, **request["args"])}
            except BaseException as error:  # noqa: BLE001 - SystemExit included: it fails one call, not grading
                reply = {"ok": False, "error": _describe(error, "running the submission", directory)}
        try:
            payload = wire.encode(reply)
        except wire.WireError as error:
            payload = wire.encode({"ok": False, "error": f"the submission returned something that is not a plain "
                                                         f"array: {error}"})
        wire.write_frame(replies, payload)


def _describe(error, doing, directory):
    """The exception and the submission's own frames of its traceback (the harness's are not the
    student's to read), its text cut to ERROR_CHARACTERS."""
    try:
        text = str(error)
    except BaseException:  # noqa: BLE001 - a __str__ that raises
        text = "(its message could not be read)"
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
