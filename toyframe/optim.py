"""First-order update rules in cs231n's form: `update(w, dw, config=None) -> (next_w, config)`.

`config` holds the hyperparameters and the rule's state between calls. Each rule equals a
torch.optim optimizer (tests/test_optim.py); where the two forms differ, the mapping is stated.

`SGD` is the optimizer for a toyframe Model: torch.optim.SGD's object form, `step(grads)`.
"""
import numpy as np

from . import _checks
from .layers.wrapper import innermost


def sgd(w, dw, config=None):
    """w - learning_rate * dw. torch.optim.SGD(lr=learning_rate). Default learning_rate 1e-2."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def sgd_momentum(w, dw, config=None):
    """v = momentum * v - learning_rate * dw; w + v.

    torch.optim.SGD(lr=learning_rate, momentum=momentum) keeps buf = momentum * buf + dw and steps
    w - lr * buf: the same iterates while the learning rate is constant, with v = -lr * buf.
    Defaults: learning_rate 1e-2, momentum 0.9.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    velocity = config.get("velocity", np.zeros_like(w))
    velocity = config["momentum"] * velocity - config["learning_rate"] * dw
    config["velocity"] = velocity
    return w + velocity, config


def rmsprop(w, dw, config=None):
    """cache = decay_rate * cache + (1 - decay_rate) * dw**2; w - learning_rate * dw / (sqrt(cache) + epsilon).

    torch.optim.RMSprop(lr=learning_rate, alpha=decay_rate, eps=epsilon). Defaults: 1e-2, 0.99, 1e-8.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = config["decay_rate"] * cache + (1 - config["decay_rate"]) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(w, dw, config=None):
    """Adam with bias correction; t is incremented before use.

    torch.optim.Adam(lr=learning_rate, betas=(beta1, beta2), eps=epsilon).
    Defaults: learning_rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config["t"] = config.get("t", 0) + 1
    beta1, beta2, t = config["beta1"], config["beta2"], config["t"]
    config["m"] = beta1 * config.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    config["v"] = beta2 * config.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    m_hat = config["m"] / (1 - beta1 ** t)
    v_hat = config["v"] / (1 - beta2 ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


class SGD:
    """torch.optim.SGD(model's parameters, lr, momentum, dampening, weight_decay, nesterov), step for step.

    For each weight and bias p with gradient g (after Model.backward, which returns every layer's
    dL/dW and leaves dL/db in its `bias_grad`), one step is torch's rule:

        g = g + weight_decay * p
        buf = g                                      on the first step (momentum > 0)
        buf = momentum * buf + (1 - dampening) * g   on later steps
        g = g + momentum * buf  if nesterov  else buf
        p = p - lr * g                               in place, so aliases of p stay current

    As torch's one parameter group over net.parameters(), weight_decay decays the biases too (the
    course's L2 wrapper penalizes weights only). The momentum buffers are kept per (layer, parameter).
    """

    def __init__(self, model, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if not isinstance(getattr(model, "components", None), list):
            raise TypeError(f"model must be a toyframe Model, got {type(model).__name__}")
        self.model = model
        self.lr = _checks.non_negative("lr", lr)
        self.momentum = _checks.non_negative("momentum", momentum)
        self.dampening = _checks.finite_real("dampening", dampening)
        self.weight_decay = _checks.non_negative("weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError(f"nesterov=True needs momentum > 0 and dampening = 0 (as torch), got momentum="
                             f"{momentum!r}, dampening={dampening!r}")
        self.buffers = {}  # (component index, "weights" | "bias") -> momentum buffer, shaped like the parameter

    def step(self, grads):
        """grads: Model.backward's {component index: dL/dW}; updates those layers' weights and biases in place."""
        for index, d_weights in grads.items():
            layer = innermost(self.model.components[index])
            self._update(layer.weights, d_weights, (index, "weights"))
            bias_grad = getattr(layer, "bias_grad", None)
            if layer.bias is not None and bias_grad is not None:
                self._update(layer.bias, bias_grad, (index, "bias"))

    def _update(self, parameter, gradient, key):
        g = np.asarray(gradient, dtype=parameter.dtype)
        if g.shape != parameter.shape:
            raise ValueError(f"the gradient of {key[1]} of component {key[0]} must have shape {parameter.shape}, "
                             f"got {g.shape}")
        if self.weight_decay:
            g = g + self.weight_decay * parameter
        if self.momentum:
            buffer = self.buffers.get(key)
            if buffer is None:
                buffer = self.buffers[key] = g.copy()
            else:
                buffer *= self.momentum
                buffer += (1.0 - self.dampening) * g
            g = g + self.momentum * buffer if self.nesterov else buffer
        parameter -= self.lr * g


__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam", "SGD"]
