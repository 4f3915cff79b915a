"""The net's numbers (its forward given a mask, the contract's gradients) and a mask read from the cache a
forward pass returns: a claim, believed only where it reproduces the forward's own A2."""
import numpy as np


def sigmoid(z):
    with np.errstate(over="ignore"):  # exp(-z) = inf where z < -709: the sigmoid is 0 there, as it should be
        return 1.0 / (1.0 + np.exp(-z))


def hidden_activation(X, parameters):
    """A1 = tanh(W1 X + b1), (n_h, m), before dropout."""
    return np.tanh(parameters["W1"] @ X + parameters["b1"])


def output_given_mask(A1, keep, keep_prob, parameters):
    """A2 = sigmoid(W2 (A1 * keep / keep_prob) + b2), (1, m)."""
    return sigmoid(parameters["W2"] @ (A1 * keep / keep_prob) + parameters["b2"])


CACHE_CANDIDATES = 16  # arrays of a mask's shape read from one cache (an honest one holds a handful)


def mask_readings(arrays, A1, keep_prob):
    """Candidate keep masks (bool (n_h, m)) from the cache's arrays, most explicit first: masks stored as
    0/1, booleans or 0 and 1/keep_prob (per element, or per unit (n_h, 1)), each read as a keep mask
    and as a drop mask; then arrays that are the activation after dropout, kept where not 0 (and
    equal to A1 / keep_prob there, or to A1: a forward that forgot the scale still shows its mask);
    last, nothing dropped. Without duplicates; the first CACHE_CANDIDATES arrays of the mask's shape
    only. Claims, every one: keep_masks believes those that reproduce A2."""
    shape = A1.shape
    stored, activations = [], []
    candidates = [array for array in arrays if array.shape in (shape, (shape[0], 1)) and array.size]
    for array in sorted(candidates, key=lambda array: array.shape != shape)[:CACHE_CANDIDATES]:  # per element first
        values = np.asarray(array, dtype=np.float64)
        if not np.isfinite(values).all():
            continue
        full = np.broadcast_to(values, shape)
        kept = full != 0
        nonzero = full[kept]
        if np.all(nonzero == 1) or np.all(np.abs(nonzero - 1 / keep_prob) <= 1e-6 / keep_prob):
            stored += [kept, ~kept]
        elif array.shape == shape and any(_near(nonzero, A1[kept] * scale) for scale in (1 / keep_prob, 1.0)):
            activations.append(kept)  # float32's rounding too
    readings, seen = [], set()
    for keep in stored + activations + [np.ones(shape, dtype=bool)]:
        key = np.packbits(keep).tobytes()
        if key not in seen:
            seen.add(key)
            readings.append(keep)
    return readings


def _near(actual, expected, rtol=1e-3, atol=1e-6):
    """np.allclose(actual, expected, rtol, atol), faster on the small arrays of a cache."""
    return bool(np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


# A reading of the cache reproduces the forward's A2 when they agree to float32's precision or so (a
# correct forward in float32 included); only if none does, to the assignment's tolerance.
EXACT, ASSIGNMENT_TOLERANCE = (1e-5, 1e-7), (5e-3, 1e-3)


def keep_masks(arrays, A1, A2, keep_prob, parameters):
    """(readings, reproducing, tolerance) for a forward pass: the readings of its cache's `arrays`
    (mask_readings), those with which the contract's forward gives its A2 (every example within
    `tolerance`: EXACT, else ASSIGNMENT_TOLERANCE; None when none does). More than one reproduces
    only where A2 cannot tell them apart."""
    readings = mask_readings(arrays, A1, keep_prob)
    A2 = np.asarray(A2, dtype=np.float64)
    if A2.shape != (1, A1.shape[1]):
        return readings, [], None
    if not np.isfinite(A2).all():
        return readings, [], None
    outputs = output_given_mask(A1, np.stack(readings), keep_prob, parameters)  # (readings, 1, m)
    for rtol, atol in (EXACT, ASSIGNMENT_TOLERANCE):
        close = np.all(np.abs(A2 - outputs) <= atol + rtol * np.abs(outputs), axis=(1, 2))
        if close.any():
            return readings, [keep for keep, near in zip(readings, close) if near], (rtol, atol)
    return readings, [], None


def informative(A1, parameters, keep_prob, tolerance):
    """bool (n_h, m): the hidden activations whose keep or drop A2 shows whatever the mask, decided from
    the values this side set alone (so which activations count never depends on the mask drawn).

    Activation i of example j adds c_ij = W2_i A1_ij / keep_prob to that example's Z2 when kept. Two
    masks of the example whose Z2 differ by d give outputs at least |d| * s apart, s the smallest
    slope of the sigmoid over every Z2 a mask of the example can give; two outputs within `tolerance`
    (rtol, atol) of one A2 are at most 2 atol + 2 rtol sigmoid(max Z2) apart. So activation i is
    shown when neither flipping it alone (d = c_ij) nor flipping it with any one other unit k of its
    example (d = c_ij +/- c_kj) can hide in that: a reading that reproduces A2 has it right. (Three
    or more units that cancel to within ~1e-5 are not excluded: a forward cannot use such
    coincidences to hide a wrong mask but in a few examples.)"""
    rtol, atol = tolerance
    c = parameters["W2"].reshape(-1, 1) * A1 / keep_prob
    b2 = float(np.asarray(parameters["b2"]).reshape(-1)[0])
    low, high = b2 + np.minimum(c, 0.0).sum(axis=0), b2 + np.maximum(c, 0.0).sum(axis=0)
    slope = np.minimum(sigmoid(low) * (1.0 - sigmoid(low)), sigmoid(high) * (1.0 - sigmoid(high)))
    with np.errstate(divide="ignore", over="ignore"):
        hidden = (2.0 * atol + 2.0 * rtol * sigmoid(high)) / slope  # the change of Z2 two such outputs may hide
    shown = np.abs(c) > hidden
    for unit in range(c.shape[0]):
        confused = (np.abs(c + c[unit]) <= hidden) | (np.abs(c - c[unit]) <= hidden)
        confused[unit] = False
        shown &= ~confused
    return shown


def contract_gradients(X, Y, parameters, keep, keep_prob, lambd):
    """{W1, b1, W2, b2}: the gradients of the contract's regularized cost given the keep mask (NumPy, for
    the steps the harness takes itself between forward passes; torch_reference is the mirror checks
    compare with)."""
    m = X.shape[1]
    A1 = hidden_activation(X, parameters)
    dropped = A1 * keep / keep_prob
    dZ2 = (sigmoid(parameters["W2"] @ dropped + parameters["b2"]) - Y) / m
    dZ1 = (parameters["W2"].T @ dZ2) * keep / keep_prob * (1.0 - A1 ** 2)
    return {"W1": dZ1 @ X.T + lambd / m * parameters["W1"], "b1": dZ1.sum(axis=1, keepdims=True),
            "W2": dZ2 @ dropped.T + lambd / m * parameters["W2"], "b2": dZ2.sum(axis=1, keepdims=True)}
