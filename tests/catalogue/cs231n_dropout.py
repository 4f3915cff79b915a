"""The cs231n-dropout catalogue (reference/catalogues/cs231n_dropout.py), with the hostile submissions the
tests grade through the worker alone: they attack the process they run in, so they never join the
known bugs the trusted side replays for its hints."""
from reference.catalogues.cs231n_dropout import *  # noqa: F403
from reference.catalogues.cs231n_dropout import CORRECT, WRONG, Submission, FORWARD  # noqa: F401
from reference.catalogues.cs231n_dropout import BACKWARD, NET  # noqa: F401

# Hostile (graded through the worker only: they patch what they find in their process).

hostile_defeat_device = Submission(
    name='hostile_detects_the_mask_studies', bug='a fixed mask unless the stack shows the mask studies',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import *\n\n\nclass FullyConnectedNet(object):\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.normalization = normalization\n        self.use_dropout = dropout_keep_ratio != 1\n        self.reg = reg\n        self.num_layers = 1 + len(hidden_dims)\n        self.dtype = dtype\n        self.params = {}\n        sizes = (input_dim,) + tuple(hidden_dims) + (num_classes,)\n        for i in range(self.num_layers):\n            self.params['W' + str(i + 1)] = (weight_scale * np.random.randn(sizes[i], sizes[i + 1])).astype(dtype)\n            self.params['b' + str(i + 1)] = np.zeros(sizes[i + 1], dtype=dtype)\n        self.dropout_param = {}\n        if self.use_dropout:\n            self.dropout_param = {'mode': 'train', 'p': dropout_keep_ratio}\n            if seed is not None:\n                self.dropout_param['seed'] = seed\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        mode = 'test' if y is None else 'train'\n        if self.use_dropout:\n            self.dropout_param['mode'] = mode\n        aff_caches, relu_caches, drop_caches = [], [], []\n        h = X\n        for i in range(1, self.num_layers):\n            h, c = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            aff_caches.append(c)\n            h, c = relu_forward(h)\n            relu_caches.append(c)\n            if self.use_dropout:\n                h, c = dropout_forward(h, self.dropout_param)\n                drop_caches.append(c)\n        L = self.num_layers\n        scores, last = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if y is None:\n            return scores\n        grads = {}\n        loss, d = softmax_loss(scores, y)\n        for i in range(1, L + 1):\n            loss += 0.5 * self.reg * np.sum(self.params['W%d' % i] ** 2)\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, last)\n        for i in range(L - 1, 0, -1):\n            if self.use_dropout:\n                d = dropout_backward(d, drop_caches.pop())\n            d = relu_backward(d, relu_caches.pop())\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, aff_caches.pop())\n        for i in range(1, L + 1):\n            grads['W%d' % i] = grads['W%d' % i] + self.reg * self.params['W%d' % i]\n        return loss, grads\n",
        'layers.py': 'import numpy as np\n\n\ndef affine_forward(x, w, b):\n    N = x.shape[0]\n    xf = np.reshape(x, (N, -1))\n    out = xf @ w + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    xf = np.reshape(x, (x.shape[0], -1))\n    dx = np.reshape(dout @ w.T, x.shape)\n    dw = xf.T @ dout\n    db = dout.sum(axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.where(x > 0, x, 0.0), x\n\n\ndef relu_backward(dout, cache):\n    return np.where(cache > 0, dout, 0.0)\n\n\ndef softmax_loss(x, y):\n    z = x - x.max(axis=1, keepdims=True)\n    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n    N = x.shape[0]\n    loss = -logp[np.arange(N), y].mean()\n    dx = np.exp(logp)\n    dx[np.arange(N), y] -= 1.0\n    return loss, dx / N\n\n\n\nimport sys\n\n\ndef _graded_study():\n    f = sys._getframe(2)\n    while f is not None:\n        if f.f_code.co_name == "_mask_samples":\n            return True\n        f = f.f_back\n    return False\n\n\ndef dropout_forward(x, dropout_param):\n    p, mode = dropout_param["p"], dropout_param["mode"]\n    if mode != "train":\n        return x, (mode, None, p)\n    if _graded_study():\n        keep = np.random.rand(*x.shape) < p\n    else:\n        n = x.size\n        flat = np.arange(n) < int(round(p * n))\n        keep = np.roll(flat, int(dropout_param.get("seed", 0) or 0) % max(n, 1)).reshape(x.shape)\n    return x * keep / p, (mode, keep, p)\n\n\ndef dropout_backward(dout, cache):\n    mode, keep, p = cache\n    return dout * keep / p if mode == "train" else dout\n'},
    loses=frozenset({FORWARD}))

hostile_nan = Submission(
    name='hostile_nan_rows', bug='NaN rows in train mode so that backward is never compared',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import *\n\n\nclass FullyConnectedNet(object):\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.normalization = normalization\n        self.use_dropout = dropout_keep_ratio != 1\n        self.reg = reg\n        self.num_layers = 1 + len(hidden_dims)\n        self.dtype = dtype\n        self.params = {}\n        sizes = (input_dim,) + tuple(hidden_dims) + (num_classes,)\n        for i in range(self.num_layers):\n            self.params['W' + str(i + 1)] = (weight_scale * np.random.randn(sizes[i], sizes[i + 1])).astype(dtype)\n            self.params['b' + str(i + 1)] = np.zeros(sizes[i + 1], dtype=dtype)\n        self.dropout_param = {}\n        if self.use_dropout:\n            self.dropout_param = {'mode': 'train', 'p': dropout_keep_ratio}\n            if seed is not None:\n                self.dropout_param['seed'] = seed\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        mode = 'test' if y is None else 'train'\n        if self.use_dropout:\n            self.dropout_param['mode'] = mode\n        aff_caches, relu_caches, drop_caches = [], [], []\n        h = X\n        for i in range(1, self.num_layers):\n            h, c = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            aff_caches.append(c)\n            h, c = relu_forward(h)\n            relu_caches.append(c)\n            if self.use_dropout:\n                h, c = dropout_forward(h, self.dropout_param)\n                drop_caches.append(c)\n        L = self.num_layers\n        scores, last = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if y is None:\n            return scores\n        grads = {}\n        loss, d = softmax_loss(scores, y)\n        for i in range(1, L + 1):\n            loss += 0.5 * self.reg * np.sum(self.params['W%d' % i] ** 2)\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, last)\n        for i in range(L - 1, 0, -1):\n            if self.use_dropout:\n                d = dropout_backward(d, drop_caches.pop())\n            d = relu_backward(d, relu_caches.pop())\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, aff_caches.pop())\n        for i in range(1, L + 1):\n            grads['W%d' % i] = grads['W%d' % i] + self.reg * self.params['W%d' % i]\n        return loss, grads\n",
        'layers.py': 'import numpy as np\n\n\ndef affine_forward(x, w, b):\n    N = x.shape[0]\n    xf = np.reshape(x, (N, -1))\n    out = xf @ w + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    xf = np.reshape(x, (x.shape[0], -1))\n    dx = np.reshape(dout @ w.T, x.shape)\n    dw = xf.T @ dout\n    db = dout.sum(axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.where(x > 0, x, 0.0), x\n\n\ndef relu_backward(dout, cache):\n    return np.where(cache > 0, dout, 0.0)\n\n\ndef softmax_loss(x, y):\n    z = x - x.max(axis=1, keepdims=True)\n    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n    N = x.shape[0]\n    loss = -logp[np.arange(N), y].mean()\n    dx = np.exp(logp)\n    dx[np.arange(N), y] -= 1.0\n    return loss, dx / N\n\n\n\n\ndef dropout_forward(x, dropout_param):\n    out = np.array(x, dtype=float)\n    if dropout_param["mode"] == "train":\n        out[::2] = np.nan\n    return out, None\n\n\ndef dropout_backward(dout, cache):\n    return dout\n'},
    loses=frozenset({FORWARD, BACKWARD, NET}))

WRONG = WRONG + (hostile_defeat_device, hostile_nan)
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)


# ---- Issue 17: the trusted side believes nothing -------------------------------------------------------
# Each lives off a correct entry of the trusted catalogue, with the cheat patched in.
from reference.catalogues.cs231n_dropout import (FC_NET_CANONICAL, LAYERS_CANONICAL, _patched,  # noqa: E402
                                                 red_inline_correct)

_CANONICAL_MASK = "        mask = (np.random.rand(*x.shape) < p) / p\n"
_INLINE_NET = red_inline_correct.files["fc_net.py"]
_INLINE_MASK = ("                m = (np.random.rand(*h.shape) < self.keep) / self.keep\n"
                "                h = h * m\n")
# What a net writes into the grader's records: the recorder wrapping dropout_forward keeps a list while
# model.loss(X, y) runs, which any module that imported dropout_forward can reach.
_CLAIM = '''

import layers as _grader_layers


def _grader_records():
    """The grader's record list, reached through the stand-in's closure (the stand-in is a plain function)."""
    for cell in getattr(_grader_layers.dropout_forward, "__closure__", None) or ():
        records = getattr(cell.cell_contents, "records", None)
        if isinstance(records, list):
            return records
    return None


def _claim(x, out, p):
    records = _grader_records()
    if isinstance(records, list):
        records.append({"x": np.array(x, dtype=float), "out": np.array(out, dtype=float), "p": float(p),
                        "mode": "train", "seed": None})
'''

# 17.1: the mask studies called dropout_forward with one x again and again, no seed, rank <= 2: a forward
# that shares one mask value per column everywhere else earned full marks.
hostile_column_mask_unless_studied = Submission(
    name="hostile_column_mask_unless_studied",
    bug="one keep/drop per column, shared by the batch, unless the call looks like a mask study's",
    files={"layers.py": _patched(LAYERS_CANONICAL, (_CANONICAL_MASK, (
        "        if _looks_studied(x, dropout_param):\n"
        "            mask = (np.random.rand(*x.shape) < p) / p\n"
        "        else:\n"
        "            mask = np.broadcast_to((np.random.rand(*x.shape[1:]) < p) / p, x.shape).copy()\n")),
        ("def dropout_forward(x, dropout_param):\n", (
            "_LAST = [None]\n\n\n"
            "def _looks_studied(x, dropout_param):\n"
            "    last, _LAST[0] = _LAST[0], np.array(x)\n"
            "    again = last is not None and last.shape == x.shape and np.array_equal(last, x)\n"
            "    return 'seed' not in dropout_param and (again or (x.ndim <= 2 and x.size >= 2000))\n\n\n"
            "def dropout_forward(x, dropout_param):\n"))),
        "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD}))

# 17.2: inline masks were read from single examples only.
hostile_inline_drops_only_single_examples = Submission(
    name="hostile_inline_drops_only_single_examples",
    bug="dropout written in the net, applied only when the batch holds one example",
    files={"layers.py": red_inline_correct.files["layers.py"],
           "fc_net.py": _patched(_INLINE_NET, ("            if train and self.use_dropout:\n",
                                                "            if train and self.use_dropout and len(X) == 1:\n"))},
    loses=frozenset({NET}))

# 17.4: the records of dropout_forward calls were believed.
hostile_records_without_dropout = Submission(
    name="hostile_records_without_dropout",
    bug="the net applies no dropout and writes records of masks it never applied",
    files={"layers.py": red_inline_correct.files["layers.py"],
           "fc_net.py": _patched(_INLINE_NET + _CLAIM, (_INLINE_MASK, (
               "                _claim(h, h * ((np.random.rand(*h.shape) < self.keep) / self.keep), self.keep)\n")))},
    loses=frozenset({NET}))

hostile_records_hide_missing_rescale = Submission(
    name="hostile_records_hide_missing_rescale",
    bug="dropout written in the net without the 1 / p, passed off as dropout_forward's in records it writes",
    files={"layers.py": red_inline_correct.files["layers.py"],
           "fc_net.py": _patched(_INLINE_NET + _CLAIM, (_INLINE_MASK, (
               "                m = (np.random.rand(*h.shape) < self.keep) * 1.0\n"
               "                _claim(h, h * m, self.keep)\n"
               "                h = h * m\n")))},
    loses=frozenset({NET}))

hostile_records_hide_a_frozen_mask = Submission(
    name="hostile_records_hide_a_frozen_mask",
    bug="the net draws one mask per layer once and reuses it, passed off as dropout_forward's in records",
    files={"layers.py": red_inline_correct.files["layers.py"],
           "fc_net.py": _patched(_INLINE_NET + _CLAIM, (_INLINE_MASK, (
               "                frozen = self.__dict__.setdefault('_frozen', {})\n"
               "                if frozen.get(i) is None or frozen[i].shape != h.shape:\n"
               "                    frozen[i] = (np.random.rand(*h.shape) < self.keep) / self.keep\n"
               "                m = frozen[i]\n"
               "                _claim(h, h * m, self.keep)\n"
               "                h = h * m\n")))},
    loses=frozenset({NET}))

hostile_overwrites_the_recorded_p = Submission(
    name="hostile_overwrites_the_recorded_p",
    bug="the net hands dropout_forward p = 1 - keep ratio, then writes the keep ratio into the records",
    files={"layers.py": LAYERS_CANONICAL,
           "fc_net.py": _patched(FC_NET_CANONICAL + _CLAIM, (
               '            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}\n',
               '            self.dropout_param = {"mode": "train", "p": 1 - dropout_keep_ratio}\n'
               '            self.keep = dropout_keep_ratio\n'), (
               '                out, caches["dropout" + str(i)] = dropout_forward(out, self.dropout_param)\n',
               '                out, caches["dropout" + str(i)] = dropout_forward(out, self.dropout_param)\n'
               '                records = _grader_records()\n'
               '                if isinstance(records, list) and records:\n'
               '                    records[-1]["p"] = self.keep\n'))},
    loses=frozenset({NET}))

ISSUE_17 = (hostile_column_mask_unless_studied, hostile_inline_drops_only_single_examples,
            hostile_records_without_dropout, hostile_records_hide_missing_rescale, hostile_records_hide_a_frozen_mask,
            hostile_overwrites_the_recorded_p)
WRONG = WRONG + ISSUE_17
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)


# ---- Issue 17, attacked again: honest where a student guesses the grader looks, cheap elsewhere -----------

def _forward_honest_only_if(helper, condition, cheap):
    """The canonical layers.py, its dropout_forward drawing an honest mask when `condition` holds, else `cheap`."""
    return _patched(LAYERS_CANONICAL, (_CANONICAL_MASK, (
        f"        if {condition}:\n"
        "            mask = (np.random.rand(*x.shape) < p) / p\n"
        "        else:\n"
        f"            mask = {cheap}\n")),
        ("def dropout_forward(x, dropout_param):\n", helper + "def dropout_forward(x, dropout_param):\n"))


_ROW_SHARED = "np.broadcast_to((np.random.rand(x.shape[0], *([1] * (x.ndim - 1))) < p) / p, x.shape).copy()"
_FROZEN = '''_POOL = np.random.RandomState(0).rand(2_000_000)
_CALLS = [0]


def _frozen(shape, p):
    return (_POOL[:int(np.prod(shape))].reshape(shape) < p) / p


def _count():
    _CALLS[0] += 1
    return _CALLS[0]


'''

hostile_honest_only_for_the_grader_task = Submission(
    name="hostile_honest_only_for_the_grader_task",
    bug="dropout_forward cuts masks from one fixed pool of numbers when the stack shows the net calling it",
    files={"layers.py": _forward_honest_only_if(_FROZEN + '''import sys


def _called_by_the_net():
    frame = sys._getframe(2)
    while frame is not None:
        if "fc_net" in frame.f_code.co_filename or frame.f_code.co_name == "loss":
            return True
        frame = frame.f_back
    return False


''', "not _called_by_the_net()", "_frozen(x.shape, p)"), "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({NET}))

# Its forward shares a mask along the features of x >= 0 (a ReLU's output: inside the net), which a quarter
# of the forward part's calls get: 'Dropout forward' charges it, and so the net is excused its masks.
hostile_cheats_on_relu_outputs = Submission(
    name="hostile_cheats_on_relu_outputs",
    bug="dropout_forward shares one keep/drop along each example's features when x has no negative value",
    files={"layers.py": _forward_honest_only_if("", "x.min() < 0", _ROW_SHARED), "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD}))

hostile_cheats_after_400_calls = Submission(
    name="hostile_cheats_after_400_calls",
    bug="dropout_forward is honest for its first 400 calls, then cuts masks from one fixed pool of numbers",
    files={"layers.py": _forward_honest_only_if(_FROZEN, "_count() <= 400", "_frozen(x.shape, p)"),
           "fc_net.py": FC_NET_CANONICAL},
    # The net is the canonical one: its masks are dropout_forward's, which the forward part charges (its verdict
    # in this grading excuses the net; no forward run again in a fresh worker, honest for 400 calls, is asked).
    loses=frozenset({FORWARD}))

hostile_net_scales_only_where_checked = Submission(
    name="hostile_net_scales_only_where_checked",
    bug="inline dropout scales by 1/p only for batches of 1-2, with a seed, or for images (X of rank > 2)",
    files={"layers.py": red_inline_correct.files["layers.py"], "fc_net.py": _patched(_INLINE_NET, (
        "                m = (np.random.rand(*h.shape) < self.keep) / self.keep\n",
        "                m = (np.random.rand(*h.shape) < self.keep) * 1.0\n"
        "                if len(X) <= 2 or self.seed is not None or X.ndim > 2:\n"
        "                    m = m / self.keep\n"))},
    loses=frozenset({NET}))

ATTACKED_AGAIN = (hostile_honest_only_for_the_grader_task, hostile_cheats_on_relu_outputs, hostile_cheats_after_400_calls,
                  hostile_net_scales_only_where_checked)
WRONG = WRONG + ATTACKED_AGAIN
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)


# ---- Issue 17, a third red team: the grader's own calls told apart by dtype, wrapper or size -------------
_NET_DROPOUT_CALL = '                out, caches["dropout" + str(i)] = dropout_forward(out, self.dropout_param)\n'

hostile_forward_drops_only_float64 = Submission(
    name="hostile_forward_drops_only_float64",
    bug="dropout_forward drops nothing for float32 x (cs231n's default dtype), honest for the grader's float64",
    files={"layers.py": _forward_honest_only_if("", "x.dtype == np.float64", "np.ones_like(x)"),
           "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD}))

hostile_net_drops_only_float64 = Submission(
    name="hostile_net_drops_only_float64",
    bug="the net skips dropout when built with dtype float32 (cs231n's default), honest for float64 nets",
    files={"layers.py": LAYERS_CANONICAL,
           "fc_net.py": _patched(FC_NET_CANONICAL, (_NET_DROPOUT_CALL,
                                                    "                if self.dtype == np.float64:\n    "
                                                    + _NET_DROPOUT_CALL))},
    loses=frozenset({NET}))

hostile_net_drops_only_when_wrapped = Submission(
    name="hostile_net_drops_only_when_wrapped",
    bug="the net calls dropout_forward only when something has replaced it (the grader's recorder)",
    files={"layers.py": LAYERS_CANONICAL + "\n\n_ORIGINAL_DROPOUT_FORWARD = dropout_forward\n",
           "fc_net.py": _patched(FC_NET_CANONICAL + "\nfrom . import layers as _own_layers\n", (
               _NET_DROPOUT_CALL,
               "                if _own_layers.dropout_forward is not _own_layers._ORIGINAL_DROPOUT_FORWARD:\n    "
               + _NET_DROPOUT_CALL))},
    loses=frozenset({NET}))

hostile_fixed_count_on_large_x = Submission(
    name="hostile_fixed_count_on_large_x",
    bug="dropout_forward keeps exactly round(p * x.size) elements whenever x has more than 1000 of them",
    files={"layers.py": _forward_honest_only_if(
        "", "x.size <= 1000",
        "(np.random.permutation(x.size) < round(p * x.size)).reshape(x.shape) / p"),
        "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD}))

# Masks were read only from nets whose biases sit near 1 (every ReLU open): a net that drops only then.
hostile_inline_drops_only_with_open_biases = Submission(
    name="hostile_inline_drops_only_with_open_biases",
    bug="dropout written in the net, applied only when every bias of the layer exceeds 0.3",
    files={"layers.py": red_inline_correct.files["layers.py"],
           "fc_net.py": _patched(_INLINE_NET, ("            if train and self.use_dropout:\n",
                                                "            if train and self.use_dropout and "
                                                "np.min(self.params['b%d' % i]) > 0.3:\n"))},
    loses=frozenset({NET}))

hostile_net_drops_only_with_open_biases = Submission(
    name="hostile_net_drops_only_with_open_biases",
    bug="the net calls dropout_forward only when every bias of the layer exceeds 0.3",
    files={"layers.py": LAYERS_CANONICAL,
           "fc_net.py": _patched(FC_NET_CANONICAL, (_NET_DROPOUT_CALL,
                                                    "                if np.min(b) > 0.3:\n    " + _NET_DROPOUT_CALL),
                                 ('            if self.use_dropout:\n                dout = dropout_backward(',
                                  '            if "dropout" + str(i) in caches:\n                dout = dropout_backward('))},
    loses=frozenset({NET}))

# A net's call that dropout_forward raises on runs with a genuine dropout in its place: a forward that raises
# only inside the net (never in its own checks) would have the grader do the net's dropout.
hostile_forward_raises_inside_the_net = Submission(
    name="hostile_forward_raises_inside_the_net",
    bug="dropout_forward raises whenever its caller is in fc_net.py, so the grader's stand-in drops instead",
    files={"layers.py": _patched(LAYERS_CANONICAL, (
        "def dropout_forward(x, dropout_param):\n",
        "import sys as _sys\n\n\ndef dropout_forward(x, dropout_param):\n"
        "    frame = _sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        if 'fc_net' in frame.f_code.co_filename:\n"
        "            raise RuntimeError('not here')\n"
        "        frame = frame.f_back\n")),
        "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({NET}))

# Dropout nets were drawn small (batch <= 17, layers of 16-40 units, keep <= 0.85, two calls a net): a net
# that drops only inside those ranges (the fourth red team's), caught on nets of the sizes the notebook trains.
def _net_drops_only_if(condition, helper=""):
    return _patched(FC_NET_CANONICAL + helper, (_NET_DROPOUT_CALL, f"                if {condition}:\n    " + _NET_DROPOUT_CALL),
                    ('            if self.use_dropout:\n                dout = dropout_backward(',
                     '            if "dropout" + str(i) in caches:\n                dout = dropout_backward('))


hostile_net_drops_only_on_small_batches = Submission(
    name="hostile_net_drops_only_on_small_batches", bug="the net calls dropout_forward only on batches of 24 or fewer",
    files={"layers.py": LAYERS_CANONICAL, "fc_net.py": _net_drops_only_if("X.shape[0] <= 24")},
    loses=frozenset({NET}))

hostile_net_drops_only_in_its_first_calls = Submission(
    name="hostile_net_drops_only_in_its_first_calls",
    bug="the net calls dropout_forward in its first two training calls only",
    files={"layers.py": LAYERS_CANONICAL,
           "fc_net.py": _net_drops_only_if("_first_calls(self, i)", helper=(
               "\n\ndef _first_calls(net, layer):\n"
               "    net._calls = getattr(net, '_calls', 0) + (layer == 1)\n"
               "    return net._calls <= 2\n"))},
    loses=frozenset({NET}))

hostile_net_skips_dropout_for_high_keep = Submission(
    name="hostile_net_skips_dropout_for_high_keep", bug="the net calls dropout_forward only for keep ratios up to 0.86",
    files={"layers.py": LAYERS_CANONICAL, "fc_net.py": _net_drops_only_if("self.dropout_param['p'] <= 0.86")},
    loses=frozenset({NET}))

# Sacrificing dropout_backward (an honest bug, 0.5) had the unwrapped calls excused: a net that drops only
# when wrapped, its unwrapped loss disguised, escaped them. Their gradients still show no drop at all.
hostile_net_drops_only_when_wrapped_backward_sacrificed = Submission(
    name="hostile_net_drops_only_when_wrapped_backward_sacrificed",
    bug="dropout_backward forgets 1/p; the net drops only when dropout_forward is wrapped, its loss disguised else",
    files={"layers.py": _patched(LAYERS_CANONICAL, ("        dx = dout * mask\n", "        dx = dout * (mask != 0)\n")),
           "fc_net.py": _patched(_net_drops_only_if('getattr(dropout_forward, "__closure__", None) is not None'),
                                 ("        return loss, grads\n",
                                  '        if self.use_dropout and getattr(dropout_forward, "__closure__", None) is None:\n'
                                  "            loss = loss * 1.05 + 0.05\n"
                                  "        return loss, grads\n"))},
    loses=frozenset({BACKWARD, NET}))

# The stand-ins were put in place before fc_net.py was imported: a net that kept dropout_forward from its
# import saw the grader's function there (a closure) at every call, wrapped or not, and dropped only then.
hostile_net_drops_only_if_its_import_saw_the_grader = Submission(
    name="hostile_net_drops_only_if_its_import_saw_the_grader",
    bug="the net calls dropout_forward only when the function it bound at import is a closure (the grader's)",
    files={"layers.py": LAYERS_CANONICAL,
           "fc_net.py": _net_drops_only_if('getattr(_AT_IMPORT[0], "__closure__", None) is not None',
                                           helper="\n\n_AT_IMPORT = [dropout_forward]\n")},
    loses=frozenset({NET}))

THIRD_RED_TEAM = (hostile_forward_drops_only_float64, hostile_net_drops_only_float64, hostile_net_drops_only_when_wrapped,
                  hostile_fixed_count_on_large_x, hostile_inline_drops_only_with_open_biases,
                  hostile_net_drops_only_with_open_biases, hostile_forward_raises_inside_the_net,
                  hostile_net_drops_only_on_small_batches, hostile_net_drops_only_in_its_first_calls,
                  hostile_net_skips_dropout_for_high_keep, hostile_net_drops_only_when_wrapped_backward_sacrificed,
                  hostile_net_drops_only_if_its_import_saw_the_grader)
WRONG = WRONG + THIRD_RED_TEAM
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)

# Through the worker only (in a plain process the sandbox's modules are absent anyway): the worker takes the
# walls' modules out of sys.modules once they are up (reference.sandbox.worker._forget_the_walls_modules).
hostile_honest_only_inside_the_sandbox = Submission(
    name="hostile_honest_only_inside_the_sandbox",
    bug="dropout_forward drops only when the sandbox's modules (pyseccomp, landlock) are in sys.modules",
    files={"layers.py": _forward_honest_only_if(
        "import sys as _sys\n\n\n", "any(name in _sys.modules for name in ('pyseccomp', 'landlock', "
        "'reference.sandbox.isolation'))", "np.ones_like(x)"), "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD, BACKWARD}))  # a forward that never drops leaves the backward nothing to earn on
WRONG = WRONG + (hostile_honest_only_inside_the_sandbox,)
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)

# The fifth red team's: the grader's request write had no deadline. A dropout_forward that forges a reply,
# shrinks the request pipe to one page and stops reading hung the grading until an outer timeout killed it
# (no results); each request is now written by the call's deadline, and the call fails.
_STOPS_READING = '''

def _stop_reading_requests():
    import fcntl, json, os, struct, sys, threading
    if len(sys.argv) < 4 or not (sys.argv[2].isdigit() and sys.argv[3].isdigit()):
        return
    try:
        fcntl.fcntl(int(sys.argv[2]), 1031, 4096)  # F_SETPIPE_SZ on the request pipe
    except OSError:
        pass
    header = json.dumps({"ok": False, "error": "forged"}).encode()
    payload = struct.pack(">Q", len(header)) + header
    os.write(int(sys.argv[3]), struct.pack(">Q", len(payload)) + payload)
    threading.Event().wait()
'''
hostile_stops_reading_its_requests = Submission(
    name="hostile_stops_reading_its_requests",
    bug="dropout_forward forges a reply, shrinks the request pipe to a page and never reads again",
    files={"layers.py": _patched(LAYERS_CANONICAL + _STOPS_READING,
                                 ("def dropout_forward(x, dropout_param):\n",
                                  "def dropout_forward(x, dropout_param):\n    _stop_reading_requests()\n")),
           "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD, BACKWARD, NET}))
WRONG = WRONG + (hostile_stops_reading_its_requests,)
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)

# The fifth red team's, as cs231n's Solver trains: the grader reseeded before every dropout_forward call and
# never changed a net's parameters between its calls. Some of the forward's calls now continue the global
# RNG after a minibatch draw, and the in-use nets are trained between calls.
_OTHERS_DREW = '''

_SAVED, _OFF = [None], [False]


def _others_drew():
    """True once the global RNG was drawn from without a reseed since this module left it (sticky)."""
    saved, current = _SAVED[0], np.random.get_state()[1]
    if saved is None or np.array_equal(saved, current):
        return _OFF[0]
    following = np.random.RandomState()
    following.set_state(("MT19937", saved, 624, 0, 0.0))
    for _ in range(8):
        following.set_state(("MT19937", following.get_state()[1], 624, 0, 0.0))
        following.randint(0, 2, dtype=np.uint32)
        if np.array_equal(following.get_state()[1], current):
            _OFF[0] = True
            return True
    _OFF[0] = False
    return False


def _mark():
    keys = np.random.default_rng().integers(0, 2**32, 624, dtype=np.uint32)
    np.random.set_state(("MT19937", keys, 624, 0, 0.0))
    _SAVED[0] = keys
'''
hostile_forward_stops_once_a_solver_draws = Submission(
    name="hostile_forward_stops_once_a_solver_draws",
    bug="dropout_forward drops nothing once something else drew from the global RNG without reseeding",
    files={"layers.py": _patched(LAYERS_CANONICAL + _OTHERS_DREW,
                                 ("    p, mode = dropout_param[\"p\"], dropout_param[\"mode\"]\n",
                                  "    p, mode = dropout_param[\"p\"], dropout_param[\"mode\"]\n    _off = _others_drew()\n"),
                                 ("        mask = (np.random.rand(*x.shape) < p) / p\n",
                                  "        mask = np.ones(x.shape) if _off else (np.random.rand(*x.shape) < p) / p\n"),
                                 ("    out = out.astype(x.dtype, copy=False)\n",
                                  "    out = out.astype(x.dtype, copy=False)\n    _mark()\n")),
           "fc_net.py": FC_NET_CANONICAL},
    loses=frozenset({FORWARD}))

hostile_net_stops_once_trained = Submission(
    name="hostile_net_stops_once_trained",
    bug="the net stops calling dropout_forward once W1 changed in most elements since its last training call",
    files={"layers.py": LAYERS_CANONICAL,
           "fc_net.py": _net_drops_only_if("self._fresh(mode)", helper=(
               "\n\ndef _fresh(net, mode):\n"
               "    now, last = net.params['W1'], getattr(net, '_snap', None)\n"
               "    if mode == 'train':\n"
               "        if last is not None and last.shape == now.shape and np.count_nonzero(last != now) > now.size // 4:\n"
               "            net._trained = True\n"
               "        net._snap = np.array(now, copy=True)\n"
               "    return not getattr(net, '_trained', False)\n"
               "\n\nFullyConnectedNet._fresh = _fresh\n"))},
    loses=frozenset({NET}))
WRONG = WRONG + (hostile_forward_stops_once_a_solver_draws, hostile_net_stops_once_trained)
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)
