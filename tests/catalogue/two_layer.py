"""The two-layer catalogue (reference/catalogues/two_layer.py), with the hostile submissions the
tests grade through the worker alone: they attack the process they run in, so they never join the
known bugs the trusted side replays for its hints."""
from reference.catalogues.two_layer import *  # noqa: F403
from reference.catalogues.two_layer import (CORRECT, WRONG, Submission, FORWARD, BACKWARD,  # noqa: F401
                                            FILE, UPPER_DICT, _variant)

# Hostile (graded through the worker only: they patch what they find in their process).

hostile_defeat_device = Submission(
    name='hostile_detects_the_mask_studies', bug='one mask per unit unless the stack shows the mask studies',
    files={
        'two_layer_net.py': 'import numpy as np\n\nimport sys\n\n\ndef _graded_study():\n    f = sys._getframe(2)\n    while f is not None:\n        if f.f_code.co_name == "_mask_samples":\n            return True\n        f = f.f_back\n    return False\n\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n\n\ndef forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    Z1 = parameters["W1"].dot(X) + parameters["b1"]\n    A1 = np.tanh(Z1)\n    if _graded_study():\n        D1 = (np.random.rand(*A1.shape) < keep_prob).astype(np.int8)\n    else:\n        D1 = (np.arange(A1.size) < int(round(keep_prob * A1.size))).reshape(A1.shape).astype(np.int8)\n    A1d = A1 * D1 / keep_prob\n    A2 = sigmoid(parameters["W2"].dot(A1d) + parameters["b2"])\n    cache = [A1, D1, A1d, A2, parameters["W1"], parameters["W2"]]\n    return A2, cache\n\n\ndef compute_cost_with_regularization(A2, Y, parameters, lambd):\n    m = Y.shape[1]\n    ce = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m\n    reg = lambd / (2.0 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2))\n    return np.squeeze(ce) + reg\n\n\ndef backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):\n    A1, D1, A1d, A2, W1, W2 = cache\n    m = X.shape[1]\n    dZ2 = A2 - Y\n    grads = {}\n    grads["dW2"] = dZ2.dot(A1d.T) / m + (lambd / m) * W2\n    grads["db2"] = dZ2.sum(axis=1, keepdims=True) / m\n    dA1 = W2.T.dot(dZ2) * D1 / keep_prob\n    dZ1 = dA1 * (1 - A1 ** 2)\n    grads["dW1"] = dZ1.dot(X.T) / m + (lambd / m) * W1\n    grads["db1"] = dZ1.sum(axis=1, keepdims=True) / m\n    return grads\n\n\ndef update_parameters(parameters, grads, learning_rate):\n    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}\n'},
    loses=frozenset({FORWARD}))

hostile_hijack = Submission(
    name='hostile_replaces_the_workers_tasks', bug="one mask per unit, and the worker's mask task replaced by a fake",
    files={
        'two_layer_net.py': 'import numpy as np\n\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n\n\ndef forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    Z1 = parameters["W1"].dot(X) + parameters["b1"]\n    A1 = np.tanh(Z1)\n    D1 = (np.random.rand(A1.shape[0], 1) < keep_prob).astype(np.int8)\n    A1d = A1 * D1 / keep_prob\n    A2 = sigmoid(parameters["W2"].dot(A1d) + parameters["b2"])\n    cache = [A1, D1, A1d, A2, parameters["W1"], parameters["W2"]]\n    return A2, cache\n\n\ndef compute_cost_with_regularization(A2, Y, parameters, lambd):\n    m = Y.shape[1]\n    ce = -(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)) / m\n    reg = lambd / (2.0 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2))\n    return np.squeeze(ce) + reg\n\n\ndef backward_propagation_with_dropout(X, Y, cache, keep_prob, lambd):\n    A1, D1, A1d, A2, W1, W2 = cache\n    m = X.shape[1]\n    dZ2 = A2 - Y\n    grads = {}\n    grads["dW2"] = dZ2.dot(A1d.T) / m + (lambd / m) * W2\n    grads["db2"] = dZ2.sum(axis=1, keepdims=True) / m\n    dA1 = W2.T.dot(dZ2) * D1 / keep_prob\n    dZ1 = dA1 * (1 - A1 ** 2)\n    grads["dW1"] = dZ1.dot(X.T) / m + (lambd / m) * W1\n    grads["db1"] = dZ1.sum(axis=1, keepdims=True) / m\n    return grads\n\n\ndef update_parameters(parameters, grads, learning_rate):\n    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}\n\n\n\ndef _fake_mask_samples(loaded, p, shape, calls, seed, instances):\n    rng = np.random.default_rng(seed)\n    return {"keep": rng.random((instances, calls, *shape)) >= p}\n\n\nimport sys as _sys\nfor _name, _mod in list(_sys.modules.items()):\n    if _name.startswith("reference.assignments.") and hasattr(_mod, "TASKS"):\n        _mod.TASKS["mask_samples"] = _fake_mask_samples\n'},
    loses=frozenset({FORWARD}))


# ---- Issue 17: the trusted side believes nothing ------------------------------------------------------
# Each attack as a submission: UPPER_DICT (a correct one, whose backward multiplies by the cache's D1,
# per element or per unit alike) with its mask drawn by `_mask(A1, X, parameters, keep_prob)`, the cheat.

_DRAW = "    D1 = np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob\n"
_HONEST = "np.random.rand(*A1.shape) < keep_prob"
_PER_UNIT = "np.random.rand(A1.shape[0], 1) < keep_prob"  # seed 001's mask, shared by the batch


def _cheat(name, bug, helpers, loses=(FORWARD,), *replacements):
    """UPPER_DICT drawing its mask with `helpers` (Python defining _mask) at the top of the file."""
    text = _variant(UPPER_DICT, (_DRAW, "    D1 = _mask(A1, X, parameters, keep_prob)\n"),
                    ("import numpy as np\n", "import numpy as np\n" + helpers), *replacements)
    return Submission(name, bug, {FILE: text}, frozenset(loses))


HOSTILE_EVIDENCE = (
    # 1. Empty tally: nothing dropped and A2 of shape (m,): no reading of its cache matches, and Backward
    #    was credited on a tally that stayed empty (2.0 for 1.0 of honest work). Now it fails closed.
    _cheat("hostile_flat_a2_never_drops", "never drops, and returns A2 of shape (m,) so that no mask is ever read",
           "\n\ndef _mask(A1, X, parameters, keep_prob):\n    return np.ones(A1.shape, dtype=bool)\n",
           {FORWARD, BACKWARD}, ("    return A2, cache\n", "    return A2.ravel(), cache\n")),
    # 2. A faked cache: a genuine-looking fresh mask shown in the cache, never applied (A2 without
    #    dropout), and a backward that ignores masks: the cache is not believed, A2 shows nothing dropped.
    _cheat("hostile_fakes_its_cache", "never drops but stores a fresh random mask in its cache; backward ignores it",
           "\n\ndef _mask(A1, X, parameters, keep_prob):\n    return np.ones(A1.shape, dtype=bool)\n",
           {FORWARD, BACKWARD},
           ('    cache = {"Z1": Z1,', '    D1 = np.random.rand(*A1.shape) < keep_prob  # shown, never applied\n'
                                   '    cache = {"Z1": Z1,'),
           ("    dA1 = dA1 * D1 / keep_prob\n", "    dA1 = dA1 / keep_prob\n")),
    # 3. Calls told apart: the old mask studies' X had one row and b1 = 0; honest masks only there.
    _cheat("hostile_detects_a_study_by_its_arguments",
           "one mask per unit unless X has one row and b1 is 0 (a mask study's call, once)",
           "\n\ndef _mask(A1, X, parameters, keep_prob):\n"
           "    if X.shape[0] == 1 and not np.any(parameters[\"b1\"]):\n"
           f"        return {_HONEST}\n    return {_PER_UNIT}\n"),
    _cheat("hostile_honest_for_the_first_calls", "honest masks for its first 400 calls, one mask per unit after",
           "\n_calls = [0]\n\n\ndef _mask(A1, X, parameters, keep_prob):\n    _calls[0] += 1\n"
           f"    return {_HONEST} if _calls[0] <= 400 else {_PER_UNIT}\n"),
    # Found attacking the result as a student would (conditions on what a call shows, or fakes evidence).
    _cheat("hostile_honest_on_big_masks", "honest masks only on masks of 128 elements or more, one per unit below",
           f"\n\ndef _mask(A1, X, parameters, keep_prob):\n    return {_HONEST} if A1.size >= 128 else {_PER_UNIT}\n"),
    _cheat("hostile_reseeds_unless_the_input_repeats",
           "a reseeded stream (the same mask) at every call, except on the input of the call before",
           "\n_last = [None]\n\n\ndef _mask(A1, X, parameters, keep_prob):\n"
           "    repeated = _last[0] is not None and _last[0].shape == X.shape and np.array_equal(_last[0], X)\n"
           "    _last[0] = X.copy()\n    if not repeated:\n        np.random.seed(1234)\n"
           f"    return {_HONEST}\n"),
    _cheat("hostile_watches_stack_timing_and_memory",
           "honest only when the stack names a study or a sampler, calls come in bursts, or gc holds a study's "
           "objects; one mask per unit otherwise",
           "import gc\nimport sys\nimport time\n\n_times = []\n\n\ndef _watched():\n"
           "    frame, names = sys._getframe(2), []\n    while frame is not None:\n"
           "        names.append(frame.f_code.co_name + ' ' + frame.f_code.co_filename)\n        frame = frame.f_back\n"
           "    if any(word in ' '.join(names) for word in ('stud', 'sampl', 'judge', 'tally', 'evidence')):\n"
           "        return True\n    _times.append(time.perf_counter())\n"
           "    if len(_times) > 20 and _times[-1] - _times[-21] < 0.002:\n        return True\n"
           "    if len(_times) % 97 == 1:\n        for thing in gc.get_objects()[:20000]:\n"
           "            if isinstance(thing, dict) and {'calls', 'instances'} <= set(map(str, thing)):\n"
           "                return True\n    return False\n\n\n"
           f"def _mask(A1, X, parameters, keep_prob):\n    return {_HONEST} if _watched() else {_PER_UNIT}\n"),
    _cheat("hostile_pool_of_shifted_masks", "masks cut from one pool of random numbers, one element further each call",
           "\n_pool = np.random.default_rng(0).random(1 << 16)\n_offset = [0]\n\n\n"
           "def _mask(A1, X, parameters, keep_prob):\n    _offset[0] = (_offset[0] + 1) % ((1 << 16) - A1.size)\n"
           "    return _pool[_offset[0]:_offset[0] + A1.size].reshape(A1.shape) < keep_prob\n"),
    _cheat("hostile_keeps_large_activations", "never drops an activation of size 0.6 or more, honest below",
           f"\n\ndef _mask(A1, X, parameters, keep_prob):\n    return ({_HONEST}) | (np.abs(A1) >= 0.6)\n"),
    _cheat("hostile_hides_its_mask_among_decoys", "one mask per unit, shown in its cache among 12 fresh random masks",
           f"\n\ndef _mask(A1, X, parameters, keep_prob):\n    return {_PER_UNIT}\n", (FORWARD,),
           ('    cache = {"Z1": Z1,',
            '    cache = {"decoys": [np.random.rand(*A1.shape) < keep_prob for _ in range(12)], "Z1": Z1,')),
    _cheat("hostile_honest_on_round_keep_prob", "honest masks when keep_prob has two decimals or fewer (as typed "
           "by hand), one mask per unit otherwise",
           "\n\ndef _mask(A1, X, parameters, keep_prob):\n"
           f"    return {_HONEST} if round(keep_prob, 2) == keep_prob else {_PER_UNIT}\n"),
)


# ---- Red team 5: honest only while graded. Every check but training hands the functions fresh copies, reseeds
# NumPy before each pass and draws at most 32 examples; real use (model()'s loop) does none of that.

_UPDATE = 'def update_parameters(parameters, grads, learning_rate):\n    return {\n'
_UPDATED = '        "b2": parameters["b2"] - learning_rate * grads["db2"],\n    }\n'
_OWN = "\n_mine = []\n\n\ndef _own(parameters):\n    return any(parameters.get('W1') is w for w in _mine)\n"
_KEEPS_ITS_OWN = ((_UPDATE, _UPDATE.replace("return {", "new = {")),
                  (_UPDATED, _UPDATED + "    _mine.append(new['W1'])\n    del _mine[:-4]\n    return new\n"))

HOSTILE_REAL_USE = (
    _cheat("hostile_never_drops_on_big_batches", "honest masks on batches of up to 32 examples (the largest the "
           "forward check draws), nothing dropped on larger ones (the seeds' X is (2, 200))",
           "\n\ndef _mask(A1, X, parameters, keep_prob):\n    if A1.shape[1] > 32:\n"
           f"        return np.ones(A1.shape, dtype=bool)\n    return {_HONEST}\n"),
    _cheat("hostile_never_drops_on_its_own_parameters", "nothing dropped once parameters['W1'] is an array its own "
           "update_parameters returned (every pass of a training loop after the first)",
           _OWN + f"\n\ndef _mask(A1, X, parameters, keep_prob):\n    if _own(parameters):\n"
           f"        return np.ones(A1.shape, dtype=bool)\n    return {_HONEST}\n", (FORWARD,), *_KEEPS_ITS_OWN),
    _cheat("hostile_frozen_on_its_own_parameters", "nothing dropped once parameters['W1'] is an array its own "
           "update_parameters returned, and update_parameters then changes nothing (training frozen after step 1)",
           _OWN + f"\n\ndef _mask(A1, X, parameters, keep_prob):\n    if _own(parameters):\n"
           f"        return np.ones(A1.shape, dtype=bool)\n    return {_HONEST}\n", (FORWARD, UPDATE),
           (_UPDATE, _UPDATE.replace("    return {", "    if _own(parameters):\n        learning_rate = 0.0\n"
                                                    "    new = {")), _KEEPS_ITS_OWN[1]),
    _cheat("hostile_reuses_its_mask_where_the_rng_left_it", "the last mask again when NumPy's global RNG is exactly "
           "where its last forward left it (a training loop seeds once; the grader reseeds before every pass)",
           "\n_left = [None, None]\n\n\ndef _state():\n    kind, keys, pos, gauss, cached = np.random.get_state()\n"
           "    return (keys.tobytes(), pos, gauss, cached)\n\n\ndef _mask(A1, X, parameters, keep_prob):\n"
           "    if _left[0] is not None and _left[0] == _state() and _left[1].shape == A1.shape:\n"
           f"        return _left[1]\n    mask = {_HONEST}\n    _left[0], _left[1] = _state(), mask\n    return mask\n"),
    _cheat("hostile_reuses_its_mask_on_the_same_x", "the last mask again when X is the very object of the last call "
           "(a training loop passes the same X; the worker copied it per call)",
           "\n_last = [None, None]\n\n\ndef _mask(A1, X, parameters, keep_prob):\n"
           "    if X is _last[0] and _last[1].shape == A1.shape:\n"
           f"        return _last[1]\n    mask = {_HONEST}\n    _last[0], _last[1] = X, mask\n    return mask\n"),
)

WRONG = WRONG + (hostile_defeat_device, hostile_hijack) + HOSTILE_EVIDENCE + HOSTILE_REAL_USE
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)
