"""A sequential model over layers and activations, with the course skeleton's API."""
import numpy as np

from .layers.wrapper import can_skip_input_grad, innermost, wrapped_chain

_KINDS = ("layer", "activation")


class Model:
    """Runs components in order; backward returns {component_index: dL/dW}.

    Parameters are updated in place, so any alias of a layer's `weights`/`bias` (such as the
    one a skeleton-style wrapper takes in its __init__) stays current across steps. Biases
    are trained too, from the dL/db each Linear keeps after its backward.
    """

    def __init__(self, components):
        components = list(components)
        for index, component in enumerate(components):
            kind = component.get_type() if callable(getattr(component, "get_type", None)) else None
            if kind not in _KINDS:
                raise ValueError(f"components[{index}] must be a layer or an activation (get_type() in {_KINDS}), "
                                 f"got {type(component).__name__}")
        self.components = components
        self._step_buffers = {}  # reused lr * gradient arrays: no large temporaries per SGD step
        self.input_grad = None  # dL/dx of the last backward(..., input_grad=True), (N, in)

    def forward(self, x):
        for component in self.components:
            x = component(x)
        return x

    __call__ = forward

    def backward(self, in_grad, input_grad=False):
        """in_grad: dL/dout (N, out) -> {index of each layer: dL/dW}.

        With input_grad=True, dL/dx (N, in) is kept in `self.input_grad`; otherwise the first
        layer skips computing it when all of its layers allow (toyframe's own do).
        """
        layers = [index for index, component in enumerate(self.components) if component.get_type() == "layer"]
        grads = {}
        g = in_grad
        for index in reversed(range(len(self.components))):
            component = self.components[index]
            if component.get_type() == "activation":
                g = component.grad(g)
            elif index == layers[0] and not input_grad and can_skip_input_grad(component):
                grads[index], g = component.grad(g, input_grad=False)
                break
            else:
                grads[index], g = component.grad(g)
        self.input_grad = g if input_grad else None
        return grads

    def update_parameters(self, grads, lr):
        """Plain SGD, in place: W <- W - lr dW and b <- b - lr db for every layer in `grads`."""
        for index, d_weights in grads.items():
            layer = innermost(self.components[index])
            self._descend(layer.weights, d_weights, lr, (index, "weights"))
            bias_grad = getattr(layer, "bias_grad", None)
            if layer.bias is not None and bias_grad is not None:
                self._descend(layer.bias, bias_grad, lr, (index, "bias"))

    def _descend(self, parameter, gradient, lr, key):
        gradient = np.asarray(gradient)
        step = self._step_buffers.get(key)
        if step is None or step.shape != gradient.shape or step.dtype != gradient.dtype:
            step = self._step_buffers[key] = np.empty_like(gradient)
        np.multiply(gradient, lr, out=step)
        np.subtract(parameter, step, out=parameter, casting="same_kind")

    def penalty(self):
        """Sum of every weight penalty (L1/L2 wrappers) in the model, to add to the data loss."""
        return sum(part.penalty() for component in self.components
                   for part in wrapped_chain(component) if callable(getattr(part, "penalty", None)))

    def train(self):
        self._set_training(True)
        return self

    def eval(self):
        self._set_training(False)
        return self

    def _set_training(self, mode):
        for component in self.components:
            for part in wrapped_chain(component):
                part.training = mode
