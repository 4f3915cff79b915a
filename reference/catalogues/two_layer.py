"""Submissions for the `two-layer` assignment (seeds 000 and 001): a folder holding `two_layer_net.py`, a
column-major tanh/sigmoid net with inverted dropout on the hidden layer and an L2-regularized cost.

The correct submissions differ in style (upper- or lower-case keys, cache as dict or tuple, the mask as
bool, 0/1 numbers, scaled by 1/keep_prob or only inside the post-dropout activation, drawn by rand,
binomial, choice, np.where or a module-level Generator, loops or vectorized, new-dict or in-place update).
Each wrong submission is one of them with a single bug (the seeds' own bugs among them), built by
text replacement, and `loses` names the parts its bug must cost.

How the parts are lost follows the grader's rules: a backward is judged against the contract given the
mask found in the forward's cache, so a backward that is consistent with a wrongly drawn mask keeps its
points, but one that reads a wrong A2 or activation out of the cache loses with the forward.
"""
from .submission import Submission

FILE = "two_layer_net.py"

FORWARD = "Forward with dropout"
COST = "Regularized cost"
BACKWARD = "Backward with dropout"
UPDATE = "Parameter update"


def _variant(base, *replacements):
    """base with each (old, new) applied in turn; every one must change the text."""
    text = base
    for old, new in replacements:
        changed = text.replace(old, new)
        assert changed != text, f"replacement not applied: {old!r}"
        text = changed
    return text


def _submission(name, bug, text, loses=()):
    return Submission(name, bug, {FILE: text}, frozenset(loses))


# ---- correct bases ---------------------------------------------------------------------------------

# Upper-case keys, dict cache, boolean mask from rand < keep_prob, pre- and post-dropout A1 both kept.
UPPER_DICT = '''
"""Two-layer classifier: tanh hidden layer with inverted dropout, sigmoid output, L2 penalty."""
import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]

    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob
    A1_drop = A1 * D1 / keep_prob
    Z2 = np.dot(W2, A1_drop) + b2
    A2 = sigmoid(Z2)

    cache = {"Z1": Z1, "A1": A1, "D1": D1, "A1_drop": A1_drop, "Z2": Z2, "A2": A2,
             "W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return A2, cache


def compute_cost_with_regularization(A2, Y, parameters, lambd):
    m = Y.shape[1]
    W1 = parameters["W1"]
    W2 = parameters["W2"]
    cross_entropy = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    L2 = lambd / (2 * m) * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    return float(cross_entropy + L2)


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    m = X.shape[1]
    A1 = cache["A1"]
    D1 = cache["D1"]
    A1_drop = cache["A1_drop"]
    A2 = cache["A2"]
    W1 = cache["W1"]
    W2 = cache["W2"]

    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1_drop.T) / m + lambd / m * W2
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m

    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1 / keep_prob
    dZ1 = dA1 * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m + lambd / m * W1
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    return {
        "W1": parameters["W1"] - learning_rate * grads["dW1"],
        "b1": parameters["b1"] - learning_rate * grads["db1"],
        "W2": parameters["W2"] - learning_rate * grads["dW2"],
        "b2": parameters["b2"] - learning_rate * grads["db2"],
    }
'''

# The seeds' own layout with their bugs fixed: lower-case keys, a1 overwritten by its dropped version,
# tanh' recomputed from z1.
SEED_STYLE = '''
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-1.0 * z))


def forward_propagation_with_dropout(x, parameters, keep_prob=0.5):
    w1 = parameters["w1"]
    b1 = parameters["b1"]
    w2 = parameters["w2"]
    b2 = parameters["b2"]

    z1 = np.add(np.matmul(w1, x), b1)
    a1 = np.tanh(z1)

    d1 = np.random.rand(a1.shape[0], a1.shape[1])
    d1 = d1 < keep_prob
    a1 = np.multiply(a1, d1)
    a1 = a1 / keep_prob

    z2 = np.add(np.matmul(w2, a1), b2)
    a2 = sigmoid(z2)

    cache = {
        "z1": z1,
        "a1": a1,
        "d1": d1,
        "z2": z2,
        "a2": a2,
        "w1": w1,
        "w2": w2,
    }
    return a2, cache


def compute_cost_with_regularization(a2, y, parameters, lambd):
    m = y.shape[1]
    logprobs = np.multiply(y, np.log(a2)) + np.multiply(1 - y, np.log(1 - a2))
    cost = (-1.0 / m) * np.sum(logprobs)
    l2_reg = np.sum(np.square(parameters["w1"])) + np.sum(np.square(parameters["w2"]))
    return float(np.squeeze(cost) + lambd * l2_reg / (2 * m))


def backward_propagation_with_dropout(x, y, cache, keep_prob, lambd):
    m = x.shape[1]
    w1 = cache["w1"]
    w2 = cache["w2"]
    z1 = cache["z1"]
    a1 = cache["a1"]
    a2 = cache["a2"]
    d1 = cache["d1"]

    dz2 = a2 - y
    dw2 = np.dot(dz2, a1.T) / m + lambd / m * w2
    db2 = np.sum(dz2, axis=1, keepdims=True) / m

    da1 = np.dot(w2.T, dz2)
    da1 = da1 * d1
    da1 = da1 / keep_prob

    dz1 = np.multiply(da1, 1 - np.power(np.tanh(z1), 2))
    dw1 = np.dot(dz1, x.T) / m + lambd / m * w1
    db1 = np.sum(dz1, axis=1, keepdims=True) / m

    grads = {
        "dw1": dw1,
        "db1": db1,
        "dw2": dw2,
        "db2": db2,
    }
    return grads


def update_parameters(parameters, grads, learning_rate):
    w1 = parameters["w1"] - learning_rate * grads["dw1"]
    b1 = parameters["b1"] - learning_rate * grads["db1"]
    w2 = parameters["w2"] - learning_rate * grads["dw2"]
    b2 = parameters["b2"] - learning_rate * grads["db2"]
    return {"w1": w1, "b1": b1, "w2": w2, "b2": b2}
'''

# Tuple cache in the Coursera order, 0/1 integer mask from binomial, @ instead of np.dot.
TUPLE_BINOMIAL = '''
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]

    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    D1 = np.random.binomial(1, keep_prob, size=A1.shape)
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)

    cache = (Z1, D1, A1, W1, b1, Z2, A2, W2, b2)
    return A2, cache


def compute_cost_with_regularization(A2, Y, parameters, lambd):
    m = Y.shape[1]
    cross_entropy_cost = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    L2_regularization_cost = lambd / (2 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2))
    return float(cross_entropy_cost + L2_regularization_cost)


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    m = X.shape[1]
    (Z1, D1, A1, W1, b1, Z2, A2, W2, b2) = cache

    dZ2 = A2 - Y
    dW2 = 1 / m * dZ2 @ A1.T + lambd / m * W2
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dA1 = dA1 * D1 / keep_prob
    dZ1 = dA1 * (1 - np.tanh(Z1) ** 2)
    dW1 = 1 / m * dZ1 @ X.T + lambd / m * W1
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    new_parameters = {}
    for name in ("W1", "b1", "W2", "b2"):
        new_parameters[name] = parameters[name] - learning_rate * grads["d" + name]
    return new_parameters
'''

# A Generator made once at import (unseeded), the mask stored already scaled: values 0 and 1/keep_prob.
GENERATOR_SCALED = '''
import numpy as np

rng = np.random.default_rng()


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    hidden = np.tanh(W1 @ X + b1)
    mask = (rng.random(hidden.shape) < keep_prob) / keep_prob
    output = sigmoid(W2 @ (hidden * mask) + b2)
    cache = {"hidden": hidden, "mask": mask, "output": output, "W1": W1, "W2": W2}
    return output, cache


def compute_cost_with_regularization(A2, Y, parameters, lambd):
    m = Y.shape[1]
    bce = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)).sum() / m
    penalty = (parameters["W1"] ** 2).sum() + (parameters["W2"] ** 2).sum()
    return float(bce + lambd / (2 * m) * penalty)


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    m = X.shape[1]
    hidden, mask, W1, W2 = cache["hidden"], cache["mask"], cache["W1"], cache["W2"]
    delta2 = (cache["output"] - Y) / m
    dW2 = delta2 @ (hidden * mask).T + lambd / m * W2
    db2 = delta2.sum(axis=1, keepdims=True)
    delta1 = (W2.T @ delta2) * mask * (1 - hidden ** 2)
    dW1 = delta1 @ X.T + lambd / m * W1
    db1 = delta1.sum(axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items() if k in ("W1", "b1", "W2", "b2")}
'''

# No separate mask at all: the cache keeps Z1 and the post-dropout activation, and backward reads the
# kept units off the nonzero entries. The mask itself comes from np.where.
POST_DROPOUT_ONLY = '''
import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    W1 = parameters["W1"]
    W2 = parameters["W2"]
    Z1 = W1 @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    A1_dropped = np.where(np.random.rand(*A1.shape) < keep_prob, A1 / keep_prob, 0.0)
    A2 = sigmoid(W2 @ A1_dropped + parameters["b2"])
    return A2, {"Z1": Z1, "A1_dropped": A1_dropped, "A2": A2, "W1": W1, "W2": W2}


def compute_cost_with_regularization(A2, Y, parameters, lambd):
    m = Y.shape[1]
    log_likelihood = Y * np.log(A2) + (1 - Y) * np.log(1 - A2)
    squares = np.sum(parameters["W1"] * parameters["W1"]) + np.sum(parameters["W2"] * parameters["W2"])
    return float(-np.mean(log_likelihood) + lambd * squares / (2 * m))


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    m = X.shape[1]
    Z1, A1_dropped, A2 = cache["Z1"], cache["A1_dropped"], cache["A2"]
    W1, W2 = cache["W1"], cache["W2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1_dropped.T / m + lambd / m * W2
    db2 = np.mean(dZ2, axis=1, keepdims=True)
    kept = A1_dropped != 0
    dA1 = np.where(kept, W2.T @ dZ2 / keep_prob, 0.0)
    dZ1 = dA1 * (1 - np.tanh(Z1) ** 2)
    dW1 = dZ1 @ X.T / m + lambd / m * W1
    db1 = np.mean(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    updated = dict(parameters)
    for key in ("W1", "b1", "W2", "b2"):
        updated[key] = parameters[key] - learning_rate * grads["d" + key]
    return updated
'''

# Lower-case keys, a 0/1 float mask from np.where, the update done in place on the given arrays.
WHERE_IN_PLACE = '''
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    w1, b1, w2, b2 = parameters["w1"], parameters["b1"], parameters["w2"], parameters["b2"]
    z1 = np.dot(w1, X) + b1
    a1 = np.tanh(z1)
    mask = np.where(np.random.uniform(0, 1, size=a1.shape) < keep_prob, 1.0, 0.0)
    a1_out = a1 * mask / keep_prob
    z2 = np.dot(w2, a1_out) + b2
    a2 = sigmoid(z2)
    cache = {"a1": a1, "mask": mask, "a1_out": a1_out, "a2": a2, "w1": w1, "w2": w2}
    return a2, cache


def compute_cost_with_regularization(a2, y, parameters, lambd):
    m = y.shape[1]
    cost = -np.sum(y * np.log(a2) + (1 - y) * np.log(1 - a2)) / m
    cost += lambd / (2 * m) * (np.sum(parameters["w1"] ** 2) + np.sum(parameters["w2"] ** 2))
    return float(cost)


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    m = X.shape[1]
    a1, mask, a1_out, a2 = cache["a1"], cache["mask"], cache["a1_out"], cache["a2"]
    w1, w2 = cache["w1"], cache["w2"]
    dz2 = a2 - Y
    dw2 = np.dot(dz2, a1_out.T) / m + (lambd / m) * w2
    db2 = np.sum(dz2, axis=1, keepdims=True) / m
    da1 = np.dot(w2.T, dz2) * mask / keep_prob
    dz1 = da1 * (1 - a1 * a1)
    dw1 = np.dot(dz1, X.T) / m + (lambd / m) * w1
    db1 = np.sum(dz1, axis=1, keepdims=True) / m
    return {"dw1": dw1, "db1": db1, "dw2": dw2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    for key in ("w1", "b1", "w2", "b2"):
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
'''

# Element by element: Python loops over examples and hidden units, one random number per element.
LOOPS = '''
import numpy as np


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    w1, b1, w2, b2 = parameters["w1"], parameters["b1"], parameters["w2"], parameters["b2"]
    n_h, m = w1.shape[0], X.shape[1]
    a1 = np.zeros((n_h, m))
    mask = np.zeros((n_h, m))
    a2 = np.zeros((1, m))
    for j in range(m):
        z2 = b2[0, 0]
        for i in range(n_h):
            a1[i, j] = np.tanh(np.dot(w1[i, :], X[:, j]) + b1[i, 0])
            if np.random.random() < keep_prob:
                mask[i, j] = 1.0
            z2 += w2[0, i] * a1[i, j] * mask[i, j] / keep_prob
        a2[0, j] = 1.0 / (1.0 + np.exp(-z2))
    return a2, (a1, mask, a2, w1, w2)


def compute_cost_with_regularization(A2, Y, parameters, lambd):
    m = Y.shape[1]
    total = 0.0
    for j in range(m):
        total -= Y[0, j] * np.log(A2[0, j]) + (1 - Y[0, j]) * np.log(1 - A2[0, j])
    squares = 0.0
    for w in (parameters["w1"], parameters["w2"]):
        for value in w.flat:
            squares += value * value
    return float(total / m + lambd / (2 * m) * squares)


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    a1, mask, a2, w1, w2 = cache
    n_h, m = a1.shape
    dw1 = lambd / m * w1
    db1 = np.zeros((n_h, 1))
    dw2 = lambd / m * w2
    db2 = np.zeros((1, 1))
    for j in range(m):
        dz2 = (a2[0, j] - Y[0, j]) / m
        db2[0, 0] += dz2
        for i in range(n_h):
            kept = mask[i, j] / keep_prob
            dw2[0, i] += dz2 * a1[i, j] * kept
            dz1 = dz2 * w2[0, i] * kept * (1 - a1[i, j] ** 2)
            db1[i, 0] += dz1
            dw1[i, :] += dz1 * X[:, j]
    return {"dw1": dw1, "db1": db1, "dw2": dw2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    updated = {}
    for key in ("w1", "b1", "w2", "b2"):
        updated[key] = parameters[key] - learning_rate * grads["d" + key]
    return updated
'''

# np.random.choice over {0, 1}; the cache keeps the parameters dict itself besides the arrays.
CHOICE = '''
import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    Z1 = np.matmul(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    dropout_mask = np.random.choice([0, 1], size=A1.shape, p=[1 - keep_prob, keep_prob])
    A1_d = A1 * dropout_mask / keep_prob
    A2 = sigmoid(np.matmul(parameters["W2"], A1_d) + parameters["b2"])
    cache = {"A1": A1, "dropout_mask": dropout_mask, "A1_d": A1_d, "A2": A2, "parameters": parameters}
    return A2, cache


def compute_cost_with_regularization(A2, Y, parameters, lambd):
    m = Y.shape[1]
    cost = np.sum(-Y * np.log(A2) - (1 - Y) * np.log(1 - A2)) / m
    regularization = sum(np.sum(np.square(parameters[k])) for k in ("W1", "W2"))
    return float(cost + lambd * regularization / (2 * m))


def backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):
    m = X.shape[1]
    W1 = cache["parameters"]["W1"]
    W2 = cache["parameters"]["W2"]
    dZ2 = cache["A2"] - Y
    grads = {}
    grads["dW2"] = np.matmul(dZ2, cache["A1_d"].T) / m + lambd * W2 / m
    grads["db2"] = np.sum(dZ2, axis=1, keepdims=True) / m
    dA1 = np.matmul(W2.T, dZ2) * cache["dropout_mask"] / keep_prob
    dZ1 = dA1 * (1 - np.square(cache["A1"]))
    grads["dW1"] = np.matmul(dZ1, X.T) / m + lambd * W1 / m
    grads["db1"] = np.sum(dZ1, axis=1, keepdims=True) / m
    return grads


def update_parameters(parameters, grads, learning_rate):
    parameters = parameters.copy()
    parameters["W1"] = parameters["W1"] - learning_rate * grads["dW1"]
    parameters["b1"] = parameters["b1"] - learning_rate * grads["db1"]
    parameters["W2"] = parameters["W2"] - learning_rate * grads["dW2"]
    parameters["b2"] = parameters["b2"] - learning_rate * grads["db2"]
    return parameters
'''

CORRECT = (
    _submission("correct_upper_dict_bool_mask", "", UPPER_DICT),
    _submission("correct_seed_style_lower_keys", "", SEED_STYLE),
    _submission("correct_tuple_cache_binomial", "", TUPLE_BINOMIAL),
    _submission("correct_generator_scaled_mask", "", GENERATOR_SCALED),
    _submission("correct_post_dropout_activation_only", "", POST_DROPOUT_ONLY),
    _submission("correct_where_mask_in_place_update", "", WHERE_IN_PLACE),
    _submission("correct_loops", "", LOOPS),
    _submission("correct_choice_mask_nested_parameters", "", CHOICE),
    # The safe idioms of a log: an epsilon of 1e-8 inside it, and a clip at 1e-7.
    _submission("correct_cost_with_epsilon_and_clip", "", _variant(
        UPPER_DICT, ("    cross_entropy = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m\n",
                     "    A2 = np.clip(A2, 1e-7, 1 - 1e-7)\n"
                     "    cross_entropy = -np.sum(Y * np.log(A2 + 1e-8) + (1 - Y) * np.log(1 - A2 + 1e-8)) / m\n"))),
)


# ---- wrong: the seeds' bugs ------------------------------------------------------------------------

WRONG_SEEDS = (
    _submission(
        "mask_discarded_in_backward",
        "backward masks and rescales da1, then builds dz1 from the unmasked w2.T @ dz2 (seeds 000, 001)",
        _variant(SEED_STYLE, ("dz1 = np.multiply(da1, ", "dz1 = np.multiply(np.dot(w2.T, dz2), ")),
        {BACKWARD}),
    _submission(
        "tanh_derivative_after_dropout",
        "tanh' taken as 1 - a1^2 of the post-dropout, rescaled a1 (seeds 000, 001)",
        _variant(SEED_STYLE, ("1 - np.power(np.tanh(z1), 2)", "1 - np.power(a1, 2)")),
        {BACKWARD}),
    # db1 of shape (n_h,): update_parameters broadcasts b1 to (n_h, n_h), and the next iteration's forward pass
    # (any forward pass) raises. The blind round's: the forward was charged for it until a run's end there was
    # taken as the end of what the forward could show.
    _submission(
        "db1_without_keepdims",
        "db1 summed without keepdims: shape (n_h,), and b1 becomes (n_h, n_h) after the first update",
        _variant(UPPER_DICT, ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = np.sum(dZ1, axis=1) / m")),
        {BACKWARD}),
    # The duplicate key leaves cache["z1"] = z2 (shape (1, m)), which broadcasts silently in tanh'.
    _submission(
        "cache_key_typo_z2_as_z1",
        'the cache stores z2 under "z1", so backward\'s tanh\'(z1) is computed from z2 (seed 000)',
        _variant(SEED_STYLE, ('"z2": z2,', '"z1": z2,')),
        {BACKWARD}),
    # Backward multiplies by the same (n_h, 1) mask, so it is right given that mask: only the draw is wrong.
    _submission(
        "mask_per_hidden_unit",
        "one keep draw per hidden unit, shape (n_h, 1), shared by the whole batch (seed 001)",
        _variant(SEED_STYLE, ("np.random.rand(a1.shape[0], a1.shape[1])", "np.random.rand(a1.shape[0], 1)")),
        {FORWARD}),
    # Backward is graded on the forward's cache, so it cannot earn anything without a forward.
    _submission(
        "forward_name_misspelled",
        "the forward is defined as forward_propagetion_with_dropout, so the required name is missing (seed 001)",
        _variant(SEED_STYLE, ("def forward_propagation_with_dropout(", "def forward_propagetion_with_dropout(")),
        {FORWARD, BACKWARD}),
)


# ---- wrong: dropout ----------------------------------------------------------------------------------

WRONG_DROPOUT = (
    # The mask is a genuine (if frozen) draw and backward is right given it.
    _submission(
        "reseeded_inside_forward",
        "np.random.seed(1) at the top of the forward: the same mask at every call",
        _variant(SEED_STYLE, ("    z1 = np.add(", "    np.random.seed(1)\n    z1 = np.add(")),
        {FORWARD}),
    _submission(
        "generator_created_inside_forward",
        "np.random.default_rng(42) made inside the forward: the same mask at every call",
        _variant(GENERATOR_SCALED,
                 ("rng = np.random.default_rng()\n\n\n", ""),
                 ("    hidden = np.tanh(", "    rng = np.random.default_rng(42)\n    hidden = np.tanh(")),
        {FORWARD}),
    # Backward leaves out 1/keep_prob as well; it reads the forward's too-small A2 and activation anyway.
    _submission(
        "no_inverse_scaling",
        "kept activations are never divided by keep_prob, in forward or backward",
        _variant(SEED_STYLE, ("    a1 = a1 / keep_prob\n", ""), ("    da1 = da1 / keep_prob\n", "")),
        {FORWARD, BACKWARD}),
    _submission(
        "keep_drop_swapped",
        "the mask keeps an element where rand > keep_prob, i.e. with probability 1 - keep_prob",
        _variant(UPPER_DICT, ("A1.shape[1]) < keep_prob", "A1.shape[1]) > keep_prob")),
        {FORWARD}),
    _submission(
        "mask_from_randn",
        "the mask is drawn with np.random.randn (normal) instead of rand, so P(keep) = Phi(keep_prob)",
        _variant(UPPER_DICT, ("np.random.rand(A1.shape[0]", "np.random.randn(A1.shape[0]")),
        {FORWARD}),
    # The cached A2 is computed with the wrong scale, so backward's dZ2 is wrong too.
    _submission(
        "keep_prob_argument_ignored",
        "the forward draws and scales with a module constant KEEP_PROB = 0.5, not its keep_prob argument",
        _variant(UPPER_DICT,
                 ("import numpy as np\n", "import numpy as np\n\nKEEP_PROB = 0.5\n"),
                 ("A1.shape[1]) < keep_prob", "A1.shape[1]) < KEEP_PROB"),
                 ("A1_drop = A1 * D1 / keep_prob", "A1_drop = A1 * D1 / KEEP_PROB")),
        {FORWARD, BACKWARD}),
    _submission(
        "dropout_before_tanh",
        "the mask and 1/keep_prob are applied to Z1 before the tanh instead of to A1",
        _variant(UPPER_DICT, ("A1_drop = A1 * D1 / keep_prob", "A1_drop = np.tanh(Z1 * D1 / keep_prob)")),
        {FORWARD, BACKWARD}),
    _submission(
        "dropout_on_output_too",
        "a second inverted-dropout mask is applied to the sigmoid output A2",
        _variant(UPPER_DICT, ("    A2 = sigmoid(Z2)\n",
                              "    A2 = sigmoid(Z2)\n"
                              "    D2 = np.random.rand(A2.shape[0], A2.shape[1]) < keep_prob\n"
                              "    A2 = A2 * D2 / keep_prob\n")),
        {FORWARD, BACKWARD}),
    _submission(
        "tuple_unpacked_in_wrong_order",
        "backward unpacks the cache tuple as (Z1, A1, D1, ...) though the forward packed (Z1, D1, A1, ...)",
        _variant(TUPLE_BINOMIAL, ("    (Z1, D1, A1, W1, b1, Z2, A2, W2, b2) = cache",
                                  "    (Z1, A1, D1, W1, b1, Z2, A2, W2, b2) = cache")),
        {BACKWARD}),
    _submission(
        "kept_units_read_as_positive",
        "backward takes the kept units as A1_dropped > 0, so kept units with negative tanh pass no gradient",
        _variant(POST_DROPOUT_ONLY, ("kept = A1_dropped != 0", "kept = A1_dropped > 0")),
        {BACKWARD}),
)


# ---- wrong: cost, gradients, update ------------------------------------------------------------------

WRONG_OTHER = (
    _submission(
        "cost_penalty_lambd_over_m",
        "the L2 penalty is lambd/m * sum W^2 instead of lambd/(2m)",
        _variant(UPPER_DICT, ("L2 = lambd / (2 * m) *", "L2 = lambd / m *")),
        {COST}),
    _submission(
        "cost_clipped_a2",
        "A2 is clipped to [0.01, 0.99] before the logs: the cost of a confident output is capped",
        _variant(UPPER_DICT, ("    cross_entropy = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m\n",
                              "    A2 = np.clip(A2, 0.01, 0.99)\n"
                              "    cross_entropy = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m\n")),
        {COST}),
    _submission(
        "cost_cross_entropy_summed",
        "the cross-entropy is summed over the examples, not averaged",
        _variant(UPPER_DICT, ("np.log(1 - A2)) / m", "np.log(1 - A2))")),
        {COST}),
    _submission(
        "cost_function_misspelled",
        "the cost is defined as compute_cost_with_regularisation, so the required name is missing",
        _variant(UPPER_DICT, ("def compute_cost_with_regularization(", "def compute_cost_with_regularisation(")),
        {COST}),
    _submission(
        "dw_without_regularization",
        "dW1 and dW2 lack the lambd/m * W term",
        _variant(UPPER_DICT, (" + lambd / m * W2", ""), (" + lambd / m * W1", "")),
        {BACKWARD}),
    _submission(
        "dw_regularization_halved",
        "dW gains lambd/(2m) * W, the cost's factor, instead of lambd/m * W",
        _variant(UPPER_DICT, ("lambd / m * W2", "lambd / (2 * m) * W2"), ("lambd / m * W1", "lambd / (2 * m) * W1")),
        {BACKWARD}),
    _submission(
        "regularization_added_to_db",
        "db1 and db2 gain lambd/m * b as if the biases were penalised",
        _variant(UPPER_DICT,
                 ("db2 = np.sum(dZ2, axis=1, keepdims=True) / m",
                  'db2 = np.sum(dZ2, axis=1, keepdims=True) / m + lambd / m * cache["b2"]'),
                 ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
                  'db1 = np.sum(dZ1, axis=1, keepdims=True) / m + lambd / m * cache["b1"]')),
        {BACKWARD}),
    _submission(
        "loop_regularization_per_example",
        "the loop version adds lambd/m * W inside the loop over examples, m times over",
        _variant(LOOPS,
                 ("    dw1 = lambd / m * w1\n", "    dw1 = np.zeros_like(w1)\n"),
                 ("    dw2 = lambd / m * w2\n", "    dw2 = np.zeros_like(w2)\n"),
                 ("dw2[0, i] += dz2 * a1[i, j] * kept", "dw2[0, i] += dz2 * a1[i, j] * kept + lambd / m * w2[0, i]"),
                 ("dw1[i, :] += dz1 * X[:, j]", "dw1[i, :] += dz1 * X[:, j] + lambd / m * w1[i, :]")),
        {BACKWARD}),
    _submission(
        "db1_summed_over_hidden_units",
        "db1 sums dZ1 over axis 0 (the hidden units), giving shape (1, m) instead of (n_h, 1)",
        _variant(UPPER_DICT, ("db1 = np.sum(dZ1, axis=1,", "db1 = np.sum(dZ1, axis=0,")),
        {BACKWARD}),
    _submission(
        "dz2_extra_sigmoid_derivative",
        "dZ2 = (A2 - Y) * A2 * (1 - A2): the sigmoid's derivative applied again on top of the cross-entropy's",
        _variant(UPPER_DICT, ("dZ2 = A2 - Y", "dZ2 = (A2 - Y) * A2 * (1 - A2)")),
        {BACKWARD}),
    _submission(
        "update_sign_flipped",
        "update_parameters adds learning_rate * gradient (gradient ascent)",
        _variant(UPPER_DICT, ("] - learning_rate * grads[", "] + learning_rate * grads[")),
        {UPDATE}),
    _submission(
        "update_weights_only",
        "update_parameters returns b1 and b2 unchanged",
        _variant(UPPER_DICT,
                 ('"b1": parameters["b1"] - learning_rate * grads["db1"],', '"b1": parameters["b1"],'),
                 ('"b2": parameters["b2"] - learning_rate * grads["db2"],', '"b2": parameters["b2"],')),
        {UPDATE}),
)

WRONG = WRONG_SEEDS + WRONG_DROPOUT + WRONG_OTHER

CATALOGUE = CORRECT + WRONG

assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)


# ---- Found by a red-team session (issue 10), kept as regressions ---------------------------------------
# Caches the first grader could not read: three levels deep, a SimpleNamespace, float32 activations only.

red_nested_cache = Submission(
    name='red_cache_three_levels_deep', bug='',
    files={
        'two_layer_net.py': 'import numpy as np\n\n\nclass _Layer:\n    pass\n\n\ndef forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    Z1 = parameters["W1"] @ X + parameters["b1"]\n    A1 = np.tanh(Z1)\n    keep = np.random.random(A1.shape) < keep_prob\n    A1d = A1 * keep / keep_prob\n    Z2 = parameters["W2"] @ A1d + parameters["b2"]\n    A2 = 1 / (1 + np.exp(-Z2))\n    cache = {"layers": [{"Z": Z1, "A": A1, "keep": keep, "A_drop": A1d},\n                        {"Z": Z2, "A": A2}],\n             "params": parameters}\n    return A2, cache\n\n\ndef compute_cost_with_regularization(A2, Y, parameters, lambd):\n    m = Y.shape[1]\n    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m\n                 + lambd / (2 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2)))\n\n\ndef backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):\n    (h, o), P = cache["layers"], cache["params"]\n    m = X.shape[1]\n    dZ2 = o["A"] - Y\n    dW2 = dZ2 @ h["A_drop"].T / m + lambd / m * P["W2"]\n    db2 = dZ2.sum(1, keepdims=True) / m\n    dZ1 = (P["W2"].T @ dZ2) * h["keep"] / keep_prob * (1 - h["A"] ** 2)\n    dW1 = dZ1 @ X.T / m + lambd / m * P["W1"]\n    db1 = dZ1.sum(1, keepdims=True) / m\n    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}\n\n\ndef update_parameters(parameters, grads, learning_rate):\n    return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}\n'},
    loses=frozenset())

red_namespace_cache = Submission(
    name='red_cache_simple_namespace', bug='',
    files={
        'two_layer_net.py': 'import numpy as np\nfrom types import SimpleNamespace\n\ndef compute_cost_with_regularization(A2, Y, parameters, lambd):\n    m = Y.shape[1]\n    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m\n                 + lambd / (2 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2)))\n\n\ndef update_parameters(parameters, grads, learning_rate):\n    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}\n\n\ndef forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    c = SimpleNamespace()\n    c.A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])\n    c.D1 = np.random.rand(*c.A1.shape) < keep_prob\n    c.A1_drop = c.A1 * c.D1 / keep_prob\n    c.A2 = 1 / (1 + np.exp(-(parameters["W2"] @ c.A1_drop + parameters["b2"])))\n    c.W1, c.W2 = parameters["W1"], parameters["W2"]\n    return c.A2, c\n\n\ndef backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):\n    m = X.shape[1]\n    dZ2 = cache.A2 - Y\n    dW2 = dZ2 @ cache.A1_drop.T / m + lambd / m * cache.W2\n    db2 = dZ2.sum(axis=1, keepdims=True) / m\n    dZ1 = (cache.W2.T @ dZ2) * cache.D1 / keep_prob * (1 - cache.A1 ** 2)\n    dW1 = dZ1 @ X.T / m + lambd / m * cache.W1\n    db1 = dZ1.sum(axis=1, keepdims=True) / m\n    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}\n'},
    loses=frozenset())

red_float32_activation_only = Submission(
    name='red_float32_activation_only', bug='',
    files={
        'two_layer_net.py': 'import numpy as np\n\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n\n\ndef forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    P = {k: v.astype(np.float32) for k, v in parameters.items()}\n    Z1 = P["W1"] @ X.astype(np.float32) + P["b1"]\n    A1 = np.tanh(Z1)\n    A1 = np.where(np.random.rand(*A1.shape) < keep_prob, A1 / np.float32(keep_prob), np.float32(0))\n    A2 = sigmoid(P["W2"] @ A1 + P["b2"])\n    return A2, {"Z1": Z1, "A1": A1, "A2": A2, "P": P}\n\n\ndef compute_cost_with_regularization(A2, Y, parameters, lambd):\n    m = Y.shape[1]\n    return float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))\n                 + lambd / (2 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2)))\n\n\ndef backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):\n    Z1, A1, A2, P = cache["Z1"], cache["A1"], cache["A2"], cache["P"]\n    m = X.shape[1]\n    dZ2 = A2 - Y\n    dW2 = dZ2 @ A1.T / m + lambd / m * P["W2"]\n    db2 = dZ2.sum(axis=1, keepdims=True) / m\n    dA1 = (P["W2"].T @ dZ2) * (A1 != 0) / keep_prob\n    dZ1 = dA1 * (1 - np.tanh(Z1) ** 2)\n    dW1 = dZ1 @ X.T / m + lambd / m * P["W1"]\n    db1 = dZ1.sum(axis=1, keepdims=True) / m\n    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}\n\n\ndef update_parameters(parameters, grads, learning_rate):\n    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}\n'},
    loses=frozenset())

CORRECT = CORRECT + (red_nested_cache, red_namespace_cache, red_float32_activation_only)
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)
