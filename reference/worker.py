"""The untrusted side: runs a submission's classes in toyframe and answers the trusted side's requests.

Started by reference.sandbox (its own session, limits set, stdin closed) as
    python -m reference.worker SUBMISSION_DIR REQUEST_FD REPLY_FD
Requests arrive pickled from the trusted side; replies leave in reference.wire's format only.
Before the submission is imported, an audit hook forbids what grading never needs: sockets,
new processes, signals, ctypes and writing files.
"""
import importlib.util
import os
import pickle
import sys
import traceback
import types

FORBIDDEN_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                    "os.kill", "os.killpg", "signal.pthread_kill", "ctypes.", "os.remove", "os.rename",
                    "os.rmdir", "os.truncate", "shutil.", "pty.", "os.chmod", "os.chown", "os.link", "os.symlink")


# The model solution (toyframe's own Dropout / L2regularization / L1regularization) must stay out
# of reach: never imported here, and its files (source or bytecode) never opened.
SOLUTION_MODULES = ("toyframe.layers.dropout", "toyframe.layers.regularization")
_LAYERS_DIRECTORY = os.path.realpath(os.path.join(os.path.dirname(__file__), os.pardir, "toyframe", "layers"))
_SOLUTION_FILE_PREFIXES = ("dropout", "regularization")


def _is_solution_file(path):
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return False
    path = os.path.realpath(path)
    directory, name = os.path.split(path)
    if os.path.basename(directory) == "__pycache__":
        directory = os.path.dirname(directory)
    return directory == _LAYERS_DIRECTORY and name.startswith(_SOLUTION_FILE_PREFIXES)


def _audit(event, args):
    if event.startswith(FORBIDDEN_EVENTS):
        raise PermissionError(f"not allowed while grading: {event}")
    if event == "import" and args and args[0] in SOLUTION_MODULES:
        raise PermissionError(f"not allowed while grading: importing the model solution {args[0]}")
    if event == "open" and args:
        if _is_solution_file(args[0]):
            raise PermissionError("not allowed while grading: reading the model solution")
        if len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set("wax+"):
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
    directory, request_fd, reply_fd = argv
    requests, replies = os.fdopen(int(request_fd), "rb"), os.fdopen(int(reply_fd), "wb")
    from . import wire
    handlers = _handlers()
    sys.addaudithook(_audit)
    try:
        classes, load_error = load_submission(directory), None
    except BaseException as error:  # noqa: BLE001 - whatever the submission does at import
        classes, load_error = None, _describe(error, "importing the submission")
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
                reply = {"ok": False, "error": _describe(error, "running the submission")}
        try:
            payload = wire.encode(reply)
        except wire.WireError as error:
            payload = wire.encode({"ok": False, "error": f"the submission returned something that is not a plain "
                                                         f"array: {error}"})
        wire.write_frame(replies, payload)


def _describe(error, doing):
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return f"{type(error).__name__} while {doing}: {error}\n" + "".join(lines[-4:])


if __name__ == "__main__":
    main(sys.argv[1:])
