"""nnti-7.4's worker half: the submission's Dropout and L2regularization, and the tasks the trusted side
may ask of them. The only file of the assignment that enters the worker's view: the standard library,
numpy and toyframe's skeleton alone.
"""
import sys
import types

from ...handin.handin import HandIn
from ...handin.importing import HandInModules
from ...handin.sources import HandInError, Wanted

NAME = "nnti-7.4"  # how the grader, a course file and a student name this assignment (found by this line)
# The modules that loading a submission registers in sys.modules (a process that loads several forgets them).
SUBMISSION_MODULES = ()

# The toyframe files its submissions build on (of reference.sandbox.view.WORKER_TOYFRAME).
WORKER_TOYFRAME = ("__init__.py", "_checks.py", "activations.py", "losses.py", "model.py", "layers/__init__.py",
                   "layers/linear.py", "layers/wrapper.py")

CLASS_NAMES = {"dropout": "Dropout", "l2": "L2regularization"}


HANDED_IN = {kind: Wanted(f"{name}.py", (name,), places=(f"layers/{name}.py", f"{name}.py"))
             for kind, name in CLASS_NAMES.items()}


class Missing:
    """A graded class the hand-in does not provide: raises its reason when the grader uses it, so the
    other class's part still grades."""

    def __init__(self, error):
        self.error = error

    def __call__(self, *args, **kwargs):
        raise self.error


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
    """{"dropout": Dropout, "l2": L2regularization}, each from its file found anywhere in the hand-in (or a
    notebook defining the class); one that cannot be loaded stands as a Missing that raises why."""
    layers = _skeleton_aliases()
    handin = HandIn(directory)
    classes = {}
    for kind, name in CLASS_NAMES.items():
        try:
            source = handin.find(HANDED_IN[kind])
            layers.__path__ = [HandInModules.PREFIX + source.path.rpartition("/")[0]]  # its siblings: `from .x import`
            module = handin.load_source(source, f"layers.{name}")
            classes[kind] = getattr(module, name, None)
            if not isinstance(classes[kind], type):
                defined = sorted(n for n, v in vars(module).items() if isinstance(v, type) and not n.startswith("_")
                                 and getattr(v, "__module__", None) == module.__name__)
                raise HandInError(f"{module.__file__.rsplit('/', 1)[-1]} defines no class {name}"
                                  + (f" (it defines {', '.join(defined)})" if defined else ""))
        except Exception as error:  # noqa: BLE001 - this class's part reports it; the other still grades
            classes[kind] = Missing(error)
            continue
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
