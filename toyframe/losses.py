"""Losses: `loss(prediction, target)` returns a scalar, `loss.grad()` returns dL/dprediction."""
import numpy as np

from . import _checks


def _as_target_distribution(targets, logits):
    """One-hot (or probability) rows (N, C), or class indices (N,) -> (N, C) in the logits' dtype."""
    n, c = logits.shape
    t = np.asarray(targets)
    if t.ndim == 1 and t.dtype.kind in "iu":
        if t.shape[0] != n:
            raise ValueError(f"targets as class indices must have shape ({n},), got {t.shape}")
        if t.size and (t.min() < 0 or t.max() >= c):
            raise ValueError(f"targets as class indices must lie in [0, {c}), got values from {t.min()} to {t.max()}")
        onehot = np.zeros((n, c), dtype=logits.dtype)
        onehot[np.arange(n), t] = 1
        return onehot
    if t.ndim == 2 and t.shape == (n, c) and t.dtype.kind in "biuf":
        return t.astype(logits.dtype)
    raise ValueError(
        f"targets must be one-hot rows of shape ({n}, {c}) or integer class indices of shape ({n},), "
        f"got shape {t.shape} and dtype {t.dtype}")


class CrossEntropy:
    """Softmax cross-entropy over logits (N, C), by an exact log-softmax (no epsilon in the log).

    Targets: one-hot (or probability) rows (N, C) or integer class indices (N,).
    loss = -sum(targets * log_softmax(logits)) / N  (divided by N only when `average`).
    """

    def __init__(self, class_count=None, average=True):
        self.class_count = None if class_count is None else _checks.positive_int("class_count", class_count)
        self.average = bool(average)
        self.probs = self.targets = None

    def __call__(self, logits, targets):
        logits = _checks.float_array("logits", logits, ndim=2)
        if self.class_count is not None and logits.shape[1] != self.class_count:
            raise ValueError(f"logits must have {self.class_count} columns (class_count), got shape {logits.shape}")
        targets = _as_target_distribution(targets, logits)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs, self.targets = np.exp(log_probs), targets
        total = -(targets * log_probs).sum()
        return logits.dtype.type(total / logits.shape[0] if self.average else total)

    def grad(self):
        """dL/dlogits: (N, C) = (softmax * row-sum(targets) - targets) [/ N]."""
        if self.probs is None:
            raise RuntimeError("CrossEntropy.grad was called before the loss was computed")
        g = self.probs * self.targets.sum(axis=1, keepdims=True) - self.targets
        return g / self.probs.shape[0] if self.average else g


class MSELoss:
    """sum((pred - target)**2) / N with N the rows of pred (not torch's mean over every element)."""

    def __init__(self):
        self.diff = None

    def __call__(self, pred, target):
        pred = _checks.float_array("pred", pred)
        if pred.ndim < 1:
            raise ValueError(f"pred must have a batch axis, got shape {pred.shape}")
        target = _checks.float_array("target", target)
        _checks.same_shape("target", target, pred.shape, "the shape of pred")
        self.diff = pred - target.astype(pred.dtype)
        return pred.dtype.type(np.sum(self.diff * self.diff) / pred.shape[0])

    def grad(self):
        """dL/dpred: 2 (pred - target) / N, shaped like pred."""
        if self.diff is None:
            raise RuntimeError("MSELoss.grad was called before the loss was computed")
        return 2 * self.diff / self.diff.shape[0]


__all__ = ["CrossEntropy", "MSELoss"]
