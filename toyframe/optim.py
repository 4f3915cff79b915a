"""First-order update rules in cs231n's form: `update(w, dw, config=None) -> (next_w, config)`.

`config` holds the hyperparameters and the rule's state between calls. Each rule equals a
torch.optim optimizer (tests/test_optim.py); where the two forms differ, the mapping is stated.
"""
import numpy as np


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


__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam"]
