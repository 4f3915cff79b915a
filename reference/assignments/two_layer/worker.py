"""two-layer's worker half: the student's two_layer_net.py and the tasks the trusted side may ask of it.
The only file of the assignment that enters the worker's view: the standard library and numpy alone.
"""
import re
import types
from dataclasses import dataclass

import numpy as np

from ...handin.handin import HandIn, source_text
from ...handin.signatures import called
from ...handin.sources import Wanted

NAME = "two-layer"  # how the grader, a course file and a student name this assignment (found by this line)
# The modules that loading a submission registers in sys.modules (a process that loads several forgets them).
SUBMISSION_MODULES = ("two_layer_net",)

# The toyframe files its submissions build on (of reference.sandbox.view.WORKER_TOYFRAME).
WORKER_TOYFRAME = ()

FILE = "two_layer_net.py"
FUNCTIONS = ("forward_propagation_with_dropout", "compute_cost_with_regularization",
             "backward_propagation_with_dropout", "update_parameters")
CALLS = ("forward_propagation_with_dropout(X, parameters, keep_prob)",
         "compute_cost_with_regularization(A2, Y, parameters, lambd)",
         "backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd)",
         "update_parameters(parameters, grads, learning_rate)")
PARAMETERS = ("W1", "b1", "W2", "b2")
CACHE_DEPTH, CACHE_ARRAYS = 4, 64


def cache_arrays(cache, depth=CACHE_DEPTH, found=None):
    """The numeric arrays in a cache, in its order: in dicts, lists, tuples and plain objects' attributes
    (a SimpleNamespace, a dataclass, a class of the student's), nested up to `depth`, at most
    CACHE_ARRAYS of them."""
    found = [] if found is None else found
    if len(found) >= CACHE_ARRAYS:
        return found
    if isinstance(cache, np.ndarray):
        if cache.dtype.kind in "biuf":
            found.append(cache)
        return found
    if depth == 0:
        return found
    if isinstance(cache, dict):
        items = list(cache.values())
    elif isinstance(cache, (list, tuple)):
        items = list(cache)
    elif hasattr(cache, "__dict__") and not isinstance(cache, (type, types.ModuleType, types.FunctionType)):
        items = list(vars(cache).values())
    else:
        return found
    for item in items:
        cache_arrays(item, depth - 1, found)
    return found


@dataclass
class Loaded:
    module: object
    lower_case: bool  # the seeds' keys w1, dw1, ... rather than W1, dW1, ...
    cache: object = None  # the cache of the last forward pass, for the backward pass that follows
    graded: str = FILE  # the file (or notebook) the functions come from, as the student names it

    def function(self, name):
        found = getattr(self.module, name, None)
        if not callable(found):
            raise AttributeError(f"{self.graded} defines no function named {name!r} (the assignment asks for "
                                 f"{', '.join(FUNCTIONS)})")
        return found

    def key(self, name, gradient=False):
        name = name.lower() if self.lower_case else name
        return f"d{name}" if gradient else name

    def parameters(self, canonical, gradient=False):
        """A new dict, in the submission's key style, of copies of `canonical`'s arrays."""
        return {self.key(name, gradient): np.array(canonical[name], dtype=np.float64) for name in PARAMETERS}

    def canonical(self, returned, gradient=False):
        """W1, b1, ... (plain arrays) from a dict the submission returned in its key style."""
        if not isinstance(returned, dict):
            raise TypeError(f"expected a dict of {'gradients' if gradient else 'parameters'}, got "
                            f"{type(returned).__name__}")
        missing = [self.key(name, gradient) for name in PARAMETERS if self.key(name, gradient) not in returned]
        if missing:
            raise KeyError(f"the returned dict lacks {', '.join(missing)} (it has {', '.join(map(str, returned))})")
        return {name: _plain(returned[self.key(name, gradient)]) for name in PARAMETERS}


def _plain(value):
    """An array the wire can carry: float64 for any number (a float16 or int result included)."""
    array = np.asarray(value)
    return array.astype(np.float64) if array.dtype.kind in "biuf" else array


HANDED_IN = Wanted(FILE, FUNCTIONS, places=(FILE,))


def load_submission(directory):
    """Loaded: two_layer_net.py found anywhere in the hand-in (or a notebook defining the functions)."""
    handin = HandIn(directory)
    source = handin.find(HANDED_IN)
    return loaded(handin.load_source(source, "two_layer_net"), source_text(source), graded=source.path)


def loaded(module, text=None, graded=FILE):
    """Loaded of an imported two_layer_net, its key style read from its source text (its file's, when not
    given): the seeds' lower-case keys when it names "w1" and never "W1"; graded, the file as the student
    names it."""
    if text is None:
        try:
            with open(module.__file__, encoding="utf-8", errors="replace") as source:
                text = source.read()
        except (OSError, TypeError, AttributeError):
            text = ""
    lower_case = bool(re.search(r"""['"]w1['"]""", text)) and not re.search(r"""['"]W1['"]""", text)
    return Loaded(module, lower_case=lower_case, graded=graded)


def _forward(loaded, X, parameters, keep_prob, seed):
    """The forward pass with NumPy's global RNG seeded by `seed` (a grade never depends on the run):
    A2, and the arrays of its cache; the cache itself stays here for the backward pass."""
    np.random.seed(seed)
    A2, loaded.cache = called(loaded.function(FUNCTIONS[0]), CALLS[0], np.array(X), loaded.parameters(parameters),
                              keep_prob)
    return {"A2": _plain(A2), "cache": [_plain(array) for array in cache_arrays(loaded.cache)]}


def _backward(loaded, X, Y, keep_prob, lambd):
    """The backward pass on the last forward pass's cache -> dW1, db1, dW2, db2."""
    grads = called(loaded.function(FUNCTIONS[2]), CALLS[2], np.array(X), np.array(Y), loaded.cache, keep_prob, lambd)
    return loaded.canonical(grads, gradient=True)


def _cost(loaded, A2, Y, parameters, lambd):
    return _plain(called(loaded.function(FUNCTIONS[1]), CALLS[1], np.array(A2), np.array(Y),
                         loaded.parameters(parameters), lambd))


def _update(loaded, parameters, grads, learning_rate):
    updated = called(loaded.function(FUNCTIONS[3]), CALLS[3], loaded.parameters(parameters),
                     loaded.parameters(grads, gradient=True), learning_rate)
    return loaded.canonical(updated)


def _copy(value):
    """A float64 copy of `value` if it is numeric, else None: taken when it is returned, so that what the
    student's functions do to it later (an in-place update, say) changes nothing of the record."""
    try:
        array = np.array(value)
    except Exception:  # noqa: BLE001 - a student's object may raise anything when converted
        return None
    return array.astype(np.float64) if array.dtype.kind in "biuf" else None


def _mask_shaped(cache, n_h, m):
    """Copies of the cache's arrays of a mask's shape, (n_h, m) first, then (n_h, 1): the only ones the trusted
    side reads a mask from (cache_masks.mask_readings, which takes the first 16 in this order)."""
    arrays = [array for array in cache_arrays(cache) if array.shape in ((n_h, m), (n_h, 1)) and array.size]
    arrays.sort(key=lambda array: array.shape != (n_h, m))
    return [_copy(array) for array in arrays[:16]]


def _train(loaded, X, Y, parameters, keep_prob, lambd, learning_rate, iterations, seed):
    """Training as the seeds' model() runs it: NumPy's global RNG seeded once, then at every iteration
    A2, cache = forward(X, parameters, keep_prob); cost(A2, Y, parameters, lambd); grads = backward(X, Y,
    cache, keep_prob, lambd); parameters = update(parameters, grads, learning_rate), each call handed the
    very objects the last returned (the same X and Y every time, no copies, no reseeding). -> {"records":
    per iteration {"A2", "cache" (the arrays of a mask's shape), "grads", "parameters" (canonical)}, the
    last one partial if a function raised; "raised": the function that raised ("" if none), "error"}.
    Claims, every one: the trusted side validates all of it. The cost is called as model() calls it, its
    value unused (its own part grades it), and what it raises is ignored."""
    X, Y = np.array(X, dtype=np.float64), np.array(Y, dtype=np.float64)
    n_h, m = np.shape(parameters["W1"])[0], X.shape[1]
    parameters = loaded.parameters(parameters)
    records, stage = [], FUNCTIONS[0]
    np.random.seed(seed)
    try:
        for _ in range(int(iterations)):
            stage = FUNCTIONS[0]
            A2, cache = called(loaded.function(stage), CALLS[0], X, parameters, keep_prob)
            record = {"A2": _copy(A2), "cache": _mask_shaped(cache, n_h, m)}
            records.append(record)
            try:
                called(loaded.function(FUNCTIONS[1]), CALLS[1], A2, Y, parameters, lambd)
            except Exception:  # noqa: BLE001 - the cost's own part grades it
                pass
            stage = FUNCTIONS[2]
            grads = called(loaded.function(stage), CALLS[2], X, Y, cache, keep_prob, lambd)
            record["grads"] = {name: _copy(value) for name, value in loaded.canonical(grads, gradient=True).items()}
            stage = FUNCTIONS[3]
            parameters = called(loaded.function(stage), CALLS[3], parameters, grads, learning_rate)
            record["parameters"] = {name: _copy(value) for name, value in loaded.canonical(parameters).items()}
    except Exception as error:  # noqa: BLE001 - a student's function may raise anything: whose it was is reported
        return {"records": records, "raised": stage, "error": f"{type(error).__name__}: {error}"[:2000]}
    return {"records": records, "raised": "", "error": ""}


TASKS = {"forward": _forward, "backward": _backward, "cost": _cost, "update": _update, "train": _train}

