"""What every layer wrapper (Dropout, L2regularization, ...) shares."""
import inspect


class SharedParameters:
    """`weights` and `bias` are those of `self.layer` (properties, not copies), so an object and
    the layer inside it can never drift apart, however the parameters are updated."""

    @property
    def weights(self):
        return self.layer.weights

    @weights.setter
    def weights(self, value):
        self.layer.weights = value

    @property
    def bias(self):
        return self.layer.bias

    @bias.setter
    def bias(self, value):
        self.layer.bias = value


class LayerWrapper(SharedParameters):
    """Wraps a layer and shares its parameters; by default forward and backward pass straight through."""

    def __init__(self, layer):
        if not (callable(layer) and callable(getattr(layer, "grad", None))):
            raise TypeError(f"layer must be a layer with __call__ and grad (e.g. Linear), got {type(layer).__name__}")
        self.layer = layer
        self.training = True

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient, input_grad=True):
        return self.inner_grad(in_gradient, input_grad)

    def inner_grad(self, in_gradient, input_grad):
        """The wrapped layer's grad; `input_grad=False` is passed on only when set, since a layer
        written against the skeleton takes no such argument."""
        return self.layer.grad(in_gradient) if input_grad else self.layer.grad(in_gradient, input_grad=False)

    def get_type(self):
        return "layer"

    def __repr__(self):
        return f"{type(self).__name__}({self.layer!r})"


def wrapped_chain(layer):
    """The layer, then every layer it wraps, outermost first (follows `.layer`)."""
    chain = [layer]
    while hasattr(chain[-1], "layer"):
        chain.append(chain[-1].layer)
    return chain


def can_skip_input_grad(layer):
    """Whether every grad in the chain accepts input_grad=False (toyframe's own layers do)."""
    return all("input_grad" in inspect.signature(part.grad).parameters for part in wrapped_chain(layer))


def innermost(layer):
    """The layer that owns the parameters (a Linear) under any number of wrappers."""
    return wrapped_chain(layer)[-1]
