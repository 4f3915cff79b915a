"""A net's dropout factors, read on the trusted side: from the records of its dropout_forward calls, each
validated against values computed here, or from its gradients alone (dropout written inline: nothing to record)."""
from dataclasses import dataclass

import numpy as np

from ...core import tolerances


def _recorded_factors(records, scenario, X, params, context, mode="train"):
    """Each hidden layer's dropout factor from the records of the net's dropout_forward calls, none of them
    believed: there must be one per hidden layer, in order, with p the keep ratio, and the x each was
    given must be what the trusted side computes, relu(h W_k + b_k) (or h W_k + b_k, for a dropout put
    before its ReLU), h the values below as the earlier records' validated factors scaled them. The
    factor is out / x where the ReLU is open (0 where it is closed: nothing passes there anyway).
    -> NetReading (seen: where the ReLU is open; no scales: each element's factor is its own)."""
    sizes = list(scenario.hidden_dims)
    if not isinstance(records, list) or len(records) != len(sizes) or not all(isinstance(r, dict) for r in records):
        count = len(records) if isinstance(records, list) else "some number of"
        call = "model.loss(X, y)" if mode == "train" else "model.loss(X)"
        raise AssertionError(f"one {call} called dropout_forward {count} times in {mode} mode; the "
                             f"net has {len(sizes)} hidden layers, each followed by one dropout{context}")
    hidden = np.asarray(X, dtype=np.float64).reshape(scenario.n, -1)
    factors, seen = [], []
    for index, (record, size) in enumerate(zip(records, sizes), start=1):
        x, out, p = record.get("x"), record.get("out"), record.get("p")
        expected_shape = (scenario.n, size)
        if not (isinstance(x, np.ndarray) and isinstance(out, np.ndarray) and x.shape == out.shape == expected_shape):
            raise AssertionError(f"the dropout after hidden layer {index} did not act on its (N, H) = {expected_shape} "
                                 f"activations{context}")
        if p is None or not np.isclose(p, scenario.keep, rtol=0, atol=1e-12):
            raise AssertionError(f"the dropout after hidden layer {index} was called with p = {p!r}, where the net's "
                                 f"keep ratio is {scenario.keep:g} (dropout_param['p'] is the KEEP probability)"
                                 f"{context}")
        z = hidden @ params[f"W{index}"] + params[f"b{index}"]
        relu = np.maximum(z, 0.0)
        if not any(_close(x, value) for value in (relu, z)):
            worst = np.abs(x - relu)
            raise AssertionError(
                f"the dropout after hidden layer {index} was given x that is not relu(h W{index} + b{index}), h the "
                f"values entering layer {index} from the parameters set and the layers below (each as its dropout "
                f"scaled it): |difference| up to {np.nanmax(worst) if np.isfinite(worst).any() else np.inf:.3g}"
                f"{context}")
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where((relu > 0) & (x != 0), out / np.where(x != 0, x, 1.0), 0.0)
        factors.append(factor)
        seen.append(relu > 0)
        hidden = relu * factor
    return NetReading(factors, seen, [], float(np.finfo(scenario.dtype).eps))


def _close(actual, expected):
    tolerance = tolerances.ASSIGNMENT
    return bool(np.all(np.isfinite(actual)) and np.allclose(actual, expected, rtol=tolerance.rtol,
                                                               atol=tolerance.atol_for(expected)))


class Unreadable(Exception):
    """A net's masks that its gradients do not show."""


@dataclass
class NetReading:
    """What read_net_factors reads, per hidden layer: factors (N, H), what its dropout multiplied each
    ReLU output by (0, or the layer's scale); seen (N, H) bool, where the mask shows (the ReLU open
    and the backward signal clearly 0 or clearly not); scales, the kept values' multiplier; and
    precision, the relative rounding of what was read (float32's or float64's, or what the residuals
    and the conditioning show)."""
    factors: list
    seen: list
    scales: list
    precision: float = float(np.finfo(np.float64).eps)


MAX_CONDITION = 1e6  # of a layer's input: noisier readings are not made
# The most rounding, relative to the loss's part of a weight gradient, that cancelling reg W leaves in a reading.
MAX_CANCELLATION = 1e-5


def _precision(grads):
    """float32's rounding when every gradient is a float32 number (a net computing in float32 whatever
    dtype it is given), else float64's."""
    values = [np.asarray(value, dtype=np.float64) for value in grads.values() if isinstance(value, np.ndarray)]
    single = values and all(np.array_equal(value, value.astype(np.float32)) for value in values)
    return float(np.finfo(np.float32 if single else np.float64).eps)


# A weight gradient's rounding is relative to the whole of it, reg W_k included: where reg W_k dominates,
# h^T d (what is solved for) is measured against this share of |dW_k| at least, never against less.
NOISE_SHARE = 1e-2


def _solve(hidden, target, floor=0.0):
    """(d, relative residual) of hidden^T d = target, least squares; relative to max |target|, or to
    `floor` when that is larger (NOISE_SHARE of the gradient target was cut from)."""
    solution = np.linalg.lstsq(hidden.T, target, rcond=None)[0]
    residual = np.abs(hidden.T @ solution - target).max() / max(np.abs(target).max(), floor, 1e-300)
    return solution, residual


def read_net_factors(X, params, grads, reg):
    """A net's dropout factors read from its gradients alone (every hidden layer {affine - relu - dropout}).

    Layer k's weight gradient is dW_k = h^T d_k + reg W_k, h (N, n) its input and d_k (N, m) its
    backward signal: when h has full row rank (N <= n), d_k = pinv(h^T) (dW_k - reg W_k) exactly. For
    a hidden layer, d_k is the signal from above times the dropout's factor (ReLU open): zero exactly
    where the unit was dropped. Layer k's input is relu(z) * mask * s with the mask known from below
    and s unknown; solving with s = 1 gives s d_{k+1}, whose rows sum to s db_{k+1}: db reads s. So X
    gives d_1 and the first mask, which give layer 2's input up to its scale, and so on. A signal
    too small to call kept or dropped at the gradients' precision (float32's or float64's, or what the
    residuals show: X rounded to float32, say) is settled by which choice lets the
    next layer's weight gradient be h^T d (it has more units than the batch has examples: the wrong
    choice leaves a residual). The readings are checked (dW_k must be h^T d_k, db_k the sum of d_k's
    rows): gradients that fail are not those of any dropout net, AssertionError. A layer whose input
    has lower rank than the batch (a whole example dropped, say) raises Unreadable."""
    layers = len(params) // 2
    hidden = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    n = len(hidden)
    targets, biases, floors = {}, {}, {}
    for index in range(1, layers + 1):
        weights, bias = params[f"W{index}"], params[f"b{index}"]
        d_weights, d_bias = grads.get(f"W{index}"), grads.get(f"b{index}")
        if not (isinstance(d_weights, np.ndarray) and d_weights.shape == weights.shape
                and isinstance(d_bias, np.ndarray) and d_bias.size == weights.shape[1]):
            raise AssertionError(f"grads['W{index}'] and grads['b{index}'] must be shaped like params['W{index}'] "
                                 f"{weights.shape} and params['b{index}'] {bias.shape}")
        targets[index] = d_weights.astype(np.float64) - reg * weights
        floors[index] = NOISE_SHARE * float(np.abs(d_weights.astype(np.float64)).max(initial=0.0))
        biases[index] = d_bias.reshape(-1).astype(np.float64)
        if not (np.all(np.isfinite(targets[index])) and np.all(np.isfinite(biases[index]))):
            raise AssertionError(f"grads['W{index}'] or grads['b{index}'] holds inf or nan")
    precision = _precision(grads)
    consistent = max(1e-6, 1e3 * precision)  # relative residual of gradients of one batch
    reading = NetReading([], [], [], precision)
    mask, rounding = None, 4 * precision  # the gradients' relative rounding, as the residuals show it
    for index in range(1, layers + 1):
        weights, bias = params[f"W{index}"], params[f"b{index}"]
        # dW_k - reg W_k cancels: where the loss's own part is tiny beside reg W_k (a saturated softmax), what
        # is left is rounding of reg W_k, relative to that part; too much of it and no mask can be read.
        cancelled = precision * float(np.abs(reg * weights).max(initial=0.0)) / max(
            float(np.abs(targets[index]).max(initial=0.0)), 1e-300)
        if cancelled > MAX_CANCELLATION:
            raise Unreadable(f"grads['W{index}'] is almost all reg * W{index}: the loss's own part is lost in its "
                             f"rounding (a saturated softmax, say)")
        rounding = max(rounding, 4 * cancelled)
        singular = np.linalg.svd(hidden, compute_uv=False)
        if n > hidden.shape[1] or not singular.min() > singular.max() / MAX_CONDITION:
            raise Unreadable(f"the values entering layer {index} have lower rank than the batch's {n} examples "
                             f"(every unit of an example dropped, say)")
        condition = float(singular.max() / singular.min())
        # What a residual may be for gradients of one batch: the rounding the layers below showed carries on.
        limit = min(1e-3, max(consistent, 100 * rounding))
        solution, residual = _solve(hidden, targets[index], floors[index])
        rounding = max(rounding, 10 * residual)
        if residual > limit:
            raise AssertionError(
                f"grads['W{index}'] is not h^T d (+ reg W{index}) for any backward signal d, h the values entering "
                f"layer {index} (relu of the layer below, times its dropout's mask / p): the gradients are not those "
                f"of this net's loss, with any dropout")
        if index > 1:
            total, d_bias = solution.sum(axis=0), biases[index]
            norm = float(d_bias @ d_bias)
            if not norm > 0:
                raise Unreadable(f"grads['b{index}'] is 0: the scale of hidden layer {index - 1}'s kept values does "
                                 f"not show")
            scale = float(total @ d_bias) / norm
            tolerance = max(consistent, 100 * rounding * condition)  # of the signal read from below
            if scale == 0 or not np.allclose(total, scale * d_bias, rtol=tolerance,
                                             atol=tolerance * 1e-3 * np.abs(total).max()):
                raise AssertionError(
                    f"grads['b{index}'] is not the sum over the batch of the backward signal that grads['W{index}'] "
                    f"shows (every kept value of hidden layer {index - 1} scaled alike): the gradients are not those "
                    f"of this net's loss, with any dropout")
            reading.factors.append(scale * mask)
            reading.scales.append(scale)
            hidden, signal = hidden * scale, solution / scale
        else:
            signal = solution
        reading.precision = max(reading.precision, rounding * condition)
        if index == layers:
            break
        z = hidden @ weights + bias
        opened = z > 1e-9 * max(1.0, float(np.abs(z).max()))
        magnitude = np.abs(signal)
        top = float(magnitude[opened].max()) if opened.any() else 0.0
        if not top > 0:
            raise Unreadable(f"no backward signal reaches hidden layer {index}")
        noise = rounding * condition
        kept = opened & (magnitude > max(1e-7, 1e3 * noise) * top)
        dropped = opened & (magnitude < max(1e-12, 3 * noise) * top)
        doubtful = opened & ~kept & ~dropped
        relu = np.maximum(z, 0.0)
        kept |= doubtful  # a signal above the noise: kept, unless the next layer says otherwise
        doubtful |= _settle(relu, kept, opened & ~(kept & ~doubtful), magnitude, targets[index + 1], floors[index + 1],
                            min(1e-3, max(consistent, 100 * rounding)))
        reading.seen.append(opened & ~doubtful)
        mask = kept.astype(np.float64)
        hidden = relu * mask
    return reading


SETTLED = 64  # units tried again, at most, when the next layer does not fit the mask read


def _settle(relu, kept, unsure, magnitude, target, floor, limit):
    """When the next layer's weight gradient does not fit the mask read (within `limit`: a signal lost in
    the gradients' rounding, say), the `unsure` units with the largest signals (those too small to call,
    then those read as dropped) are tried the other way, one at a time, each change kept when it at least
    halves the misfit, until it fits: rarely needed (a few units in 1e5 of a net whose X was cast to
    float32), never for float64 gradients of a correct net. Changes `kept` in place; returns the units
    it changed (whose mask the statistics then leave aside)."""
    changed = np.zeros(kept.shape, dtype=bool)
    residual = _solve(relu * kept, target, floor)[1]
    if residual <= limit:
        return changed
    candidates = np.argwhere(unsure)
    for row, column in candidates[np.argsort(-magnitude[unsure])][:SETTLED]:
        kept[row, column] = not kept[row, column]
        trial = _solve(relu * kept, target, floor)[1]
        if trial <= residual / 2:
            residual, changed[row, column] = trial, True
            if residual <= limit:
                break
        else:
            kept[row, column] = not kept[row, column]
    return changed


def _read_factors(reply, scenario, X, y, params, context):
    """NetReading of the net's gradients; None when they do not show the masks (Unreadable, with the reason)."""
    grads = reply.get("grads")
    if not isinstance(grads, dict):
        raise AssertionError(f"model.loss(X, y) must return (loss, grads), grads a dict keyed like params{context}")
    try:
        return read_net_factors(X, params, grads, scenario.reg), ""
    except Unreadable as error:
        return None, str(error)
    except AssertionError as error:
        raise AssertionError(f"{error}{context}") from None
