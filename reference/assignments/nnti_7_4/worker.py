"""nnti-7.4's worker half: the submission's Dropout and L2regularization, and the tasks the trusted side
may ask of them. The only file of the assignment that enters the worker's view: the standard library,
numpy and toyframe's skeleton alone.
"""
import importlib.util
import os
import sys
import types

NAME = "nnti-7.4"  # how the grader, a course file and a student name this assignment (found by this line)
# The modules that loading a submission registers in sys.modules (a process that loads several forgets them).
SUBMISSION_MODULES = ()

# The toyframe files its submissions build on (of reference.sandbox.view.WORKER_TOYFRAME).
WORKER_TOYFRAME = ("__init__.py", "_checks.py", "activations.py", "losses.py", "model.py", "layers/__init__.py",
                   "layers/linear.py", "layers/wrapper.py")

CLASS_NAMES = {"dropout": "Dropout", "l2": "L2regularization"}


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
    for kind, name in CLASS_NAMES.items():
        spec = importlib.util.spec_from_file_location(f"layers.{name}", _submission_file(directory, name))
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        classes[kind] = getattr(module, name)
        setattr(layers, name, classes[kind])
    return classes


def _observe(classes, scenario, graded):
    """The scenario run on the submission's `graded` class: every step's forward values (each Dropout's
    output among them), gradients and parameters. Every check asks this, mask studies included."""
    from ...core import runner
    return [{"forward": step.forward, "backward": step.backward, "update": step.update}
            for step in runner.run(scenario, {graded: classes[graded]}).steps]


def _notebook_l2(classes):
    from ...core.notebook_cell import toy_l2_cell_losses
    return toy_l2_cell_losses(classes["l2"])


TASKS = {"observe": _observe, "notebook_l2": _notebook_l2}
