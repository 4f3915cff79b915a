"""Reference: the same scenario in PyTorch, float64, with the implementation's own dropout masks.

nn.Linear layers get the scenario's weights transposed, nn.Conv2d layers them as they are; each
Dropout applies the keep mask the implementation drew at that step (so randomness never enters the
comparison), read here from the Dropout's output in the implementation's trace and the wrapped
layer's values this side computes (reference.core.masks) -- a Dropout2d keeps a whole feature map
where its output shows any element of it kept; penalties are the explicit coefficient * sum(W**2) /
sum(|W|) terms differentiated by autograd; the step is torch.optim.SGD (with the scenario's
momentum). The result is a Trace with the same names as the runner's, and the keep masks read.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import conventions as conv
from .masks import REVEALING_MAGNITUDE, read_keep_mask
from .scenario import DROPOUT_KINDS, ConvSpec, FlattenSpec, LayerSpec, PoolSpec, dropout_name, layer_name, \
    penalty_weights_name
from .trace import StepRecord, Trace


def _module(spec):
    """The torch module of a scenario layer, holding its parameters (None for a parameter-free one)."""
    if isinstance(spec, LayerSpec):
        n_in, n_out = spec.shape
        layer = nn.Linear(n_in, n_out, dtype=conv.REFERENCE_DTYPE)
        with torch.no_grad():
            layer.weight.copy_(conv.torch_weight(spec.weights))
            layer.bias.copy_(conv.torch_bias(spec.bias))
        return layer
    if isinstance(spec, ConvSpec):
        out_channels, in_channels, *kernel = spec.weights.shape
        layer = nn.Conv2d(in_channels, out_channels, tuple(kernel), stride=spec.stride, padding=spec.padding,
                          bias=spec.bias is not None, dtype=conv.REFERENCE_DTYPE)
        with torch.no_grad():
            layer.weight.copy_(conv.torch_conv_weight(spec.weights))
            if spec.bias is not None:
                layer.bias.copy_(conv.to_torch(spec.bias))
        return layer
    return None


def _parameter_free(spec, h, trace):
    """h through a MaxPool2d or Flatten; a pooling window whose two largest values are this close (relative
    to the values' scale) is a kink: rounding alone could pick the element its gradient goes to."""
    if isinstance(spec, PoolSpec):
        trace.kink_distance = min(trace.kink_distance, _pool_tie_distance(h, spec))
        return F.max_pool2d(h, spec.kernel_size, spec.stride)
    if isinstance(spec, FlattenSpec):
        return torch.flatten(h, 1)
    raise TypeError(f"unknown scenario layer {type(spec).__name__}")


def _pool_tie_distance(h, spec):
    """The smallest gap between a window's largest and second largest value, relative to max(1, max |h|).
    Exact ties of exact zeros (dropped elements, a ReLU's zeros) are exact on both sides: not counted."""
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    if kh * kw < 2:
        return float("inf")
    values = h.detach().unfold(2, kh, sh).unfold(3, kw, sw).reshape(*h.shape[:2], -1, kh * kw)
    top = values.topk(2, dim=-1).values
    gaps = top[..., 0] - top[..., 1]
    gaps = gaps[~((gaps == 0) & (top[..., 0] == 0))]
    if not gaps.numel():
        return float("inf")
    return float(gaps.min() / max(1.0, float(h.detach().abs().max())))


def _data_loss(scenario, output, targets):
    if scenario.loss == "weighted_sum":
        return conv.weighted_sum(output, targets)
    if scenario.loss == "mse":
        return conv.mse_loss(output, targets)
    return conv.cross_entropy(output, targets)


def _targets(scenario):
    targets = torch.from_numpy(scenario.targets.copy())
    return targets if targets.dtype in (torch.int32, torch.int64) else targets.to(conv.REFERENCE_DTYPE)


KINKED_ACTIVATIONS = ("relu", "leaky_relu")


def _relative_distance_to_zero(values):
    values = values.detach().abs()
    return float(values.min() / max(1.0, float(values.max()))) if values.numel() else float("inf")


def _dropped_distance_to_zero(pre, keep):
    """How close to 0 the wrapped layer's values of the outputs read as dropped come, relative to the
    values' scale: one that close may have been kept and rounded to 0 on the implementation's side
    (0 where one is below REVEALING_MAGNITUDE, which float32 or float16 may flush to 0)."""
    dropped = pre.detach().abs()[~keep]
    if not dropped.numel():
        return float("inf")
    if float(dropped.min()) < REVEALING_MAGNITUDE:
        return 0.0
    return float(dropped.min() / max(1.0, float(pre.detach().abs().max())))


def _scale_shown(pre, shown, keep, drop_p):
    """The factor the layer's kept outputs carry, by least squares over them (shown ~ factor * pre), or
    1 / (1 - p) when none shows it; inf when they are not finite (a forward that diverged leaves its
    backward nothing to be the derivative of: the scenario is not comparable, as any that diverges)."""
    values = conv.to_numpy(pre).astype(np.float64)[keep]
    out = np.asarray(shown, dtype=np.float64)[keep] if shown is not None else np.zeros(0)
    if out.shape != values.shape:
        return 1.0 / (1.0 - drop_p)
    if not np.all(np.isfinite(out)):
        return float("inf")
    size = float(np.max(np.abs(values), initial=0.0))
    if not 0 < size < np.inf:
        return 1.0 / (1.0 - drop_p)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        values, out = values / size, out / size  # no overflow in the sums whatever the magnitudes
        scale = float(np.dot(out, values) / np.dot(values, values))
    return scale if np.isfinite(scale) else float("inf")


def expected_trace(scenario, observed, own_scale=False):
    """The trace a correct implementation produces, given the masks its trace `observed` shows; each
    step's keep_masks hold them. Raises masks.UnreadableOutput when a Dropout's output shows none.
    own_scale: each Dropout scales what it keeps as `observed` shows it did (Dropout backward is judged
    as the derivative of the layer's own forward pass: a forward that scales wrongly costs the forward
    alone, and a backward that scales otherwise than its forward still fails)."""
    modules = [_module(spec) for spec in scenario.layers]
    optimizer = torch.optim.SGD([p for module in modules if module is not None for p in module.parameters()],
                                lr=scenario.lr, momentum=scenario.momentum)
    x = conv.to_torch(scenario.x).requires_grad_(True)
    targets = _targets(scenario)
    trace = Trace()
    if len(observed.steps) != scenario.steps + scenario.passes:
        raise AssertionError(f"the run recorded {len(observed.steps)} forward passes, expected "
                             f"{scenario.steps + scenario.passes}")
    for step in range(scenario.steps + scenario.passes):
        shown = observed.steps[step].forward
        record = StepRecord()
        trace.steps.append(record)
        optimizer.zero_grad(set_to_none=True)
        x.grad = None
        h, penalty = x, 0.0
        for index, (spec, module) in enumerate(zip(scenario.layers, modules)):
            if module is None:
                h = _parameter_free(spec, h, trace)
                continue
            h = module(h)
            kept = torch.ones(h.shape, dtype=torch.bool)
            for wrap_index, wrap in enumerate(spec.wraps):
                if wrap.kind in DROPOUT_KINDS:
                    name = dropout_name(index, wrap_index)
                    record.dropout_inputs[name] = conv.to_numpy(h)
                    record.keep_masks[name] = read_keep_mask(record.dropout_inputs[name], shown.get(name), name)
                    if wrap.kind == "dropout2d":
                        record.keep_masks[name] = conv.whole_feature_maps(record.keep_masks[name])
                    keep = torch.from_numpy(record.keep_masks[name])
                    # An output read as dropped whose value was this close to 0 may have been kept and
                    # rounded to 0: its mask is unreadable, and the scenario not comparable.
                    trace.kink_distance = min(trace.kink_distance, _dropped_distance_to_zero(h, keep))
                    if own_scale:
                        record.scales[name] = _scale_shown(h, shown.get(name), record.keep_masks[name], wrap.value)
                        h = h * keep.to(h.dtype) * record.scales[name]
                    else:
                        h = conv.inverted_dropout(h, keep, wrap.value)
                    kept &= keep
                    record.forward[name] = conv.to_numpy(h)
                elif wrap.kind == "l2":
                    penalty = penalty + conv.l2_penalty(module.weight, wrap.value)
                else:
                    penalty = penalty + conv.l1_penalty(module.weight, wrap.value)
                    trace.kink_distance = min(trace.kink_distance, _relative_distance_to_zero(module.weight))
            if spec.activation in KINKED_ACTIVATIONS:
                # A dropped element is exactly 0 on both sides, and no gradient crosses it: no kink.
                trace.kink_distance = min(trace.kink_distance, _relative_distance_to_zero(h[kept]))
            if spec.activation:
                h = conv.ACTIVATIONS[spec.activation](h)
        record.forward["output"] = conv.to_numpy(h)
        loss = _data_loss(scenario, h, targets) + penalty
        record.forward["loss"] = conv.to_numpy(loss)
        if step >= scenario.steps:
            continue  # the forward passes after the last step
        loss.backward()
        parametric = [index for index, module in enumerate(modules) if module is not None]
        for index in reversed(parametric):  # the order backpropagation computes them
            weights, bias = _toyframe_parameters(modules[index], "grad")
            record.backward[f"dL/dW of {layer_name(index)}"] = weights
            if bias is not None:
                record.backward[f"dL/db of {layer_name(index)}"] = bias
        record.backward["dL/dx"] = conv.to_numpy(x.grad)
        optimizer.step()
        for index in parametric:
            weights, bias = _toyframe_parameters(modules[index])
            record.update[f"W of {layer_name(index)}"] = weights
            if bias is not None:
                record.update[f"b of {layer_name(index)}"] = bias
            for wrap in scenario.layers[index].wraps:
                if wrap.kind not in DROPOUT_KINDS:
                    record.update[penalty_weights_name(index, wrap.kind)] = weights
    return trace


def _toyframe_parameters(module, attribute=None):
    """(weights, bias or None) of a torch module, or of their .grad, in toyframe's layouts."""
    weight, bias = module.weight, module.bias
    if attribute:
        weight, bias = getattr(weight, attribute), None if bias is None else getattr(bias, attribute)
    if isinstance(module, nn.Linear):
        return conv.toyframe_weights(weight), conv.toyframe_bias(bias)
    return conv.toyframe_conv_weights(weight), None if bias is None else conv.to_numpy(bias)
