"""cs231n-style functional layers: `*_forward(...) -> (out, cache)`, `*_backward(dout, cache) -> grads`.

Convention (cs231n 2018+): dropout_param["p"] is the KEEP probability, the opposite of
toyframe.Dropout's and torch's p (drop): p_cs231n = 1 - p_torch.
"""
import numpy as np

from . import _checks


def affine_forward(x, w, b):
    """x: (N, d_1, ..., d_k), flattened to (N, D); w: (D, M); b: (M,) -> out (N, M), cache."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    """dout: (N, M) -> dx (shaped like x), dw (D, M), db (M,)."""
    x, w, _ = cache
    flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), flat.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """x: any shape -> max(x, 0), cache."""
    return np.maximum(x, 0), x > 0


def relu_backward(dout, cache):
    return dout * cache


def softmax_loss(x, y):
    """x: scores (N, C); y: class indices (N,) -> (mean cross-entropy, dL/dx (N, C))."""
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return loss, dx / n


def dropout_forward(x, dropout_param):
    """Inverted dropout with KEEP probability p.

    dropout_param: {"p": keep probability in (0, 1], "mode": "train" | "test", "seed": optional int
    that reseeds NumPy's global RNG at every call}. Train: each element kept with probability p and
    scaled by 1/p (mask = (rand(*x.shape) < p) / p); test: the identity. -> out (shaped like x), cache.
    """
    p = _checks.keep_probability("dropout_param['p']", dropout_param["p"])
    mode = dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"dropout_param['mode'] must be 'train' or 'test', got {mode!r}")
    if dropout_param.get("seed") is not None:
        np.random.seed(dropout_param["seed"])
    if mode == "test":
        return x, (dropout_param, None)
    mask = (np.random.rand(*x.shape) < p) / p
    return (x * mask).astype(x.dtype, copy=False), (dropout_param, mask)


def dropout_backward(dout, cache):
    """dout: shaped like x -> dx: through the forward pass's mask in train mode, unchanged in test."""
    _, mask = cache
    return dout if mask is None else dout * mask


__all__ = ["affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss",
           "dropout_forward", "dropout_backward"]
