"""Every convention that differs between toyframe (the course's) and PyTorch, stated once.

- Weight layout: toyframe `weights` is (in, out) and `bias` is (1, out); nn.Linear's `weight` is
  (out, in) and `bias` is (out,). Copy transposed. toyframe's Conv2d keeps torch's own layouts,
  `weights` (out, in, kh, kw) and `bias` (out,): copied as they are. Both are NCHW, and Flatten
  is C order in both (torch.flatten(x, 1)), so a Linear after it sees the same features.
- Dropout2d (torch.nn.Dropout2d) drops whole feature maps: its keep mask is one value per (n, c).
- Dropout probability: toyframe's and torch.nn.Dropout's p is the DROP probability; inverted
  dropout keeps an element with probability 1 - p and scales it by 1 / (1 - p). (cs231n's 2018+
  `dropout_param['p']` is the KEEP probability: there p_cs231n = 1 - p.)
- L2: the course's penalty is coefficient * sum(W**2) (no 1/2), so dL/dW gains 2 * coefficient * W,
  which is torch.optim.SGD(weight_decay=2 * coefficient) applied to the weights only (weight_decay
  would also decay the biases unless they sit in their own parameter group).
- MSE: the course divides the summed squares by N, the rows of pred, where torch's MSELoss
  (reduction='mean') divides by every element.
- Cross-entropy targets: one-hot rows (N, C) or class indices (N,); torch's cross_entropy takes
  both (float targets as class probabilities). Both average over the batch.
"""
import numpy as np
import torch
import torch.nn.functional as F

REFERENCE_DTYPE = torch.float64


def to_torch(array):
    """A float64 tensor holding exactly the values of `array` (float32 values are exact in float64)."""
    return torch.from_numpy(np.array(array, dtype=np.float64, copy=True))


def to_numpy(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


def torch_weight(weights):
    """toyframe weights (in, out) -> nn.Linear.weight (out, in)."""
    return to_torch(np.asarray(weights).T)


def toyframe_weights(weight):
    """nn.Linear.weight (out, in) -> toyframe weights (in, out)."""
    return to_numpy(weight).T


def torch_bias(bias):
    """toyframe bias (1, out) -> nn.Linear.bias (out,)."""
    return to_torch(np.asarray(bias).reshape(-1))


def toyframe_bias(bias):
    """nn.Linear.bias (out,) -> toyframe bias (1, out)."""
    return to_numpy(bias).reshape(1, -1)


def torch_conv_weight(weights):
    """toyframe Conv2d weights (out, in, kh, kw) -> nn.Conv2d.weight: the same layout."""
    return to_torch(weights)


def toyframe_conv_weights(weight):
    """nn.Conv2d.weight (out, in, kh, kw) -> toyframe Conv2d weights: the same layout."""
    return to_numpy(weight)


def whole_feature_maps(keep):
    """An elementwise keep mask (N, C, H, W) read from a Dropout2d's output -> the mask its feature maps say:
    a map is kept where any of its elements is (a layer that drops single elements then differs from it)."""
    return np.broadcast_to(keep.any(axis=(2, 3), keepdims=True), keep.shape).copy()


def keep_probability(drop_p):
    return 1.0 - drop_p


def inverted_dropout(z, keep, drop_p):
    """z: (N, D), keep: bool (N, D) -> z * keep / (1 - p)."""
    return z * keep.to(z.dtype) / keep_probability(drop_p)


def l2_penalty(weight, coefficient):
    return coefficient * weight.square().sum()


def l2_weight_decay(coefficient):
    """The torch.optim.SGD weight_decay equal to the course's coefficient * sum(W**2) penalty."""
    return 2.0 * coefficient


def l1_penalty(weight, coefficient):
    return coefficient * weight.abs().sum()


def mse_loss(pred, target):
    """sum((pred - target)**2) / N, N = rows of pred."""
    return F.mse_loss(pred, target, reduction="sum") / pred.shape[0]


def cross_entropy(logits, targets):
    """Mean over the batch; targets: class indices (N,) or one-hot / probability rows (N, C)."""
    if targets.dtype in (torch.int32, torch.int64):
        return F.cross_entropy(logits, targets.long())
    return F.cross_entropy(logits, targets)


def weighted_sum(output, weights):
    """sum(weights * output): a loss whose gradient with respect to `output` is `weights`."""
    return (output * weights).sum()


ACTIVATIONS = {
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda z: torch.softmax(z, dim=-1),
}
