"""Scenario: one check's inputs as plain, picklable data (no framework objects inside).

A scenario is a stack of layers: Linear (LayerSpec) and Conv2d (ConvSpec), each optionally wrapped
(innermost first) in Dropout(p), L2regularization(coefficient) or L1regularization(coefficient) --
a Conv2d also in Dropout2d(p) -- and followed by an activation, with the parameter-free MaxPool2d
(PoolSpec) and Flatten (FlattenSpec) between them; an input batch (N, features) or (N, C, H, W), a
loss and its targets; a learning rate and SGD momentum (torch.optim.SGD's), a number of SGD steps
and then of forward passes (one by default: the final loss; more, a model evaluated again), a dtype,
and the seed of NumPy's global RNG (where implementations that follow the skeleton draw masks).

Its repr is Python that rebuilds it exactly, so a failing scenario can be replayed by pasting it.
"""
from dataclasses import dataclass, field

import numpy as np

WRAPPERS = {"dropout": "Dropout", "l2": "L2regularization", "l1": "L1regularization", "dropout2d": "Dropout2d"}
DROPOUT_KINDS = ("dropout", "dropout2d")
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
        return "p" if self.kind in DROPOUT_KINDS else "coefficient"


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

        if any(wrap.kind == "dropout2d" for wrap in self.wraps):
            raise ValueError("Dropout2d wraps a Conv2d (whole feature maps), not a Linear layer")

    parametric = True

    @property
    def shape(self):
        return tuple(np.shape(self.weights))

    def output_shape(self, shape):
        """(N, in) -> (N, out); ValueError if the input is not (N, in)."""
        if len(shape) != 2 or shape[1] != self.shape[0]:
            raise ValueError(f"takes (N, {self.shape[0]}) but receives {tuple(shape)}")
        return (shape[0], self.shape[1])

    def cast(self, dtype):
        return LayerSpec(np.array(self.weights, dtype=dtype), np.array(self.bias, dtype=dtype), tuple(self.wraps),
                         self.activation)

    def describe(self):
        return _wrapped_text("Linear({}->{})".format(*self.shape), self.wraps, self.activation)

    def __repr__(self):
        return (f"LayerSpec(weights={_array_code(self.weights)}, bias={_array_code(self.bias)}, "
                f"wraps={self.wraps!r}, activation={self.activation!r})")


def _wrapped_text(text, wraps, activation):
    for wrap in wraps:
        text = f"{WRAPPERS[wrap.kind]}({text}, {wrap.parameter}={wrap.value:g})"
    return text + (f" -> {activation}" if activation else "")


def _pair(name, value, minimum):
    values = tuple(int(v) for v in (value if isinstance(value, (tuple, list)) else (value, value)))
    if len(values) != 2 or min(values) < minimum:
        raise ValueError(f"{name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return values


def _windows(size, kernel, stride):
    return (size - kernel) // stride + 1


@dataclass(frozen=True, eq=False)
class ConvSpec:
    """Conv2d: weights (out, in, kh, kw) and bias (out,) or None, torch's layouts (toyframe's too); stride and
    padding (height, width); wraps innermost first; activation after it or None. Input and output NCHW."""
    weights: np.ndarray
    bias: np.ndarray | None
    stride: tuple = (1, 1)
    padding: tuple = (0, 0)
    wraps: tuple = ()
    activation: str | None = None

    parametric = True

    def __post_init__(self):
        if np.ndim(self.weights) != 4:
            raise ValueError(f"weights must be (out, in, kh, kw), got shape {np.shape(self.weights)}")
        if self.bias is not None and np.shape(self.bias) != (np.shape(self.weights)[0],):
            raise ValueError(f"bias must have shape ({np.shape(self.weights)[0]},) or be None, got {np.shape(self.bias)}")
        object.__setattr__(self, "stride", _pair("stride", self.stride, 1))
        object.__setattr__(self, "padding", _pair("padding", self.padding, 0))
        if self.activation is not None and self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS} or None, got {self.activation!r}")

    @property
    def kernel_size(self):
        return tuple(np.shape(self.weights)[2:])

    def output_shape(self, shape):
        """(N, in, H, W) -> (N, out, Ho, Wo), Ho = (H + 2 ph - kh) // sh + 1; ValueError if none fits."""
        out_channels, in_channels, kh, kw = np.shape(self.weights)
        if len(shape) != 4 or shape[1] != in_channels:
            raise ValueError(f"takes (N, {in_channels}, H, W) but receives {tuple(shape)}")
        (ph, pw), (sh, sw) = self.padding, self.stride
        if shape[2] + 2 * ph < kh or shape[3] + 2 * pw < kw:
            raise ValueError(f"has a kernel {(kh, kw)} larger than its padded input {tuple(shape)}")
        return (shape[0], out_channels, _windows(shape[2] + 2 * ph, kh, sh), _windows(shape[3] + 2 * pw, kw, sw))

    def cast(self, dtype):
        bias = None if self.bias is None else np.array(self.bias, dtype=dtype)
        return ConvSpec(np.array(self.weights, dtype=dtype), bias, self.stride, self.padding, tuple(self.wraps),
                        self.activation)

    def describe(self):
        out_channels, in_channels, kh, kw = np.shape(self.weights)
        text = (f"Conv2d({in_channels}->{out_channels}, kernel {kh}x{kw}, stride {self.stride}, padding "
                f"{self.padding}{', no bias' if self.bias is None else ''})")
        return _wrapped_text(text, self.wraps, self.activation)

    def __repr__(self):
        bias = "None" if self.bias is None else _array_code(self.bias)
        return (f"ConvSpec(weights={_array_code(self.weights)}, bias={bias}, stride={self.stride!r}, "
                f"padding={self.padding!r}, wraps={self.wraps!r}, activation={self.activation!r})")


@dataclass(frozen=True)
class PoolSpec:
    """MaxPool2d(kernel_size, stride): parameter-free, NCHW in and out."""
    kernel_size: tuple
    stride: tuple

    parametric = False
    wraps = ()
    activation = None

    def __post_init__(self):
        object.__setattr__(self, "kernel_size", _pair("kernel_size", self.kernel_size, 1))
        object.__setattr__(self, "stride", _pair("stride", self.stride, 1))

    def output_shape(self, shape):
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if len(shape) != 4 or shape[2] < kh or shape[3] < kw:
            raise ValueError(f"pools windows {(kh, kw)} but receives {tuple(shape)}")
        return (*shape[:2], _windows(shape[2], kh, sh), _windows(shape[3], kw, sw))

    def cast(self, dtype):
        return self

    def describe(self):
        return f"MaxPool2d({self.kernel_size[0]}x{self.kernel_size[1]}, stride {self.stride})"


@dataclass(frozen=True)
class FlattenSpec:
    """Flatten: (N, d1, d2, ...) -> (N, d1*d2*...) in C order (torch.flatten(x, 1))."""
    parametric = False
    wraps = ()
    activation = None

    def output_shape(self, shape):
        if len(shape) < 2:
            raise ValueError(f"flattens (N, ...) but receives {tuple(shape)}")
        return (shape[0], int(np.prod(shape[1:])))

    def cast(self, dtype):
        return self

    def describe(self):
        return "Flatten"


@dataclass(frozen=True, eq=False)
class Scenario:
    layers: tuple
    x: np.ndarray
    loss: str
    targets: np.ndarray
    lr: float = 0.1
    steps: int = 1
    # torch.optim.SGD's momentum (dampening 0): buffer b = g at the first step, then b = momentum * b + g;
    # each parameter p <- p - lr * b
    momentum: float = 0.0
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
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        # Both sides must start from identical values: store every array in the scenario's dtype.
        cast = lambda array: np.array(array, dtype=self.dtype)
        object.__setattr__(self, "layers", tuple(layer.cast(self.dtype) for layer in self.layers))
        object.__setattr__(self, "x", cast(self.x))
        targets = np.asarray(self.targets)
        object.__setattr__(self, "targets", targets.copy() if targets.dtype.kind in "iu" else cast(targets))
        shape = np.shape(self.x)
        for index, layer in enumerate(self.layers):
            try:
                shape = layer.output_shape(shape)
            except ValueError as error:
                raise ValueError(f"{layer_name(index)} ({layer.describe()}) {error}") from None
        if len(shape) != 2:
            raise ValueError(f"the model's output must be (N, outputs) for the loss, got {shape}: end with Flatten")

    @property
    def batch(self):
        return np.shape(self.x)[0]

    def describe(self):
        """One line a student can read: the model, batch, loss, steps."""
        stack = " -> ".join(layer.describe() for layer in self.layers)
        momentum = f", momentum {self.momentum:g}" if self.momentum else ""
        steps = (f"{self.steps} SGD step{'s' if self.steps != 1 else ''} (lr {self.lr:g}{momentum})" if self.steps
                 else "forward only")
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
                f"{f'momentum={self.momentum!r}, ' if self.momentum else ''}"
                f"dtype={self.dtype!r}, seed={self.seed!r}{f', passes={self.passes!r}' if self.passes != 1 else ''})")


def _same_scenario(a, b):
    return (a.loss == b.loss and a.lr == b.lr and a.steps == b.steps and a.momentum == b.momentum
            and a.dtype == b.dtype and a.seed == b.seed and a.passes == b.passes and np.array_equal(a.x, b.x)
            and np.array_equal(a.targets, b.targets) and len(a.layers) == len(b.layers)
            and all(repr(p) == repr(q) for p, q in zip(a.layers, b.layers)))


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
            for wrap_index, wrap in enumerate(layer.wraps) if wrap.kind in DROPOUT_KINDS}
