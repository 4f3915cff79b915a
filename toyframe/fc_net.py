"""cs231n's fully-connected net: {affine - relu - [dropout]} x (L - 1) - affine - softmax, with L2 0.5 * reg * sum(W**2)."""
import numpy as np

from . import _checks
from .functional import (affine_backward, affine_forward, dropout_backward, dropout_forward, relu_backward,
                         relu_forward, softmax_loss)


class FullyConnectedNet:
    """params: W1, b1, ..., WL, bL; W_i = weight_scale * randn(in, out) drawn in layer order, b_i = 0.

    dropout: the KEEP probability (1 = no dropout); seed: fixes every dropout mask (for gradient checks).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=1, normalization=None,
                 reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        if normalization is not None:
            raise ValueError(f"normalization must be None (batch/layer norm are not part of this track), got {normalization!r}")
        dropout = _checks.keep_probability("dropout", dropout)
        self.use_dropout = dropout != 1
        self.reg, self.dtype = reg, dtype
        self.num_layers = 1 + len(hidden_dims)
        sizes = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            self.params[f"W{index}"] = (weight_scale * np.random.randn(n_in, n_out)).astype(dtype)
            self.params[f"b{index}"] = np.zeros(n_out, dtype=dtype)
        self.dropout_param = {"mode": "train", "p": dropout} if self.use_dropout else {}
        if self.use_dropout and seed is not None:
            self.dropout_param["seed"] = seed

    def loss(self, X, y=None):
        """X: (N, d_1, ..., d_k); y: (N,) class indices or None.

        Without y: the scores (N, C), in test mode. With y: (loss, grads), grads keyed like params.
        """
        X = X.astype(self.dtype)
        if self.use_dropout:
            self.dropout_param["mode"] = "test" if y is None else "train"
        hidden, caches = X, []
        for index in range(1, self.num_layers):
            hidden, affine_cache = affine_forward(hidden, self.params[f"W{index}"], self.params[f"b{index}"])
            hidden, relu_cache = relu_forward(hidden)
            dropout_cache = None
            if self.use_dropout:
                hidden, dropout_cache = dropout_forward(hidden, self.dropout_param)
            caches.append((affine_cache, relu_cache, dropout_cache))
        last = self.num_layers
        scores, last_cache = affine_forward(hidden, self.params[f"W{last}"], self.params[f"b{last}"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, last + 1))
        grads = {}
        dhidden, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, last_cache)
        for index in range(last - 1, 0, -1):
            affine_cache, relu_cache, dropout_cache = caches[index - 1]
            if dropout_cache is not None:
                dhidden = dropout_backward(dhidden, dropout_cache)
            dhidden = relu_backward(dhidden, relu_cache)
            dhidden, grads[f"W{index}"], grads[f"b{index}"] = affine_backward(dhidden, affine_cache)
        for index in range(1, last + 1):
            grads[f"W{index}"] = grads[f"W{index}"] + self.reg * self.params[f"W{index}"]
        return loss, grads
