"""Runner: build a scenario in toyframe (with any Dropout / L2regularization classes) and record a Trace.

The harness owns every array it relies on and hands the implementation only copies: its input,
the gradient from above, the targets. It finds parameters through its own handles on each
Linear (never by following attribute names an implementation chooses) and records what passed
through each layer, so the trace holds each Dropout's input and output however the
implementation stores (or hides) its mask:
- each scenario layer's Linear is a RecordingLinear (a toyframe.Linear that keeps copies of its
  output and of the gradient it receives);
- each wrapper sits inside a Probe, a transparent stand-in that does the same for the wrapper.
"""
import numpy as np

import toyframe
from toyframe.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from toyframe.layers.wrapper import SharedParameters

from .masks import attach_keep_masks, keep_masks_of_samples
from .study_values import study_inputs
from .scenario import dropout_name, layer_name, penalty_weights_name
from .trace import StepRecord, Trace

TOYFRAME_CLASS_NAMES = {"dropout": "Dropout", "l2": "L2regularization", "l1": "L1regularization"}


def _class_for(kind, classes):
    """The class given for `kind`, else toyframe's own, fetched only when a scenario needs it (the
    grading worker must never load the model solution)."""
    return classes[kind] if kind in classes else getattr(toyframe, TOYFRAME_CLASS_NAMES[kind])


ACTIVATIONS = {"relu": ReLU, "leaky_relu": lambda: LeakyReLU(0.01), "sigmoid": Sigmoid, "tanh": Tanh,
               "softmax": Softmax}


def _copy(value):
    """A plain copy of an array an implementation returned (anything else as it is, for the comparator
    to name): the harness never keeps the implementation's own arrays, which it may reuse as a
    buffer or change in place later. float16 and extended precision become float64: their values
    are compared, and only float32 and float64 cross from a worker."""
    if not isinstance(value, np.ndarray):
        return value
    if value.dtype.kind == "f" and value.dtype not in (np.float32, np.float64):
        return value.astype(np.float64)
    return np.array(value, copy=True)


class RecordingLinear(toyframe.Linear):
    """A toyframe.Linear (so a wrapper may check its type) that keeps copies of its output and of
    the gradient it receives, and caches its own copy of its input."""

    output = received = None

    def __call__(self, x):
        out = super().__call__(np.array(x, copy=True))
        self.output = _copy(out)
        return out

    def grad(self, in_gradient, input_grad=True):
        self.received = _copy(in_gradient)
        return super().grad(np.array(in_gradient, copy=True), input_grad)


class Probe(SharedParameters):
    """Wraps a layer; forwards every call with copies of its arguments and keeps copies of what went through."""

    def __init__(self, layer):
        self.layer = layer
        self.output = None
        self.received = None

    def __call__(self, x):
        out = self.layer(np.array(x, copy=True))
        # A copy: the layer above may legally change its input array in place afterwards.
        self.output = _copy(out)
        return out

    def grad(self, in_gradient):
        self.received = _copy(in_gradient)
        return self.layer.grad(np.array(in_gradient, copy=True))

    def get_type(self):
        return "layer"


def _wrap(kind, cls, layer, value):
    return cls(layer, p=value) if kind == "dropout" else cls(layer, coefficient=value)


class BuiltModel:
    """A scenario built in toyframe: the Model plus handles on every Linear, Dropout and penalty."""

    def __init__(self, scenario, classes):
        dtype = np.dtype(scenario.dtype)
        self.scenario = scenario
        self.bases = []         # the RecordingLinear of each scenario layer
        self.component_of = []  # index in Model.components of each scenario layer
        self.dropouts = []      # (name, p, what it wraps, probe around it)
        self.penalties = []     # (kind, coefficient, probe around the wrapper, index of its layer)
        components = []
        for index, spec in enumerate(scenario.layers):
            base = RecordingLinear(*spec.shape, rng=np.random.default_rng(0), dtype=dtype)
            base.weights = np.array(spec.weights, dtype=dtype)
            base.bias = np.array(spec.bias, dtype=dtype)
            layer = base
            for wrap_index, wrap in enumerate(spec.wraps):
                inner = layer
                layer = Probe(_wrap(wrap.kind, _class_for(wrap.kind, classes), inner, wrap.value))
                if wrap.kind == "dropout":
                    self.dropouts.append((dropout_name(index, wrap_index), wrap.value, inner, layer))
                else:
                    self.penalties.append((wrap.kind, wrap.value, layer, index))
            self.bases.append(base)
            self.component_of.append(len(components))
            components.append(layer)
            if spec.activation:
                components.append(ACTIVATIONS[spec.activation]())
        self.model = toyframe.Model(components)

    def penalty(self):
        """The weight penalty as the notebook computes it: from each wrapper's own `weights`."""
        total = 0.0
        for kind, coefficient, wrapper, _ in self.penalties:
            weights = np.asarray(wrapper.weights)
            total = total + coefficient * (np.sum(np.square(weights)) if kind == "l2" else np.sum(np.abs(weights)))
        return total

    def sgd_step(self, gradients, lr):
        """W <- W - lr dW (dW as each layer's outermost wrapper returned it) and b <- b - lr db, in
        place on each Linear through the harness's own handles, so every alias stays current."""
        for base, d_weights in zip(self.bases, gradients):
            # A malformed dW is not applied: the comparison names it at this step.
            if isinstance(d_weights, np.ndarray) and d_weights.dtype.kind == "f" and d_weights.shape == base.weights.shape:
                base.weights -= lr * d_weights.astype(base.weights.dtype, copy=False)
            if base.bias_grad is not None:
                base.bias -= lr * base.bias_grad


def _data_loss(scenario, output):
    """(loss value, dL/doutput) computed with toyframe's losses, from copies of the targets."""
    targets = scenario.targets.copy()
    if scenario.loss == "weighted_sum":
        weights = targets.astype(scenario.dtype)
        return np.sum(output * weights), weights
    loss = toyframe.CrossEntropy() if scenario.loss == "cross_entropy" else toyframe.MSELoss()
    return loss(output, targets), loss.grad()


def run(scenario, classes=None):
    """Run `scenario` in toyframe with `classes` ({'dropout'|'l2'|'l1': class}) -> Trace with keep masks."""
    return attach_keep_masks(observe(scenario, classes))


def observe(scenario, classes=None):
    """Run `scenario` -> Trace of what happened, each Dropout's raw observations included (no keep masks yet)."""
    built = BuiltModel(scenario, classes or {})
    trace = Trace()
    np.random.seed(scenario.seed)
    # Overflow in a diverging scenario shows as inf in the trace, which the comparison (or the
    # rejection of diverged scenarios) handles: no warning needed.
    with np.errstate(over="ignore", invalid="ignore"):
        _record_steps(scenario, built, trace)
    return trace


def _record_steps(scenario, built, trace):
    model = built.model
    for step in range(scenario.steps + 1):
        record = StepRecord()
        trace.steps.append(record)
        output = _copy(model.forward(np.array(scenario.x, copy=True)))
        for name, _, inner, outer in built.dropouts:
            stored = getattr(outer.layer, "mask", None)
            record.observations[name] = {
                "pre": inner.output if inner.output is not None else np.zeros(np.shape(outer.output)),
                "post": outer.output, "stored": stored.copy() if isinstance(stored, np.ndarray) else None}
            record.forward[name] = outer.output
        record.forward["output"] = output
        data_loss, upstream = _data_loss(scenario, output)
        record.forward["loss"] = _copy(np.asarray(data_loss + built.penalty()))
        if step < scenario.steps:
            grads = model.backward(upstream, input_grad=True)
        for name, _, inner, outer in built.dropouts:
            record.observations[name].update(upstream=outer.received, passed_down=inner.received)
            inner.received = outer.received = None
        if step == scenario.steps:
            break
        gradients = [_copy(grads.get(component)) for component in built.component_of]
        record.backward["dL/dx"] = _copy(model.input_grad)
        for index, base in enumerate(built.bases):
            record.backward[f"dL/dW of {layer_name(index)}"] = gradients[index]
            record.backward[f"dL/db of {layer_name(index)}"] = _copy(base.bias_grad)
        built.sgd_step(gradients, scenario.lr)
        for index, base in enumerate(built.bases):
            record.update[f"W of {layer_name(index)}"] = base.weights.copy()
            record.update[f"b of {layer_name(index)}"] = base.bias.copy()
        for kind, _, wrapper, index in built.penalties:
            # The assignment's alias: the caller reads the penalty's weights here, so after a step it must
            # show the updated weights, not a copy taken earlier.
            record.update[penalty_weights_name(index, kind)] = _copy(wrapper.weights)


def observe_masks(dropout_class, p, shape, calls, seed, instances=1):
    """Call `instances` layers `dropout_class(Linear, p=p)` in turn, `calls` times each, on the
    inputs of study_inputs(shape, seed), with NumPy's global RNG seeded by `seed`.

    Returns the outputs as one float64 array (instances, calls, N, D).
    """
    n_rows, n_cols = shape
    x, weights, bias = study_inputs(shape, seed)
    layers = []
    for _ in range(instances):
        base = RecordingLinear(*weights.shape, rng=np.random.default_rng(0))
        base.weights, base.bias = weights.copy(), bias.copy()
        layers.append(Probe(dropout_class(base, p=p)))
    np.random.seed(seed)
    outputs = np.empty((instances, calls, n_rows, n_cols))
    for call in range(calls):
        for index, layer in enumerate(layers):
            output = np.asarray(layer(x))
            if output.shape != (n_rows, n_cols):
                raise ValueError(f"the Dropout's output has shape {output.shape}, expected {(n_rows, n_cols)} "
                                 "(the shape of the wrapped layer's output)")
            outputs[index, call] = output
    return outputs


def sample_masks(dropout_class, p, shape, calls, seed, instances=1):
    """observe_masks' outputs (instances, calls, N, D) and keep masks (bool, same shape)."""
    outputs = observe_masks(dropout_class, p, shape, calls, seed, instances)
    return outputs, keep_masks_of_samples(outputs)
