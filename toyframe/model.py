"""A sequential model over layers and activations, with the course skeleton's API."""
import numpy as np

from .layers.wrapper import innermost, wrapped_chain

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
        self.input_grad = None  # dL/dx of the last backward call, (N, in)

    def forward(self, x):
        for component in self.components:
            x = component(x)
        return x

    __call__ = forward

    def backward(self, in_grad):
        """in_grad: dL/dout (N, out) -> {index of each layer: dL/dW}."""
        grads = {}
        g = in_grad
        for index in reversed(range(len(self.components))):
            component = self.components[index]
            if component.get_type() == "activation":
                g = component.grad(g)
            else:
                grads[index], g = component.grad(g)
        self.input_grad = g
        return grads

    def update_parameters(self, grads, lr):
        """Plain SGD, in place: W <- W - lr dW and b <- b - lr db for every layer in `grads`."""
        for index, d_weights in grads.items():
            layer = innermost(self.components[index])
            np.subtract(layer.weights, lr * np.asarray(d_weights), out=layer.weights, casting="same_kind")
            bias_grad = getattr(layer, "bias_grad", None)
            if layer.bias is not None and bias_grad is not None:
                np.subtract(layer.bias, lr * bias_grad, out=layer.bias, casting="same_kind")

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
