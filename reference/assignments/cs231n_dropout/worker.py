"""cs231n-dropout's worker half: loading the student's layers.py, fc_net.py (and layer_utils.py) under every
import spelling cs231n uses, and the tasks the trusted side may ask of them. The only file of the
assignment that enters the worker's view: the standard library and numpy alone.
"""
import contextlib
import inspect
import sys
import types
from dataclasses import dataclass

import numpy as np

from ...handin.handin import HandIn
from ...handin.signatures import called
from ...handin.sources import HandInError, Source, Wanted

NAME = "cs231n-dropout"  # how the grader, a course file and a student name this assignment (found by this line)
# The modules that loading a submission registers in sys.modules (a process that loads several forgets them).
SUBMISSION_MODULES = ("cs231n", "layers", "layer_utils", "fc_net", "fast_layers", "im2col", "im2col_cython")

# The toyframe files its submissions build on (of reference.sandbox.view.WORKER_TOYFRAME).
WORKER_TOYFRAME = ()

KEEP_ARGUMENTS = ("dropout_keep_ratio", "dropout")  # the 2020+ release's spelling, and the 2019 one's

# The course's sandwich, used when a submission hands in no layer_utils.py: built on its own layers.
COURSE_LAYER_UTILS = '''
from cs231n.layers import *


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)
'''


class DropoutRecorder:
    """Stands in for the submission's dropout_forward and dropout_backward wherever its other files import
    them (`function`, `backward_function`: plain functions wearing the originals' names, modules and
    docstrings). While `records` is a list, each forward call's (x, out, p, mode, seed) is appended,
    copied at once, and a backward call given the very cache of a recorded forward call returns the
    exact derivative of what that call did (dout * out / x, 0 where x is 0) instead of calling the
    submission's dropout_backward: the net is judged on its own code ('Dropout backward' judges
    dropout_backward on its own). Any other call goes to the submission's functions. `unwrapped()`
    puts the originals back in every module that holds a stand-in, for calls whose masks the trusted
    side reads from the gradients instead (a net cannot tell a recorded call from a real one by looking)."""

    def __init__(self, original, original_backward=None):
        self.original = original
        self.original_backward = original_backward
        self.records = None
        self._caches = []  # (cache, record) of each recorded forward call, worker-side only: matched by identity
        self.function = self._function() if callable(original) else original
        self.backward_function = self._backward() if callable(original_backward) else original_backward

    def start(self):
        """A new list of records, kept from here on until stop()."""
        self.records, self._caches = [], []
        return self.records

    def stop(self):
        self.records, self._caches = None, []

    def _function(self):
        recorder, original = self, self.original

        def dropout_forward(x, dropout_param, *args, **kwargs):
            records = recorder.records
            before = np.array(x, dtype=np.float64) if records is not None else None
            raised = None
            try:
                out, cache = recorder.original(x, dropout_param, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - judged on the trusted side, with the forward's own verdict
                stood_in = _standing_in(x, dropout_param) if records is not None else None
                if stood_in is None:
                    raise
                (out, cache), raised = stood_in, f"{type(error).__name__}: {error}"[:300]
            if records is not None and isinstance(dropout_param, dict):
                p, seed, mode = dropout_param.get("p"), dropout_param.get("seed"), dropout_param.get("mode")
                record = {"x": before, "out": np.array(out, dtype=np.float64),
                          "p": float(p) if isinstance(p, (int, float, np.number)) else None,
                          "mode": mode if isinstance(mode, str) else repr(mode),
                          "seed": int(seed) if isinstance(seed, (int, np.integer)) else repr(seed),
                          **({"raised": raised} if raised else {})}
                records.append(record)
                recorder._caches.append((cache, record))
            return out, cache
        return _wearing(dropout_forward, original)

    def _backward(self):
        recorder, original = self, self.original_backward

        def dropout_backward(dout, cache, *args, **kwargs):
            record = recorder._forward_of(cache) if recorder.records is not None else None
            exact = _derivative(dout, record) if record is not None else None
            return exact if exact is not None else recorder.original_backward(dout, cache, *args, **kwargs)
        return _wearing(dropout_backward, original)

    def _forward_of(self, cache):
        """The record of the one recorded forward call that returned this very cache, else None."""
        if cache is None or isinstance(cache, (bool, int, float, str, bytes)):
            return None
        found = [record for given, record in self._caches if given is cache]
        return found[0] if len(found) == 1 else None

    def __call__(self, x, dropout_param, *args, **kwargs):
        return self.function(x, dropout_param, *args, **kwargs)

    def install(self):
        """The stand-ins in every loaded module's namespace that holds an original, once every file is
        imported: a name a submission bound at import is the very function real use binds, so nothing
        it kept from its import tells a grading from a notebook run."""
        return self._swap({id(self.original): self.function, id(self.original_backward): self.backward_function})

    @contextlib.contextmanager
    def unwrapped(self):
        """The original dropout_forward and dropout_backward in every loaded module's namespace that holds
        a stand-in."""
        swapped = self._swap({id(self.function): self.original, id(self.backward_function): self.original_backward})
        try:
            yield
        finally:
            for namespace, name, value in swapped:
                namespace[name] = value

    @staticmethod
    def _swap(replacements):
        """Each module-level name bound to a key's function rebound to its value; [(namespace, name, old)]."""
        swapped = []
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for name, value in list(namespace.items()):
                replacement = replacements.get(id(value)) if callable(value) else None
                if replacement is not None and replacement is not value:
                    namespace[name] = replacement
                    swapped.append((namespace, name, value))
        return swapped


def _standing_in(x, dropout_param):
    """(out, cache) of a genuine dropout for a net's call that the submission's dropout_forward raised on
    (the identity in test mode, x * (rand < p) / p in train mode), so that the net is still judged on its
    own code; None when the arguments themselves are not a dropout's (the net's error, raised)."""
    p = dropout_param.get("p") if isinstance(dropout_param, dict) else None
    mode = dropout_param.get("mode") if isinstance(dropout_param, dict) else None
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f" or mode not in ("train", "test") \
            or not isinstance(p, (int, float, np.number)) or not 0 < p <= 1:
        return None
    factor = np.ones(x.shape) if mode == "test" else (np.random.rand(*x.shape) < p) / p
    return (x * factor).astype(x.dtype, copy=False), ["the grader's stand-in", factor]  # a new cache each call


def _derivative(dout, record):
    """dout * out / x (0 where x is 0) of a recorded train-mode forward call, in dout's dtype; None when
    dout is not an array of x's shape."""
    x, out = record["x"], record["out"]
    if record.get("mode") != "train" or not isinstance(dout, np.ndarray) or dout.shape != x.shape \
            or out.shape != x.shape or dout.dtype.kind != "f":
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(x != 0, out / np.where(x != 0, x, 1.0), 0.0)
    return (dout * factor).astype(dout.dtype, copy=False)


def _wearing(stand_in, original):
    """stand_in with the original's name, module and docstring."""
    for name in ("__name__", "__qualname__", "__doc__", "__module__"):
        try:
            setattr(stand_in, name, getattr(original, name))
        except (AttributeError, TypeError):
            pass
    return stand_in


@dataclass
class Loaded:
    layers: types.ModuleType
    recorder: DropoutRecorder
    fc_net: types.ModuleType | None = None
    fc_net_error: BaseException | None = None
    cache: object = None  # the last dropout_forward's cache, for the dropout_backward that follows

    def function(self, name):
        if name == "dropout_forward":
            return self.recorder.original
        if name == "dropout_backward" and callable(self.recorder.original_backward):
            return self.recorder.original_backward
        found = getattr(self.layers, name, None)
        if not callable(found):
            raise AttributeError(f"layers.py defines no function named {name!r}")
        return found

    def net_class(self):
        if self.fc_net is None:
            raise self.fc_net_error
        found = getattr(self.fc_net, "FullyConnectedNet", None)
        if not isinstance(found, type):
            raise AttributeError("fc_net.py defines no class named 'FullyConnectedNet'")
        return found


def _load(name, source, aliases=()):
    """The module `name` from the course's own `source`, also known by each of `aliases`."""
    module = types.ModuleType(name)
    module.__package__ = name.rpartition(".")[0]
    for alias in (name, *aliases):
        sys.modules[alias] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    exec(compile(source, f"<course's {name}>", "exec"), module.__dict__)
    return module


LAYERS = Wanted("layers.py", ("dropout_forward", "dropout_backward"), places=("layers.py", "cs231n/layers.py"))
NET = Wanted("fc_net.py", ("FullyConnectedNet",), places=("fc_net.py", "cs231n/classifiers/fc_net.py"))


def load_submission(directory):
    """Loaded: layers.py found anywhere in the hand-in (or a notebook defining dropout_forward/backward),
    imported as cs231n.layers, layers and cs231n.classifiers.layers alike; then layer_utils (the hand-in's
    beside layers.py, else the course's) and fc_net; then dropout_forward/backward replaced everywhere by a
    DropoutRecorder. An error in fc_net.py (or layer_utils.py), or its absence, is kept for the net's tasks,
    so the dropout parts still grade."""
    handin = HandIn(directory)
    source = handin.find(LAYERS)
    root = source.path.rpartition("/")[0]
    try:
        net_source, net_error = handin.find(NET), None
    except HandInError as error:
        net_source, net_error = None, error
    net_folder = net_source.path.rpartition("/")[0] if net_source else root
    handin.package("cs231n", root)
    handin.package("cs231n.classifiers", net_folder)
    layers = handin.load_source(source, "cs231n.layers", aliases=("layers", "cs231n.classifiers.layers"))
    recorder = DropoutRecorder(getattr(layers, "dropout_forward", None), getattr(layers, "dropout_backward", None))
    loaded = Loaded(layers, recorder)
    try:
        _course_helpers(handin, root)
        aliases = ("layer_utils", "cs231n.classifiers.layer_utils")
        utils = _beside(root, "layer_utils.py")
        if utils in handin.tree.files:
            utilities = handin.load_source(Source(utils, text=handin.finder.text(utils)), "cs231n.layer_utils",
                                           aliases=aliases)
        else:
            utilities = _load("cs231n.layer_utils", COURSE_LAYER_UTILS, aliases=aliases)
        if net_error is not None:
            raise net_error
        loaded.fc_net = handin.load_source(net_source, "cs231n.classifiers.fc_net", aliases=("fc_net", "cs231n.fc_net"))
        if net_source.notebook is not None:  # its `from layer_utils import *` ran before layer_utils could load
            for name, value in vars(utilities).items():
                if not name.startswith("_"):
                    vars(loaded.fc_net).setdefault(name, value)
    except Exception as error:  # noqa: BLE001 - the net's tasks report it
        loaded.fc_net_error = error
    recorder.install()
    return loaded


def _beside(folder, name):
    return f"{folder}/{name}" if folder else name


# The course's layer_utils.py starts `from .fast_layers import *` (or `from cs231n.fast_layers import *`):
# its convolutional sandwiches, which no part of this assignment calls. A submission need not hand in
# fast_layers.py (nor the compiled im2col it needs): these modules stand in for whatever cannot load.
COURSE_HELPERS = ("fast_layers", "im2col", "im2col_cython")


def _course_helpers(handin, root):
    for name in COURSE_HELPERS:
        path = _beside(root, f"{name}.py")
        try:
            if path not in handin.tree.files:
                raise ImportError(name)
            handin.load_source(Source(path, text=handin.finder.text(path)), f"cs231n.{name}", aliases=(name,))
        except Exception:  # noqa: BLE001 - a stand-in instead: nothing graded uses them
            stand_in = types.ModuleType(f"cs231n.{name}", "an empty stand-in for the course's helper module")
            for alias in (f"cs231n.{name}", name):
                sys.modules[alias] = stand_in
            setattr(sys.modules["cs231n"], name, stand_in)


def _plain(value):
    """An array the wire can carry (float64 for any number), or the value as it is for the checks to name."""
    if isinstance(value, (np.ndarray, np.generic, int, float)) and not isinstance(value, bool):
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return array.astype(np.float64)
    return None if value is None else f"<{type(value).__name__}>"


SOLVER_EXAMPLES, SOLVER_BATCH = 49000, 100  # cs231n's training set and a Solver's minibatch

DTYPES = ("float64", "float32")  # a net's dtype (cs231n's own default is float32), and so its dropout's x


def _dtype(name):
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}")
    return np.dtype(name)


def _dropout_forward(loaded, x, p, mode, seed, rng_seed, dtype="float64"):
    """dropout_forward(x, {"p": p, "mode": mode[, "seed": seed]}), x of `dtype`, with NumPy's global RNG
    seeded by rng_seed first (a grade never depends on the run), or, rng_seed None, not reseeded but moved
    on by a minibatch draw as cs231n's Solver moves it between two calls; its cache stays here for the
    backward."""
    if rng_seed is None:
        np.random.choice(SOLVER_EXAMPLES, SOLVER_BATCH)
    else:
        np.random.seed(rng_seed)
    dropout_param = {"p": p, "mode": mode, **({} if seed is None else {"seed": seed})}
    out, loaded.cache = called(loaded.function("dropout_forward"), "dropout_forward(x, dropout_param)",
                               np.array(x, dtype=_dtype(dtype)), dropout_param)
    return _plain(out)


def _dropout_backward(loaded, dout, dtype="float64"):
    return _plain(called(loaded.function("dropout_backward"), "dropout_backward(dout, cache)",
                         np.array(dout, dtype=_dtype(dtype)), loaded.cache))


def _net(loaded, architecture, keep, reg, seed, construct_seed, dtype="float64"):
    """A FullyConnectedNet of `architecture` ((hidden_dims, input_dim, num_classes, weight_scale)) and
    `dtype`, built after np.random.seed(construct_seed)."""
    cls = loaded.net_class()
    hidden_dims, input_dim, num_classes, weight_scale = architecture
    np.random.seed(construct_seed)
    return cls(list(hidden_dims), input_dim=input_dim, num_classes=num_classes, reg=reg, weight_scale=weight_scale,
               dtype=_dtype(dtype).type, seed=seed, **{_keep_argument(cls): keep})


def _keep_argument(cls):
    """The keep ratio's name in the class's signature: the 2020+ spelling, the 2019 one, else the first."""
    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        parameters = {}
    return next((name for name in KEEP_ARGUMENTS if name in parameters), KEEP_ARGUMENTS[0])


def _set_params(model, params, dtype):
    """The harness's parameters in place of the model's own (new arrays of the net's dtype, same keys)."""
    own = getattr(model, "params", None)
    if not isinstance(own, dict) or set(own) != set(params):
        raise KeyError(f"model.params has keys {sorted(own) if isinstance(own, dict) else own!r}, expected "
                       f"{sorted(params)} (W1, b1, ..., WL, bL)")
    for key, value in params.items():
        own[key] = np.array(value, dtype=_dtype(dtype))


def _loss_reply(result):
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict)):
        raise TypeError(f"model.loss(X, y) must return (loss, grads), got {type(result).__name__}")
    loss, grads = result
    return {"loss": _plain(loss), "grads": {str(key): _plain(value) for key, value in grads.items()}}


def _net_loss(loaded, architecture, keep, reg, seed, construct_seed, params, X, y, calls=1, dtype="float64",
              unwrapped=(), learning_rate=None):
    """`calls` calls of model.loss(X, y) (or of model.loss(X) for y None: the scores) on one model, each
    with the dropout_forward calls it made in train mode ("records") and in any other ("other_records");
    with y, after one call of model.loss(X). The
    calls whose index is in `unwrapped` run with the submission's own dropout_forward in place of the
    recorder (no records), and so is the model built when call 0 is one of them. With a learning_rate,
    between calls as cs231n's Solver trains: a minibatch drawn from NumPy's global RNG (never reseeded)
    and each parameter replaced by a new array, solver_step of the grads the call returned."""
    with loaded.recorder.unwrapped() if 0 in unwrapped else contextlib.nullcontext():
        model = _net(loaded, architecture, keep, reg, seed, construct_seed, dtype)
        if params is not None:
            _set_params(model, params, dtype)
    if y is not None:
        loaded.recorder.start()  # its records are not sent: the scores check judges test mode
        try:
            model.loss(np.array(X))  # as the notebook does between epochs: test mode must not stick to the model
        finally:
            loaded.recorder.stop()
    replies = []
    for call in range(calls):
        bare = call in unwrapped
        with loaded.recorder.unwrapped() if bare else contextlib.nullcontext():
            records = [] if bare else loaded.recorder.start()
            try:
                result = model.loss(np.array(X)) if y is None else model.loss(np.array(X), np.array(y))
            except Exception as error:  # noqa: BLE001 - without the stand-ins, the student's own pair may raise
                if not bare:
                    raise
                replies.append({"bare_error": f"{type(error).__name__}: {error}"[:300], "records": [],
                                "other_records": []})
                continue
            finally:
                loaded.recorder.stop()
        reply = {"scores": _plain(result)} if y is None else _loss_reply(result)
        other = [record for record in records if isinstance(record, dict) and record.get("mode", "train") != "train"]
        replies.append({**reply, "records": [record for record in records if not any(record is o for o in other)],
                        "other_records": other})
        if learning_rate is not None and call + 1 < calls:
            np.random.choice(len(X), len(X))  # the Solver's minibatch: the global RNG moves on between calls
            model.params.update(solver_step(model.params, reply.get("grads"), learning_rate))
    return replies


def solver_step(params, grads, learning_rate):
    """{key: a new array, params[key] - learning_rate * grads[key]} (in float64, then the parameter's dtype)
    for each key both hold with one shape: the update the trusted side repeats from the same replies."""
    updated = {}
    for key, value in params.items():
        grad = grads.get(key) if isinstance(grads, dict) else None
        value = np.asarray(value)
        if isinstance(grad, np.ndarray) and grad.shape == value.shape:
            updated[key] = (value.astype(np.float64) - learning_rate * grad.astype(np.float64)).astype(value.dtype)
    return updated


def _gradient_check(loaded, architecture, keep, reg, seed, construct_seed, X, y, entries, h):
    """The model's own parameters: (loss, grads) and then, for each (key, flat index) of `entries`, the
    losses with that parameter moved by +h and by -h (the notebook's centred differences)."""
    model = _net(loaded, architecture, keep, reg, seed, construct_seed)
    reply = _loss_reply(model.loss(np.array(X), np.array(y)))
    moved = []
    for key, index in entries:
        value = model.params[key]
        old = value.flat[index]
        losses = []
        for delta in (h, -h):
            value.flat[index] = old + delta
            losses.append(_plain(model.loss(np.array(X), np.array(y))[0]))
        value.flat[index] = old
        moved.append(losses)
    return {**reply, "moved": moved, "again": _plain(model.loss(np.array(X), np.array(y))[0])}


def _net_init(loaded, architecture, keep, construct_seed, dtype="float64"):
    """model.params of a FullyConnectedNet just built (reg 0, no seed): {"params": each array's values,
    "dtypes": each array's dtype}."""
    model = _net(loaded, architecture, keep, 0.0, None, construct_seed, dtype)
    params = getattr(model, "params", None)
    if not isinstance(params, dict):
        raise TypeError(f"model.params must be a dict of the parameters, got {type(params).__name__}")
    return {"params": {str(key): _plain(value) for key, value in params.items()},
            "dtypes": {str(key): str(getattr(value, "dtype", type(value).__name__)) for key, value in params.items()}}


# The notebook's check: N, D, H1, H2, C = 2, 15, 20, 30, 10; np.random.seed(231) before X and y; the
# nets for keep 1, 0.75, 0.5 built in turn (weight_scale 5e-2, float64, seed 123).
NOTEBOOK_SIZES = (2, 15, 20, 30, 10)
NOTEBOOK_KEEPS = (1, 0.75, 0.5)


def notebook_data():
    N, D, _, _, C = NOTEBOOK_SIZES
    state = np.random.RandomState(231)
    return state.randn(N, D), state.randint(C, size=(N,))


def _notebook_losses(loaded):
    """The notebook's initial losses, its cell run as it is written."""
    N, D, H1, H2, C = NOTEBOOK_SIZES
    np.random.seed(231)
    X, y = np.random.randn(N, D), np.random.randint(C, size=(N,))
    losses = []
    for keep in NOTEBOOK_KEEPS:
        cls = loaded.net_class()
        model = cls([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2, dtype=np.float64, seed=123,
                    **{_keep_argument(cls): keep})
        try:
            losses.append(_plain(model.loss(X, y)[0]))
        except Exception:  # noqa: BLE001 - the loss with dropout is not graded (its dropout_forward may raise)
            if keep == 1:
                raise
            losses.append(None)
    return losses


TASKS = {"dropout_forward": _dropout_forward, "dropout_backward": _dropout_backward, "net_loss": _net_loss,
         "net_init": _net_init,
         "gradient_check": _gradient_check, "notebook_losses": _notebook_losses}

