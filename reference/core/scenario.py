"""Scenario: one check's inputs as plain, picklable data (no framework objects inside).

A scenario is a stack of Linear layers, each optionally wrapped (innermost first) in Dropout(p),
L2regularization(coefficient) or L1regularization(coefficient) and followed by an activation;
an input batch, a loss and its targets; a learning rate, a number of SGD steps and then of forward
passes (one by default: the final loss; more, a model evaluated again), a dtype, and
the seed of NumPy's global RNG (where implementations that follow the skeleton draw masks).

Its repr is Python that rebuilds it exactly, so a failing scenario can be replayed by pasting it.
"""
from dataclasses import dataclass, field

import numpy as np

WRAPPERS = {"dropout": "Dropout", "l2": "L2regularization", "l1": "L1regularization"}
ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "softmax")
LOSSES = ("cross_entropy", "mse", "weighted_sum")
DTYPES = ("float64", "float32")


def _array_code(array):
    array = np.asarray(array)
    return f"np.array({array.tolist()!r}, dtype=np.{array.dtype.name})"


@dataclass(frozen=True)
class Wrap:
    """A wrapper around a layer: kind in WRAPPERS; value is p (dropout) or the coefficient."""
    kind: str
    value: float

    def __post_init__(self):
        if self.kind not in WRAPPERS:
            raise ValueError(f"kind must be one of {sorted(WRAPPERS)}, got {self.kind!r}")

    @property
    def parameter(self):
        return "p" if self.kind == "dropout" else "coefficient"


@dataclass(frozen=True, eq=False)
class LayerSpec:
    """weights: (in, out); bias: (1, out); wraps innermost first; activation after it or None."""
    weights: np.ndarray
    bias: np.ndarray
    wraps: tuple = ()
    activation: str | None = None

    def __post_init__(self):
        n_in, n_out = np.shape(self.weights)
        if np.shape(self.bias) != (1, n_out):
            raise ValueError(f"bias must have shape (1, {n_out}), got {np.shape(self.bias)}")
        if self.activation is not None and self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS} or None, got {self.activation!r}")

    @property
    def shape(self):
        return tuple(np.shape(self.weights))

    def describe(self):
        text = "Linear({}->{})".format(*self.shape)
        for wrap in self.wraps:
            text = f"{WRAPPERS[wrap.kind]}({text}, {wrap.parameter}={wrap.value:g})"
        return text + (f" -> {self.activation}" if self.activation else "")

    def __repr__(self):
        return (f"LayerSpec(weights={_array_code(self.weights)}, bias={_array_code(self.bias)}, "
                f"wraps={self.wraps!r}, activation={self.activation!r})")


@dataclass(frozen=True, eq=False)
class Scenario:
    layers: tuple
    x: np.ndarray
    loss: str
    targets: np.ndarray
    lr: float = 0.1
    steps: int = 1
    dtype: str = "float64"
    seed: int = 0
    passes: int = 1
    # How a designed scenario is built again, (builder name in reference.core.strategies, its arguments but
    # steps and passes): its replay line names that call instead of spelling out every array.
    origin: tuple = field(default=(), repr=False, compare=False)

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if not (isinstance(self.passes, int) and self.passes >= 1):
            raise ValueError(f"passes must be an int >= 1, got {self.passes!r}")
        # Both sides must start from identical values: store every array in the scenario's dtype.
        cast = lambda array: np.array(array, dtype=self.dtype)
        object.__setattr__(self, "layers", tuple(
            LayerSpec(cast(layer.weights), cast(layer.bias), tuple(layer.wraps), layer.activation)
            for layer in self.layers))
        object.__setattr__(self, "x", cast(self.x))
        targets = np.asarray(self.targets)
        object.__setattr__(self, "targets", targets.copy() if targets.dtype.kind in "iu" else cast(targets))
        width = np.shape(self.x)[1]
        for index, layer in enumerate(self.layers):
            if layer.shape[0] != width:
                raise ValueError(f"layer {index + 1} takes {layer.shape[0]} inputs but receives {width}")
            width = layer.shape[1]

    @property
    def batch(self):
        return np.shape(self.x)[0]

    def describe(self):
        """One line a student can read: the model, batch, loss, steps."""
        stack = " -> ".join(layer.describe() for layer in self.layers)
        steps = f"{self.steps} SGD step{'s' if self.steps != 1 else ''} (lr {self.lr:g})" if self.steps else "forward only"
        if self.passes > 1:
            steps += f", then {self.passes} forward passes"
        return f"batch {self.batch}: {stack}; loss {self.loss}; {steps}; {self.dtype}; seed {self.seed}"

    def _origin_code(self):
        """`builder(arguments, steps=..., passes=...)` when that call rebuilds this scenario exactly, else ""."""
        if not self.origin:
            return ""
        import importlib
        name, arguments = self.origin
        builder = getattr(importlib.import_module("reference.core.strategies"), name)
        if not _same_scenario(builder(**arguments, steps=self.steps, passes=self.passes), self):
            return ""
        listed = ", ".join(f"{key}={value!r}" for key, value in {**arguments, "steps": self.steps,
                                                                   "passes": self.passes}.items())
        return f"{name}({listed})"

    def __repr__(self):
        short = self._origin_code()
        if short:
            return short
        layers = ", ".join(repr(layer) for layer in self.layers)
        return (f"Scenario(layers=({layers},), x={_array_code(self.x)}, loss={self.loss!r}, "
                f"targets={_array_code(self.targets)}, lr={self.lr!r}, steps={self.steps!r}, "
                f"dtype={self.dtype!r}, seed={self.seed!r}{f', passes={self.passes!r}' if self.passes != 1 else ''})")


def _same_scenario(a, b):
    return (a.loss == b.loss and a.lr == b.lr and a.steps == b.steps and a.dtype == b.dtype and a.seed == b.seed
            and a.passes == b.passes and np.array_equal(a.x, b.x) and np.array_equal(a.targets, b.targets)
            and len(a.layers) == len(b.layers)
            and all(np.array_equal(p.weights, q.weights) and np.array_equal(p.bias, q.bias) and p.wraps == q.wraps
                    and p.activation == q.activation for p, q in zip(a.layers, b.layers)))


def layer_name(index):
    return f"layer {index + 1}"


def dropout_name(layer_index, wrap_index):
    return f"output of Dropout {wrap_index + 1} on {layer_name(layer_index)}"


def penalty_weights_name(layer_index, kind):
    """The weights a penalty wrapper shows through its `weights` alias (where its caller reads them)."""
    return f"weights read through the {WRAPPERS[kind]} on {layer_name(layer_index)}"


def dropout_probabilities(scenario):
    """{name of each Dropout in `scenario` (as in traces): its drop probability p}."""
    return {dropout_name(index, wrap_index): wrap.value for index, layer in enumerate(scenario.layers)
            for wrap_index, wrap in enumerate(layer.wraps) if wrap.kind == "dropout"}
