"""Runner: build a scenario in toyframe (with any Dropout / L2regularization classes) and record a Trace.

The harness owns every array it relies on and hands the implementation only copies: its input,
the gradient from above, the targets. It finds parameters through its own handles on each
Linear (never by following attribute names an implementation chooses) and records what each
wrapper returned: the outermost wrapper of a layer is a component of toyframe's own Model, called
by Model.forward exactly as in a training loop, and a Tap after it keeps a copy of what it returned;
a wrapper inside another sits inside a Probe, a transparent stand-in that does the same. That is all a trace holds of a Dropout: which outputs it kept is read on the trusted
side (reference.core.torch_mirror), from that output and the wrapped layer's values, which the
trusted side computes itself. Run in a worker, all of this is the submission's to tamper with:
a trace is a claim, compared value by value with what torch computes given it.
"""
import os
import traceback

import numpy as np

import toyframe
from toyframe.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from toyframe.layers.wrapper import SharedParameters

from .scenario import DROPOUT_KINDS, WRAPPERS, ConvSpec, FlattenSpec, LayerSpec, PoolSpec, dropout_name, layer_name, \
    penalty_weights_name
from .trace import StepRecord, Trace


def _class_for(kind, classes):
    """The class given for `kind`, else toyframe's own, fetched only when a scenario needs it (the
    grading worker must never load the model solution)."""
    return classes[kind] if kind in classes else getattr(toyframe, WRAPPERS[kind])


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


class Probe(SharedParameters):
    """Wraps a layer; forwards every call with copies of its arguments and keeps a copy of its output."""

    def __init__(self, layer):
        self.layer = layer
        self.output = None

    def __call__(self, x):
        out = self.layer(np.array(x, copy=True))
        # A copy: the layer above may legally change its input array in place afterwards.
        self.output = _copy(out)
        return out

    def grad(self, in_gradient):
        return self.layer.grad(np.array(in_gradient, copy=True))

    def get_type(self):
        return "layer"


class Tap:
    """The identity, placed after a layer's outermost wrapper: keeps a copy of what that wrapper returned and
    hands on the very arrays it is given (forward and backward), so the wrapper sees what real use shows it."""

    def __init__(self):
        self.output = None

    def __call__(self, x):
        self.output = _copy(x)
        return x

    def grad(self, in_gradient):
        return in_gradient

    def get_type(self):
        return "activation"


def _is_a_layer(wrapper):
    """Whether Model takes the wrapper as it is (its get_type() is "layer", as the contract says); one that says
    otherwise or raises is graded inside a Probe, which says it for it, rather than lose every part for it."""
    try:
        return wrapper.get_type() == "layer"
    except Exception:  # noqa: BLE001 - the implementation's
        return False


def _wrap(kind, cls, layer, value):
    return cls(layer, p=value) if kind in DROPOUT_KINDS else cls(layer, coefficient=value)


def _base_layer(spec, dtype):
    """toyframe's own Linear or Conv2d holding the spec's parameters, as the notebook builds it: a wrapper that
    looks at its layer's type sees what real use gives it (a subclass of the grader's own was a tell). Conv2d
    is fetched only when a scenario has one (the grading worker's view holds the skeleton alone)."""
    if isinstance(spec, LayerSpec):
        base = toyframe.Linear(*spec.shape, dtype=dtype)
    else:
        out_channels, in_channels, *kernel = np.shape(spec.weights)
        base = toyframe.layers.Conv2d(in_channels, out_channels, tuple(kernel), stride=spec.stride,
                                      padding=spec.padding, bias=spec.bias is not None, dtype=dtype)
    base.weights = np.array(spec.weights, dtype=dtype)
    base.bias = None if spec.bias is None else np.array(spec.bias, dtype=dtype)
    return base


def _parameter_free(spec):
    if isinstance(spec, PoolSpec):
        return toyframe.layers.MaxPool2d(spec.kernel_size, spec.stride)
    if isinstance(spec, FlattenSpec):
        return toyframe.layers.Flatten()
    raise TypeError(f"a scenario's layers are LayerSpec, ConvSpec, PoolSpec or FlattenSpec, got {type(spec).__name__}")


class BuiltModel:
    """A scenario built in toyframe: the Model plus handles on every Linear, Conv2d, Dropout and penalty."""

    def __init__(self, scenario, classes):
        dtype = np.dtype(scenario.dtype)
        self.scenario = scenario
        self.bases = {}         # {index of a scenario layer with parameters: its Linear or Conv2d}
        self.component_of = {}  # {index of such a layer: its index in Model.components}
        self.dropouts = []      # (name, the Tap after it or the Probe around it)
        self.penalties = []     # (kind, coefficient, the wrapper (or the Probe around it), index of its layer)
        self.momenta = {}       # {(index, "weights" or "bias"): torch.optim.SGD's momentum buffer}
        components = []
        for index, spec in enumerate(scenario.layers):
            if not spec.parametric:
                components.append(_parameter_free(spec))
                continue
            base = layer = _base_layer(spec, dtype)
            for wrap_index, wrap in enumerate(spec.wraps):
                layer = _wrap(wrap.kind, _class_for(wrap.kind, classes), layer, wrap.value)
                tapped = wrap_index == len(spec.wraps) - 1 and _is_a_layer(layer)
                recorder = Tap() if tapped else Probe(layer)
                if not tapped:
                    layer = recorder
                if wrap.kind in DROPOUT_KINDS:
                    self.dropouts.append((dropout_name(index, wrap_index), recorder))
                else:
                    self.penalties.append((wrap.kind, wrap.value, layer, index))
            self.bases[index] = base
            self.component_of[index] = len(components)
            components.append(layer)
            if spec.wraps and isinstance(recorder, Tap):
                components.append(recorder)
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

    def sgd_step(self, gradients, lr, momentum=0.0):
        """W <- W - lr dW (dW as each layer's outermost wrapper returned it) and b <- b - lr db, in
        place on each layer through the harness's own handles, so every alias stays current; with
        momentum, torch.optim.SGD's buffer (dampening 0) stands for dW and db."""
        for index, base in self.bases.items():
            d_weights = gradients[index]
            # A malformed dW is not applied: the comparison names it at this step.
            if isinstance(d_weights, np.ndarray) and d_weights.dtype.kind == "f" and d_weights.shape == base.weights.shape:
                base.weights -= lr * self._buffer(index, "weights", d_weights.astype(base.weights.dtype), momentum)
            if base.bias is not None and base.bias_grad is not None:
                base.bias -= lr * self._buffer(index, "bias", np.asarray(base.bias_grad, dtype=base.bias.dtype), momentum)

    def _buffer(self, index, name, gradient, momentum):
        if not momentum:
            return gradient
        previous = self.momenta.get((index, name))
        buffer = gradient if previous is None else momentum * previous + gradient
        self.momenta[(index, name)] = buffer
        return buffer


def _data_loss(scenario, output):
    """(loss value, dL/doutput) computed with toyframe's losses, from copies of the targets."""
    targets = scenario.targets.copy()
    if scenario.loss == "weighted_sum":
        weights = targets.astype(scenario.dtype)
        return np.sum(output * weights), weights
    loss = toyframe.CrossEntropy() if scenario.loss == "cross_entropy" else toyframe.MSELoss()
    return loss(output, targets), loss.grad()


def run(scenario, classes=None):
    """Run `scenario` in toyframe with `classes` ({'dropout'|'l2'|'l1': class}) -> Trace of what happened:
    each step's outputs (each Dropout's among them), loss, gradients and parameters after its update."""
    # Seeded, then the model built as a notebook builds it (each layer's weights drawn from the global RNG, then
    # set to the scenario's): the first mask is drawn where a training script's is, never from a fresh seed
    np.random.seed(scenario.seed)
    built = BuiltModel(scenario, classes or {})
    trace = Trace()
    # Overflow in a diverging scenario shows as inf in the trace, which the comparison (or the
    # rejection of diverged scenarios) handles: no warning needed.
    with np.errstate(over="ignore", invalid="ignore"):
        _record_steps(scenario, built, trace)
    return trace


def _record_steps(scenario, built, trace):
    """Each step's forward pass, then (at an SGD step) its backward pass and update. A backward pass
    that raises is recorded (backward["raised"], the exception's text) and ends the training, not the
    run: the remaining forward passes still happen, on the same weights, so that what the forward
    passes did is seen whatever the backward does (which each check then judges on its own)."""
    model = built.model
    training = True
    for step in range(scenario.steps + scenario.passes):
        record = StepRecord()
        trace.steps.append(record)
        x = np.array(scenario.x, copy=True)  # held by a name, as a training loop holds its batch
        output = _copy(model.forward(x))
        del x
        for name, probe in built.dropouts:
            record.forward[name] = probe.output
        record.forward["output"] = output
        data_loss, upstream = _data_loss(scenario, output)
        record.forward["loss"] = _copy(np.asarray(data_loss + built.penalty()))
        if step >= scenario.steps or not training:
            continue  # the forward passes after the last step
        try:
            grads = model.backward(upstream, input_grad=True)
        except Exception as error:  # noqa: BLE001 - the implementation's, judged by the checks of backward
            record.backward["raised"] = _raised(error)
            training = False
            continue
        gradients = {index: _copy(grads.get(component)) for index, component in built.component_of.items()}
        record.backward["dL/dx"] = _copy(model.input_grad)
        for index, base in built.bases.items():
            record.backward[f"dL/dW of {layer_name(index)}"] = gradients[index]
            if base.bias is not None:
                record.backward[f"dL/db of {layer_name(index)}"] = _copy(base.bias_grad)
        built.sgd_step(gradients, scenario.lr, scenario.momentum)
        for index, base in built.bases.items():
            record.update[f"W of {layer_name(index)}"] = base.weights.copy()
            if base.bias is not None:
                record.update[f"b of {layer_name(index)}"] = base.bias.copy()
        for kind, _, wrapper, index in built.penalties:
            # The assignment's alias: the caller reads the penalty's weights here, so after a step it must
            # show the updated weights, not a copy taken earlier.
            record.update[penalty_weights_name(index, kind)] = _copy(wrapper.weights)


HARNESS_FOLDERS = (os.sep + "reference" + os.sep, os.sep + "toyframe" + os.sep)
RAISED_CHARACTERS = 1500


def _raised(error):
    """An exception's type, text and the innermost frames outside the harness (the implementation's)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not any(folder in frame.filename for folder in HARNESS_FOLDERS)][-3:]
    where = "".join(traceback.format_list(frames))
    try:
        text = f"{type(error).__name__}: {error}"
    except Exception:  # noqa: BLE001 - a __str__ that raises
        text = type(error).__name__
    return (text + (f"\n{where}" if where else ""))[:RAISED_CHARACTERS]
