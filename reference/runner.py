"""Runner: build a scenario in toyframe (with any Dropout / L2regularization classes) and record a Trace.

Every layer in a wrapper chain sits inside a Probe, a transparent stand-in that records what
passes through it, so the trace holds each Dropout's input and output however the
implementation stores (or hides) its mask.
"""
import numpy as np

import toyframe
from toyframe.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from toyframe.layers.wrapper import SharedParameters

from .masks import attach_keep_masks, keep_masks_of_samples
from .scenario import dropout_name, layer_name
from .trace import StepRecord, Trace

TOYFRAME_CLASS_NAMES = {"dropout": "Dropout", "l2": "L2regularization", "l1": "L1regularization"}


def _class_for(kind, classes):
    """The class given for `kind`, else toyframe's own, fetched only when a scenario needs it (the
    grading worker must never load the model solution)."""
    return classes[kind] if kind in classes else getattr(toyframe, TOYFRAME_CLASS_NAMES[kind])

ACTIVATIONS = {"relu": ReLU, "leaky_relu": lambda: LeakyReLU(0.01), "sigmoid": Sigmoid, "tanh": Tanh,
               "softmax": Softmax}


class Probe(SharedParameters):
    """Wraps a layer; forwards every call unchanged and keeps copies of what went through."""

    def __init__(self, layer):
        self.layer = layer
        self.output = None
        self.received = None

    def __call__(self, x):
        out = self.layer(x)
        # A copy: the layer above may legally change its input array in place afterwards.
        self.output = np.array(out, copy=True)
        return out

    def grad(self, in_gradient):
        self.received = np.array(in_gradient, copy=True)
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"


def _wrap(kind, cls, layer, value):
    return cls(layer, p=value) if kind == "dropout" else cls(layer, coefficient=value)


class BuiltModel:
    """A scenario built in toyframe: the Model plus handles on every Linear, Dropout and penalty."""

    def __init__(self, scenario, classes):
        dtype = np.dtype(scenario.dtype)
        self.scenario = scenario
        self.bases = []       # the Linear of each scenario layer
        self.component_of = []  # index in Model.components of each scenario layer
        self.dropouts = []    # (name, p, inner probe, outer probe)
        self.penalties = []   # (kind, coefficient, probe around the wrapper)
        components = []
        for index, spec in enumerate(scenario.layers):
            base = toyframe.Linear(*spec.shape, rng=np.random.default_rng(0), dtype=dtype)
            base.weights = np.array(spec.weights, dtype=dtype)
            base.bias = np.array(spec.bias, dtype=dtype)
            layer = Probe(base)
            for wrap_index, wrap in enumerate(spec.wraps):
                inner = layer
                layer = Probe(_wrap(wrap.kind, _class_for(wrap.kind, classes), inner, wrap.value))
                if wrap.kind == "dropout":
                    self.dropouts.append((dropout_name(index, wrap_index), wrap.value, inner, layer))
                else:
                    self.penalties.append((wrap.kind, wrap.value, layer))
            self.bases.append(base)
            self.component_of.append(len(components))
            components.append(layer)
            if spec.activation:
                components.append(ACTIVATIONS[spec.activation]())
        self.model = toyframe.Model(components)

    def penalty(self):
        """The weight penalty as the notebook computes it: from each wrapper's own `weights`."""
        total = 0.0
        for kind, coefficient, wrapper in self.penalties:
            weights = np.asarray(wrapper.weights)
            total = total + coefficient * (np.sum(np.square(weights)) if kind == "l2" else np.sum(np.abs(weights)))
        return total


def _data_loss(scenario, output):
    """(loss value, dL/doutput) computed with toyframe's losses."""
    if scenario.loss == "weighted_sum":
        weights = np.asarray(scenario.targets, dtype=scenario.dtype)
        return np.sum(output * weights), weights
    loss = toyframe.CrossEntropy() if scenario.loss == "cross_entropy" else toyframe.MSELoss()
    return loss(output, scenario.targets), loss.grad()


def run(scenario, classes=None):
    """Run `scenario` in toyframe with `classes` ({'dropout'|'l2'|'l1': class}) -> Trace with keep masks."""
    return attach_keep_masks(observe(scenario, classes))


def observe(scenario, classes=None):
    """Run `scenario` -> Trace of what happened, each Dropout's raw observations included (no keep masks yet)."""
    built = BuiltModel(scenario, classes or {})
    trace = Trace()
    np.random.seed(scenario.seed)
    x = np.array(scenario.x, dtype=scenario.dtype)
    # Overflow in a diverging scenario shows as inf in the trace, which the comparison (or the
    # rejection of diverged scenarios) handles: no warning needed.
    with np.errstate(over="ignore", invalid="ignore"):
        _record_steps(scenario, built, x, trace)
    return trace


def _record_steps(scenario, built, x, trace):
    model = built.model
    for step in range(scenario.steps + 1):
        record = StepRecord()
        trace.steps.append(record)
        output = model.forward(x)
        for name, _, inner, outer in built.dropouts:
            stored = getattr(outer.layer, "mask", None)
            record.observations[name] = {
                "pre": inner.output if inner.output is not None else np.zeros(np.shape(outer.output)),
                "post": outer.output, "stored": stored.copy() if isinstance(stored, np.ndarray) else None}
            record.forward[name] = outer.output
        record.forward["output"] = output
        data_loss, upstream = _data_loss(scenario, output)
        record.forward["loss"] = np.asarray(data_loss + built.penalty())
        if step < scenario.steps:
            grads = model.backward(upstream, input_grad=True)
        for name, _, inner, outer in built.dropouts:
            record.observations[name].update(upstream=outer.received, passed_down=inner.received)
            inner.received = outer.received = None
        if step == scenario.steps:
            break
        record.backward["dL/dx"] = model.input_grad
        for index, base in enumerate(built.bases):
            record.backward[f"dL/dW of {layer_name(index)}"] = grads.get(built.component_of[index])
            record.backward[f"dL/db of {layer_name(index)}"] = base.bias_grad
        model.update_parameters(grads, scenario.lr)
        for index, base in enumerate(built.bases):
            record.update[f"W of {layer_name(index)}"] = base.weights.copy()
            record.update[f"b of {layer_name(index)}"] = base.bias.copy()


def observe_masks(dropout_class, p, shape, calls, seed):
    """Call `dropout_class(Linear, p=p)` `calls` times on a pre-activation of ones, shape (N, D).

    Returns [{"post": output, "stored": self.mask or None}] per call. The wrapped Linear(1, D)
    has W = 0 and b = 1, so every element the layer keeps is visible in its output.
    """
    n_rows, n_cols = shape
    base = toyframe.Linear(1, n_cols, rng=np.random.default_rng(0))
    base.weights = np.zeros((1, n_cols))
    base.bias = np.ones((1, n_cols))
    layer = Probe(dropout_class(Probe(base), p=p))
    ones = np.ones((n_rows, 1))
    np.random.seed(seed)
    observations = []
    for _ in range(calls):
        layer(ones)
        stored = getattr(layer.layer, "mask", None)
        observations.append({"post": layer.output, "stored": stored.copy() if isinstance(stored, np.ndarray) else None})
    return observations


def sample_masks(dropout_class, p, shape, calls, seed):
    """[(output, keep)] per call of observe_masks: output as returned, keep as bool (N, D)."""
    return keep_masks_of_samples(observe_masks(dropout_class, p, shape, calls, seed), shape)
