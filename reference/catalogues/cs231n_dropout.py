"""Student submissions for `cs231n-dropout` (cs231n assignment 2, dropout notebook; p is the KEEP
probability), as data: each is the folder a student hands in (docs/assignments/).

A submission is `layers.py` and `fc_net.py` at the folder top, or cs231n's own layout
`cs231n/layers.py` and `cs231n/classifiers/fc_net.py`, with an optional `layer_utils.py` beside
layers.py (the grader supplies the course's one when it is absent). No `__init__.py` is handed in.

CORRECT submissions (loses empty) are written in different styles; every WRONG one is a correct one
with one realistic bug, and `loses` names exactly the parts that bug costs:
- "Dropout forward": keep probability p, kept elements scaled by 1/p, a fresh independent mask per
  call, same seed => same mask, identity in test mode.
- "Dropout backward": dx is the derivative of the submission's OWN forward (a forward bug with a
  backward consistent with it keeps these points), but only if the forward draws genuine masks.
- "Fully-connected net": scores, loss and gradients vs torch, with the masks the net's own
  dropout_forward calls recorded (so a wrong dropout_forward scale costs nothing here, whereas the
  net's gradients go through the submission's dropout_backward, whose bugs cost this part too).
"""
from .submission import Submission

FORWARD = "Dropout forward"
BACKWARD = "Dropout backward"
NET = "Fully-connected net"


def _patched(text, *edits):
    """`text` with each (old, new) applied in turn; every `old` must occur exactly once."""
    for old, new in edits:
        assert text.count(old) == 1, f"edit target occurs {text.count(old)} times, not once: {old!r}"
        text = text.replace(old, new)
    return text


def _wrong(name, bug, loses, base, **edits):
    """A copy of the correct submission `base` with the bug `bug`: edits maps a file (its path with
    '/' and '.' spelled '__' and '_', e.g. cs231n__layers_py) to the (old, new) edits made to it."""
    files = dict(base.files)
    for key, file_edits in edits.items():
        path = {_key(path): path for path in files}[key]
        files[path] = _patched(files[path], *file_edits)
    return Submission(name=name, bug=bug, files=files, loses=frozenset(loses))


def _key(path):
    return path.replace("/", "__").replace(".", "_")


# ---- Building blocks of layers.py ---------------------------------------------------------------

_HEADER = r'''
from builtins import range
import numpy as np
'''

# affine / relu / softmax, vectorized with log-softmax (the common solution).
_BASICS_A = r'''

def affine_forward(x, w, b):
    """
    Computes the forward pass for an affine (fully connected) layer.

    x: (N, d_1, ..., d_k), w: (D, M), b: (M,) -> out (N, M), cache (x, w, b)
    """
    out = x.reshape(x.shape[0], -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """dout: (N, M) -> dx (N, d1, ..., d_k), dw (D, M), db (M,)"""
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    x = cache
    dx = dout * (x > 0)
    return dx


def softmax_loss(x, y):
    """x: scores (N, C), y: labels (N,) -> loss (mean over N), dx (N, C)"""
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
'''

# The same with np.prod / np.dot, a copy-and-zero relu and softmax through normalized probabilities.
_BASICS_B = r'''

def affine_forward(x, w, b):
    N = x.shape[0]
    D = np.prod(x.shape[1:])
    x_row = x.reshape(N, D)
    out = np.dot(x_row, w) + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    x_row = x.reshape(N, -1)
    dx = np.dot(dout, w.T).reshape(*x.shape)
    dw = np.dot(x_row.T, dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = x * (x > 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def softmax_loss(x, y):
    num_train = x.shape[0]
    scores = x - np.max(x, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(num_train), y]))
    dx = probs.copy()
    dx[np.arange(num_train), y] -= 1
    dx /= num_train
    return loss, dx
'''

# The canonical solution: mask = (rand < p) / p, cache (dropout_param, mask), the skeleton's mode branches.
_DROPOUT_CANONICAL = r'''

def dropout_forward(x, dropout_param):
    """
    Performs the forward pass for (inverted) dropout.

    dropout_param: p (keep each neuron output with probability p), mode ('test' or 'train'),
    seed (optional, for gradient checking).
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)

    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    dx = None
    if mode == "train":
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx
'''

# np.random.binomial keep mask, cache a dict holding the mode of the forward call.
_DROPOUT_BINOMIAL = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])

    mask = None
    out = None

    if mode == 'train':
        mask = np.random.binomial(1, p, size=x.shape) / p
        out = x * mask
    elif mode == 'test':
        out = x

    cache = {'mode': mode, 'mask': mask}
    out = out.astype(x.dtype, copy=False)

    return out, cache


def dropout_backward(dout, cache):
    mode = cache['mode']
    dx = None
    if mode == 'train':
        dx = dout * cache['mask']
    elif mode == 'test':
        dx = dout
    return dx
'''

# A Generator of its own, seeded from the global RNG at every call (so dropout_param's seed, which
# reseeds the global RNG, still fixes the mask); a boolean keep mask in a tuple cache.
_DROPOUT_GENERATOR = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    rng = np.random.default_rng(np.random.randint(2**31 - 1))

    if mode == "train":
        keep = rng.random(x.shape) < p
        out = np.where(keep, x / p, 0)
        cache = (mode, keep, p)
    else:
        out = x
        cache = (mode, None, p)

    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    mode, keep, p = cache
    if mode == "train":
        dx = np.where(keep, dout / p, 0)
    else:
        dx = dout
    return dx
'''

# A loop over the rows (example by example), drawing the same stream as rand(*x.shape).
_DROPOUT_ROW_LOOP = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        mask = np.zeros(x.shape)
        for i in range(x.shape[0]):
            mask[i] = (np.random.rand(*x.shape[1:]) < p) / p
        out = x * mask
    elif mode == "test":
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)

    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
    return dx
'''

# np.random.choice of a boolean keep mask, the 1/p applied separately; a dict cache.
_DROPOUT_CHOICE = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    cache = {"mode": mode, "p": p, "mask": None}
    if mode == "train":
        mask = np.random.choice([False, True], size=x.shape, p=[1 - p, p])
        out = x * mask / p
        cache["mask"] = mask
    else:
        out = x

    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    if cache["mode"] == "train":
        dx = dout * cache["mask"] / cache["p"]
    else:
        dx = dout
    return dx
'''

# A scaled float mask in x's dtype; the cache is the mask itself (None in test mode).
_DROPOUT_FLOAT_MASK = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        mask = (np.random.uniform(size=x.shape) < p).astype(x.dtype) / p
        out = x * mask
    elif mode == "test":
        out = x

    cache = mask
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    mask = cache
    if mask is None:  # test mode
        return dout
    return dout * mask
'''

# np.where with a boolean keep mask; cache a dict.
_DROPOUT_WHERE = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    if mode == "train":
        keep = np.random.random(x.shape) < p
        out = np.where(keep, x, 0) / p
    else:
        keep = None
        out = x

    cache = {"mode": mode, "keep": keep, "p": p}
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    if cache["mode"] == "train":
        return np.where(cache["keep"], dout, 0) / cache["p"]
    return dout
'''

# Stores where units are DROPPED and zeroes those positions of a scaled copy.
_DROPOUT_DROP_MASK = r'''

def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        mask = np.random.rand(*x.shape) >= p  # True where the unit is dropped
        out = x / p
        out[mask] = 0
    elif mode == "test":
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    dx = None
    if dropout_param["mode"] == "train":
        dx = dout / dropout_param["p"]
        dx[mask] = 0
    elif dropout_param["mode"] == "test":
        dx = dout
    return dx
'''

LAYERS_CANONICAL = _HEADER + _BASICS_A + _DROPOUT_CANONICAL
LAYERS_BINOMIAL = _HEADER + _BASICS_A + _DROPOUT_BINOMIAL
LAYERS_GENERATOR = _HEADER + _BASICS_B + _DROPOUT_GENERATOR
LAYERS_ROW_LOOP = _HEADER + _BASICS_B + _DROPOUT_ROW_LOOP
LAYERS_CHOICE = _HEADER + _BASICS_A + _DROPOUT_CHOICE
LAYERS_FLOAT_MASK = _HEADER + _BASICS_B + _DROPOUT_FLOAT_MASK
LAYERS_WHERE = _HEADER + _BASICS_A + _DROPOUT_WHERE
LAYERS_DROP_MASK = _HEADER + _BASICS_A + _DROPOUT_DROP_MASK

# ---- layer_utils.py written by students -----------------------------------------------------------

_SANDWICH = r'''


def affine_relu_forward(x, w, b):
    """Convenience layer: an affine transform followed by a ReLU."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db
'''

LAYER_UTILS_RELATIVE = "from .layers import *" + _SANDWICH
LAYER_UTILS_ABSOLUTE = "from layers import *" + _SANDWICH
# A dropout sandwich too: the net's dropout_forward calls are made from layer_utils.
LAYER_UTILS_WITH_DROPOUT = LAYER_UTILS_RELATIVE + r'''


def affine_relu_dropout_forward(x, w, b, dropout_param):
    out, ar_cache = affine_relu_forward(x, w, b)
    out, do_cache = dropout_forward(out, dropout_param)
    return out, (ar_cache, do_cache)


def affine_relu_dropout_backward(dout, cache):
    ar_cache, do_cache = cache
    dout = dropout_backward(dout, do_cache)
    return affine_relu_backward(dout, ar_cache)
'''

# ---- fc_net.py ------------------------------------------------------------------------------------

# The common 2020 solution: affine_relu sandwiches, caches in a dict, the reg gradient added per layer.
FC_NET_CANONICAL = r'''
from builtins import range
from builtins import object
import numpy as np

from .layers import *
from .layer_utils import *


class FullyConnectedNet(object):
    """
    A fully-connected neural network with an arbitrary number of hidden layers, ReLU
    nonlinearities, and a softmax loss function. For a network with L layers the architecture is

    {affine - relu - [dropout]} x (L - 1) - affine - softmax
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        layer_dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params["W" + str(i + 1)] = weight_scale * np.random.randn(layer_dims[i], layer_dims[i + 1])
            self.params["b" + str(i + 1)] = np.zeros(layer_dims[i + 1])

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Scores (N, C) for y None (test mode), else (loss, grads)."""
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        if self.use_dropout:
            self.dropout_param["mode"] = mode

        scores = None
        caches = {}
        out = X
        for i in range(1, self.num_layers):
            W, b = self.params["W" + str(i)], self.params["b" + str(i)]
            out, caches["affine_relu" + str(i)] = affine_relu_forward(out, W, b)
            if self.use_dropout:
                out, caches["dropout" + str(i)] = dropout_forward(out, self.dropout_param)
        L = self.num_layers
        scores, caches["affine" + str(L)] = affine_forward(out, self.params["W" + str(L)], self.params["b" + str(L)])

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        loss, dscores = softmax_loss(scores, y)
        for i in range(1, L + 1):
            W = self.params["W" + str(i)]
            loss += 0.5 * self.reg * np.sum(W * W)

        dout, dW, db = affine_backward(dscores, caches["affine" + str(L)])
        grads["W" + str(L)] = dW + self.reg * self.params["W" + str(L)]
        grads["b" + str(L)] = db
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, caches["dropout" + str(i)])
            dout, dW, db = affine_relu_backward(dout, caches["affine_relu" + str(i)])
            grads["W" + str(i)] = dW + self.reg * self.params["W" + str(i)]
            grads["b" + str(i)] = db

        return loss, grads
'''

# The 2019 release (keep argument `dropout`): zip over layer sizes, caches in a list, the reg
# gradient added in a final loop.
FC_NET_2019 = r'''
from builtins import range
from builtins import object
import numpy as np

from ..layers import *
from ..layer_utils import *


class FullyConnectedNet(object):
    """
    {affine - relu - [dropout]} x (L - 1) - affine - softmax
    """

    def __init__(self, hidden_dims, input_dim=3*32*32, num_classes=10,
                 dropout=1, normalization=None, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:])):
            self.params['W%d' % (i + 1)] = np.random.randn(fan_in, fan_out) * weight_scale
            self.params['b%d' % (i + 1)] = np.zeros(fan_out)

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {'mode': 'train', 'p': dropout}
            if seed is not None:
                self.dropout_param['seed'] = seed

        self.bn_params = []

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = 'test' if y is None else 'train'

        if self.use_dropout:
            self.dropout_param['mode'] = mode

        caches = []
        h = X
        for i in range(1, self.num_layers):
            h, cache = affine_relu_forward(h, self.params['W%d' % i], self.params['b%d' % i])
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((cache, drop_cache))
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])

        if mode == 'test':
            return scores

        loss, grads = 0.0, {}
        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.5 * self.reg * sum(np.sum(self.params['W%d' % i] ** 2) for i in range(1, L + 1))
        loss = data_loss + reg_loss

        dh, grads['W%d' % L], grads['b%d' % L] = affine_backward(dscores, last_cache)
        for i in reversed(range(1, L)):
            cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            dh, grads['W%d' % i], grads['b%d' % i] = affine_relu_backward(dh, cache)

        for i in range(1, L + 1):
            grads['W%d' % i] += self.reg * self.params['W%d' % i]

        return loss, grads
'''

# cs231n's absolute imports, f-strings, `[input_dim] + hidden_dims` (hidden_dims passed as a list,
# as the notebook does).
FC_NET_ABSOLUTE = r'''
import numpy as np

from cs231n.layers import *
from cs231n.layer_utils import *


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = np.random.randn(dims[i - 1], dims[i]) * weight_scale
            self.params[f"b{i}"] = np.zeros(dims[i])

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        cache = {}
        out = X
        for i in range(1, self.num_layers):
            out, cache[f"fc{i}"] = affine_relu_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            if self.use_dropout:
                out, cache[f"drop{i}"] = dropout_forward(out, self.dropout_param)
        L = self.num_layers
        scores, cache["out"] = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        loss, dout = softmax_loss(scores, y)
        weights = [self.params[f"W{i}"] for i in range(1, L + 1)]
        loss += 0.5 * self.reg * sum(np.sum(W ** 2) for W in weights)

        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, cache["out"])
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, cache[f"drop{i}"])
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, cache[f"fc{i}"])
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]

        return loss, grads
'''

# Flat folder run as plain modules (`from layers import *`), keep argument `dropout`, per-layer
# cache lists.
FC_NET_PLAIN_IMPORTS = r'''
import numpy as np

from layers import *
from layer_utils import *


class FullyConnectedNet(object):
    """
    A fully-connected neural network with an arbitrary number of hidden layers,
    ReLU nonlinearities, and a softmax loss function.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout=1, normalization=None, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        in_dim = input_dim
        for layer, out_dim in enumerate(list(hidden_dims) + [num_classes], start=1):
            self.params["W%d" % layer] = weight_scale * np.random.randn(in_dim, out_dim)
            self.params["b%d" % layer] = np.zeros(out_dim)
            in_dim = out_dim

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        num_hidden = self.num_layers - 1
        ar_caches, do_caches = [None] * num_hidden, [None] * num_hidden
        h = X
        for l in range(num_hidden):
            W, b = self.params["W%d" % (l + 1)], self.params["b%d" % (l + 1)]
            h, ar_caches[l] = affine_relu_forward(h, W, b)
            if self.use_dropout:
                h, do_caches[l] = dropout_forward(h, self.dropout_param)
        W, b = self.params["W%d" % self.num_layers], self.params["b%d" % self.num_layers]
        scores, out_cache = affine_forward(h, W, b)

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        loss, dscores = softmax_loss(scores, y)
        for l in range(1, self.num_layers + 1):
            loss += 0.5 * self.reg * np.sum(np.square(self.params["W%d" % l]))

        dh, dW, db = affine_backward(dscores, out_cache)
        grads["W%d" % self.num_layers] = dW + self.reg * W
        grads["b%d" % self.num_layers] = db
        for l in range(num_hidden - 1, -1, -1):
            if self.use_dropout:
                dh = dropout_backward(dh, do_caches[l])
            dh, dW, db = affine_relu_backward(dh, ar_caches[l])
            grads["W%d" % (l + 1)] = dW + self.reg * self.params["W%d" % (l + 1)]
            grads["b%d" % (l + 1)] = db

        return loss, grads
'''

# Uses its own dropout sandwich from layer_utils (LAYER_UTILS_WITH_DROPOUT).
FC_NET_SANDWICH = r'''
from builtins import range
from builtins import object
import numpy as np

from ..layers import *
from ..layer_utils import *


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        sizes = [input_dim, *hidden_dims, num_classes]
        for i in range(self.num_layers):
            self.params["W" + str(i + 1)] = weight_scale * np.random.randn(sizes[i], sizes[i + 1])
            self.params["b" + str(i + 1)] = np.zeros(sizes[i + 1])

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        caches = []
        out = X
        for i in range(1, self.num_layers):
            W, b = self.params["W" + str(i)], self.params["b" + str(i)]
            if self.use_dropout:
                out, cache = affine_relu_dropout_forward(out, W, b, self.dropout_param)
            else:
                out, cache = affine_relu_forward(out, W, b)
            caches.append(cache)
        L = self.num_layers
        scores, last_cache = affine_forward(out, self.params["W" + str(L)], self.params["b" + str(L)])

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.0
        for i in range(1, L + 1):
            reg_loss += np.sum(self.params["W" + str(i)] ** 2)
        loss += 0.5 * self.reg * reg_loss

        dout, dw, db = affine_backward(dscores, last_cache)
        grads["W" + str(L)] = dw + self.reg * self.params["W" + str(L)]
        grads["b" + str(L)] = db
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout, dw, db = affine_relu_dropout_backward(dout, caches[i - 1])
            else:
                dout, dw, db = affine_relu_backward(dout, caches[i - 1])
            grads["W" + str(i)] = dw + self.reg * self.params["W" + str(i)]
            grads["b" + str(i)] = db

        return loss, grads
'''

# No layer_utils at all: affine, relu and dropout called one by one; weights from np.random.normal
# (the same draws as weight_scale * randn); keep argument `dropout`.
FC_NET_NO_UTILS = r'''
import numpy as np

from .layers import *


class FullyConnectedNet(object):
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        self.normalization = normalization
        self.use_dropout = dropout != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params["W%d" % (i + 1)] = np.random.normal(0.0, weight_scale, (dims[i], dims[i + 1]))
            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])

        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode

        layer_caches = []
        h = X
        for i in range(1, self.num_layers):
            h, fc_cache = affine_forward(h, self.params["W%d" % i], self.params["b%d" % i])
            h, relu_cache = relu_forward(h)
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            layer_caches.append((fc_cache, relu_cache, drop_cache))
        L = self.num_layers
        scores, fc_cache = affine_forward(h, self.params["W%d" % L], self.params["b%d" % L])

        if mode == "test":
            return scores

        grads = {}
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * np.sum([np.sum(self.params["W%d" % i] ** 2) for i in range(1, L + 1)])

        dh, grads["W%d" % L], grads["b%d" % L] = affine_backward(dscores, fc_cache)
        for i in range(L - 1, 0, -1):
            fc_cache, relu_cache, drop_cache = layer_caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            dh = relu_backward(dh, relu_cache)
            dh, grads["W%d" % i], grads["b%d" % i] = affine_backward(dh, fc_cache)
        for i in range(1, L + 1):
            grads["W%d" % i] = grads["W%d" % i] + self.reg * self.params["W%d" % i]

        return loss, grads
'''

_RELATIVE_IMPORTS = "from .layers import *\nfrom .layer_utils import *\n"

# ---- CORRECT submissions --------------------------------------------------------------------------

flat_canonical = Submission(
    name="flat_canonical", bug="",
    files={"layers.py": LAYERS_CANONICAL, "fc_net.py": FC_NET_CANONICAL})

cs231n_layout_binomial_2019 = Submission(
    name="cs231n_layout_binomial_2019", bug="",
    files={"cs231n/layers.py": LAYERS_BINOMIAL, "cs231n/classifiers/fc_net.py": FC_NET_2019})

cs231n_layout_generator_absolute_imports = Submission(
    name="cs231n_layout_generator_absolute_imports", bug="",
    files={"cs231n/layers.py": LAYERS_GENERATOR, "cs231n/layer_utils.py": LAYER_UTILS_RELATIVE,
           "cs231n/classifiers/fc_net.py": FC_NET_ABSOLUTE})

flat_plain_imports_row_loop = Submission(
    name="flat_plain_imports_row_loop", bug="",
    files={"layers.py": LAYERS_ROW_LOOP, "layer_utils.py": LAYER_UTILS_ABSOLUTE,
           "fc_net.py": FC_NET_PLAIN_IMPORTS})

cs231n_layout_dropout_sandwich = Submission(
    name="cs231n_layout_dropout_sandwich", bug="",
    files={"cs231n/layers.py": LAYERS_CHOICE, "cs231n/layer_utils.py": LAYER_UTILS_WITH_DROPOUT,
           "cs231n/classifiers/fc_net.py": FC_NET_SANDWICH})

flat_float_mask_no_layer_utils = Submission(
    name="flat_float_mask_no_layer_utils", bug="",
    files={"layers.py": LAYERS_FLOAT_MASK, "fc_net.py": FC_NET_NO_UTILS})

flat_cs231n_imports_where = Submission(
    name="flat_cs231n_imports_where", bug="",
    files={"layers.py": LAYERS_WHERE,
           "fc_net.py": _patched(FC_NET_CANONICAL, (_RELATIVE_IMPORTS,
                                                    "from cs231n.layers import *\nfrom cs231n.layer_utils import *\n"))})

cs231n_layout_drop_mask = Submission(
    name="cs231n_layout_drop_mask", bug="",
    files={"cs231n/layers.py": LAYERS_DROP_MASK,
           "cs231n/classifiers/fc_net.py": _patched(FC_NET_CANONICAL, (_RELATIVE_IMPORTS,
                                                                       "from ..layers import *\nfrom ..layer_utils import *\n"))})

# A guarded log in the softmax, as public solutions write it (issue 18: 1e-20 cost a correct net its part
# when the drawn logits went past any a trained net reaches), and an epsilon of 1e-8.
flat_guarded_softmax = _wrong("flat_guarded_softmax", "", (), flat_canonical, layers_py=[(
    "    loss = -np.sum(log_probs[np.arange(N), y]) / N\n",
    "    loss = -np.sum(np.log(1e-20 + probs[np.arange(N), y])) / N\n")])
flat_softmax_epsilon = _wrong("flat_softmax_epsilon", "", (), flat_canonical, layers_py=[(
    "    loss = -np.sum(log_probs[np.arange(N), y]) / N\n",
    "    loss = -np.mean(np.log(probs[np.arange(N), y] + 1e-8))\n")])

CORRECT = (flat_canonical, cs231n_layout_binomial_2019, cs231n_layout_generator_absolute_imports,
           flat_plain_imports_row_loop, cs231n_layout_dropout_sandwich, flat_float_mask_no_layer_utils,
           flat_cs231n_imports_where, cs231n_layout_drop_mask, flat_guarded_softmax, flat_softmax_epsilon)

# ---- WRONG submissions ----------------------------------------------------------------------------

_CANONICAL_MASK = "mask = (np.random.rand(*x.shape) < p) / p"
_CANONICAL_SEEDING = '    if "seed" in dropout_param:\n        np.random.seed(dropout_param["seed"])\n'

WRONG = (
    # -- dropout_forward bugs whose backward is consistent with them: forward only
    _wrong("keep_prob_as_drop_prob", "2017 convention: drops with probability p and scales by 1/(1-p)",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_MASK, "mask = (np.random.rand(*x.shape) > p) / (1 - p)")]),
    _wrong("mask_without_rescale", "keeps with probability p but never divides by p (forward and backward)",
           {FORWARD}, flat_float_mask_no_layer_utils,
           layers_py=[("mask = (np.random.uniform(size=x.shape) < p).astype(x.dtype) / p",
                       "mask = (np.random.uniform(size=x.shape) < p).astype(x.dtype)")]),
    _wrong("reseeds_zero_without_seed", "calls np.random.seed(0) when no seed is given: the same mask every call",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_SEEDING, '    np.random.seed(dropout_param.get("seed", 0))\n')]),
    _wrong("row_mask_drawn_once", "draws one row's mask outside its row loop: every example gets the same mask",
           {FORWARD}, flat_plain_imports_row_loop,
           layers_py=[("        for i in range(x.shape[0]):\n"
                       "            mask[i] = (np.random.rand(*x.shape[1:]) < p) / p\n",
                       "        row_mask = (np.random.rand(*x.shape[1:]) < p) / p\n"
                       "        for i in range(x.shape[0]):\n"
                       "            mask[i] = row_mask\n")]),
    _wrong("mask_per_row", "draws one keep/drop decision per row (rand(*x.shape[:-1], 1)), shared along the last axis",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_MASK, "mask = (np.random.rand(*x.shape[:-1], 1) < p) / p")]),
    _wrong("randn_instead_of_rand", "mask from randn < p: keeps with probability Phi(p), not p",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_MASK, "mask = (np.random.randn(*x.shape) < p) / p")]),
    # -- forward bugs the net meets in its own calls: each costs the forward alone (issue 18). The net is
    # judged given what its dropout_forward returned in each mode, and on the seed it hands each call.
    # Test-mode backward is judged against the derivative of the own test-mode forward (p * dout).
    _wrong("vanilla_dropout_scaled_at_test", "non-inverted dropout: unscaled mask in train, x * p in test",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_MASK, "mask = np.random.rand(*x.shape) < p"),
                      ("        out = x\n", "        out = x * p\n"),
                      ("        dx = dout\n", '        dx = dout * dropout_param["p"]\n')]),
    # Backward ignores mode like forward does: consistent with it in both modes.
    _wrong("dropout_applied_in_test_mode", "ignores mode: drops units at test time too",
           {FORWARD}, flat_canonical,
           layers_py=[('    if mode == "train":\n'
                       "        mask = (np.random.rand(*x.shape) < p) / p\n"
                       "        out = x * mask\n"
                       '    elif mode == "test":\n'
                       "        out = x\n",
                       "    mask = (np.random.rand(*x.shape) < p) / p\n"
                       "    out = x * mask\n"),
                      ('    if mode == "train":\n'
                       "        dx = dout * mask\n"
                       '    elif mode == "test":\n'
                       "        dx = dout\n",
                       "    dx = dout * mask\n")]),
    _wrong("seed_ignored", "never reseeds from dropout_param['seed']: the same seed gives different masks",
           {FORWARD}, cs231n_layout_binomial_2019,
           cs231n__layers_py=[("    if 'seed' in dropout_param:\n        np.random.seed(dropout_param['seed'])\n", "")]),
    _wrong("generator_ignores_seed", "masks from a Generator made once at import, which the seed never reaches",
           {FORWARD}, cs231n_layout_generator_absolute_imports,
           cs231n__layers_py=[("import numpy as np\n", "import numpy as np\n\n_RNG = np.random.default_rng()\n"),
                              ("    rng = np.random.default_rng(np.random.randint(2**31 - 1))\n",
                               "    rng = _RNG\n")]),
    _wrong("test_mode_scaled_in_forward_only", "test mode returns x * p (vanilla dropout's), while the backward "
           "is the identity there as asked", {FORWARD}, flat_canonical,
           layers_py=[("        out = x\n", "        out = x * p\n")]),
    _wrong("seed_honoured_once", "honours dropout_param['seed'] only at its first call",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_SEEDING, '    if "seed" in dropout_param and not _SEEDED:\n'
                                           '        _SEEDED.append(1)\n'
                                           '        np.random.seed(dropout_param["seed"])\n'),
                      ("def dropout_forward(x, dropout_param):\n", "_SEEDED = []\n\n\ndef dropout_forward(x, dropout_param):\n")]),
    # A forward that raises on some calls: the net's calls of it that raise run with a genuine dropout in
    # its place (the forward's own check charges it), so the net is judged on its own code.
    _wrong("forward_raises_in_test_mode", "mask is set in the train branch only: test mode raises "
           "UnboundLocalError", {FORWARD}, flat_canonical,
           layers_py=[("    mask = None\n    out = None\n", "    out = None\n")]),
    _wrong("forward_requires_a_seed", "reseeds with dropout_param['seed'] unconditionally: a call without a "
           "seed raises KeyError", {FORWARD}, flat_canonical,
           layers_py=[('    if "seed" in dropout_param:\n        np.random.seed(dropout_param["seed"])\n',
                       '    np.random.seed(dropout_param["seed"])\n')]),
    _wrong("mask_for_two_dimensions_only", "draws its mask as rand(x.shape[0], x.shape[1]): x of any other rank fails",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_MASK, "mask = (np.random.rand(x.shape[0], x.shape[1]) < p) / p")]),
    # The forward never drops, so the (consistent) backward earns nothing either; the net, checked
    # with the masks its dropout_forward calls recorded (all ones), is right.
    _wrong("mode_typo_never_drops", "compares mode with 'Train': train mode is the identity",
           {FORWARD, BACKWARD}, flat_canonical,
           layers_py=[('    if mode == "train":\n'
                       "        mask = (np.random.rand(*x.shape) < p) / p\n"
                       "        out = x * mask\n"
                       '    elif mode == "test":\n',
                       '    if mode == "Train":\n'
                       "        mask = (np.random.rand(*x.shape) < p) / p\n"
                       "        out = x * mask\n"
                       "    else:\n"),
                      ('    if mode == "train":\n'
                       "        dx = dout * mask\n"
                       '    elif mode == "test":\n',
                       '    if mode == "Train":\n'
                       "        dx = dout * mask\n"
                       "    else:\n")]),
    # Its backward is the assignment's (dout * mask / p): only the forward is charged (the net's gradients
    # are its loss's with the grader's stand-in for dropout_backward; without it, the mismatch is the parts').
    _wrong("rescale_only_in_backward", "divides by p in backward only: forward output unscaled",
           {FORWARD}, flat_canonical,
           layers_py=[(_CANONICAL_MASK, "mask = np.random.rand(*x.shape) < p"),
                      ("        dx = dout * mask\n", '        dx = dout * mask / dropout_param["p"]\n')]),
    # -- dropout_backward bugs: backward alone (the net is judged given what its dropout_backward calls returned)
    _wrong("backward_ignores_mask", "backward returns dout unmasked in train mode",
           {BACKWARD}, flat_canonical,
           layers_py=[("        dx = dout * mask\n", "        dx = dout\n")]),
    _wrong("backward_forgets_rescale", "backward applies the boolean mask but not the 1/p",
           {BACKWARD}, cs231n_layout_dropout_sandwich,
           cs231n__layers_py=[('dx = dout * cache["mask"] / cache["p"]', 'dx = dout * cache["mask"]')]),
    _wrong("backward_zeroes_kept_units", "backward zeroes the kept positions instead of the dropped ones",
           {BACKWARD}, cs231n_layout_drop_mask,
           cs231n__layers_py=[("        dx[mask] = 0\n", "        dx[~mask] = 0\n")]),
    _wrong("backward_divides_by_p_again", "backward divides by p although the mask it saved is already scaled",
           {BACKWARD}, flat_canonical,
           layers_py=[("        dx = dout * mask\n", '        dx = dout * mask / dropout_param["p"]\n')]),
    _wrong("backward_masks_in_test_mode", "backward multiplies by 1 / p in test mode (forward is the identity there)",
           {BACKWARD}, flat_canonical,
           layers_py=[('    elif mode == "test":\n        dx = dout\n',
                       '    elif mode == "test":\n        dx = dout / dropout_param["p"]\n')]),
    # A net bug beside a right dropout_backward: each layer's backward is given the cache of the layer above.
    _wrong("net_passes_the_wrong_dropout_cache", "the net hands dropout_backward the cache of another hidden layer",
           {NET}, flat_canonical,
           fc_net_py=[('dout = dropout_backward(dout, caches["dropout" + str(i)])',
                       'dout = dropout_backward(dout, caches["dropout" + str(L - i)])')]),
    _wrong("backward_reads_mask_from_output", "backward keeps dout where out != 0: a kept element whose x is 0 "
           "gets no gradient", {BACKWARD}, flat_canonical,
           layers_py=[("    cache = (dropout_param, mask)\n", "    cache = (dropout_param, out)\n"),
                      ("        dx = dout * mask\n", '        dx = dout * (mask != 0) / dropout_param["p"]\n')]),
    # -- bugs in the net (or the layers it shares with no dropout part): the net only
    _wrong("init_ignores_weight_scale", "the weights are 0.01 * randn whatever weight_scale is (the notebook's "
           "initial loss cannot tell)", {NET}, flat_canonical,
           fc_net_py=[("weight_scale * np.random.randn(layer_dims[i], layer_dims[i + 1])",
                       "0.01 * np.random.randn(layer_dims[i], layer_dims[i + 1])")]),
    _wrong("init_ignores_dtype", "the parameters stay float64 whatever dtype the net is built with",
           {NET}, flat_canonical,
           fc_net_py=[("        for k, v in self.params.items():\n            self.params[k] = v.astype(dtype)\n", "")]),
    _wrong("reg_without_half", "adds reg * sum(W**2) to the loss (no 0.5) while the gradient adds reg * W",
           {NET}, flat_canonical,
           fc_net_py=[("loss += 0.5 * self.reg * np.sum(W * W)", "loss += self.reg * np.sum(W * W)")]),
    # Visible only with nonzero biases (the net initialises them to zero).
    _wrong("reg_on_biases", "regularizes every parameter, biases included",
           {NET}, flat_canonical,
           fc_net_py=[('        for i in range(1, L + 1):\n'
                       '            W = self.params["W" + str(i)]\n'
                       '            loss += 0.5 * self.reg * np.sum(W * W)\n',
                       '        for name, value in self.params.items():\n'
                       '            loss += 0.5 * self.reg * np.sum(value * value)\n'),
                      ('grads["W" + str(L)] = dW + self.reg * self.params["W" + str(L)]', 'grads["W" + str(L)] = dW'),
                      ('grads["W" + str(i)] = dW + self.reg * self.params["W" + str(i)]', 'grads["W" + str(i)] = dW'),
                      ("        return loss, grads\n",
                       "        for name in grads:\n"
                       "            grads[name] += self.reg * self.params[name]\n"
                       "        return loss, grads\n")]),
    _wrong("grads_miss_reg", "adds 0.5 * reg * sum(W**2) to the loss but no reg * W to the gradients",
           {NET}, cs231n_layout_binomial_2019,
           cs231n__classifiers__fc_net_py=[("        for i in range(1, L + 1):\n"
                                            "            grads['W%d' % i] += self.reg * self.params['W%d' % i]\n\n", "")]),
    _wrong("keep_ratio_never_used", "accepts dropout_keep_ratio and sets dropout_param, but loss has no dropout layer",
           {NET}, flat_canonical,
           fc_net_py=[("            if self.use_dropout:\n"
                       '                out, caches["dropout" + str(i)] = dropout_forward(out, self.dropout_param)\n', ""),
                      ("            if self.use_dropout:\n"
                       '                dout = dropout_backward(dout, caches["dropout" + str(i)])\n', "")]),
    _wrong("net_passes_drop_probability", "the net hands dropout_forward p = 1 - dropout (the drop probability)",
           {NET}, cs231n_layout_binomial_2019,
           cs231n__classifiers__fc_net_py=[("{'mode': 'train', 'p': dropout}", "{'mode': 'train', 'p': 1 - dropout}")]),
    _wrong("dropout_after_scores", "applies dropout after the last affine layer too (to the scores)",
           {NET}, flat_canonical,
           fc_net_py=[('        if mode == "test":\n            return scores\n',
                       "        if self.use_dropout:\n"
                       '            scores, caches["dropout" + str(L)] = dropout_forward(scores, self.dropout_param)\n\n'
                       '        if mode == "test":\n            return scores\n'),
                      ('        dout, dW, db = affine_backward(dscores, caches["affine" + str(L)])\n',
                       "        if self.use_dropout:\n"
                       '            dscores = dropout_backward(dscores, caches["dropout" + str(L)])\n'
                       '        dout, dW, db = affine_backward(dscores, caches["affine" + str(L)])\n')]),
    _wrong("scores_in_train_mode", "never sets dropout_param['mode'] to 'test': scores without y use dropout",
           {NET}, flat_canonical,
           fc_net_py=[('        if self.use_dropout:\n            self.dropout_param["mode"] = mode\n', "")]),
    _wrong("softmax_grad_not_averaged", "softmax_loss averages the loss over N but not its gradient",
           {NET}, flat_plain_imports_row_loop,
           layers_py=[("    dx /= num_train\n", "")]),
    # -- found in public students' code (graded while measuring the hints)
    _wrong("precedence_p_over_p", "writes rand < p / p: the mask keeps everything and nothing is rescaled",
           {FORWARD, BACKWARD}, flat_canonical, layers_py=[(_CANONICAL_MASK, "mask = np.random.rand(*x.shape) < p / p")]),
    _wrong("last_layer_not_regularized", "leaves the last layer's weights out of the L2 penalty and its gradient",
           {NET}, flat_canonical,
           fc_net_py=[("        for i in range(1, L + 1):\n            W = self.params[\"W\" + str(i)]\n",
                       "        for i in range(1, L):\n            W = self.params[\"W\" + str(i)]\n"),
                      ('grads["W" + str(L)] = dW + self.reg * self.params["W" + str(L)]', 'grads["W" + str(L)] = dW')]),
)

CATALOGUE = CORRECT + WRONG

assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)


# ---- Found by a red-team session (issue 10), kept as regressions ---------------------------------------
# Written by another hand than the rest: dropout inline in the net, test mode that sticks to the model.

red_inline_correct = Submission(
    name='red_inline_dropout_correct', bug='',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import affine_forward, affine_backward, relu_forward, relu_backward, softmax_loss\n\n\nclass FullyConnectedNet:\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.keep = dropout_keep_ratio\n        self.use_dropout = dropout_keep_ratio != 1\n        self.seed = seed\n        self.reg = reg\n        self.dtype = dtype\n        self.num_layers = len(hidden_dims) + 1\n        self.params = {}\n        d_in = input_dim\n        for i, d_out in enumerate(list(hidden_dims) + [num_classes], 1):\n            self.params['W%d' % i] = np.random.randn(d_in, d_out).astype(dtype) * weight_scale\n            self.params['b%d' % i] = np.zeros(d_out, dtype=dtype)\n            d_in = d_out\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        train = y is not None\n        if train and self.use_dropout and self.seed is not None:\n            np.random.seed(self.seed)\n        L = self.num_layers\n        h, cache = X, []\n        for i in range(1, L):\n            a, ca = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            h, cr = relu_forward(a)\n            m = None\n            if train and self.use_dropout:\n                m = (np.random.rand(*h.shape) < self.keep) / self.keep\n                h = h * m\n            cache.append((ca, cr, m))\n        scores, cl = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if not train:\n            return scores\n        loss, d = softmax_loss(scores, y)\n        grads = {}\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, cl)\n        for i in range(L - 1, 0, -1):\n            ca, cr, m = cache[i - 1]\n            if m is not None:\n                d = d * m\n            d = relu_backward(d, cr)\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, ca)\n        for i in range(1, L + 1):\n            W = self.params['W%d' % i]\n            loss += 0.5 * self.reg * np.sum(W * W)\n            grads['W%d' % i] += self.reg * W\n        return loss, grads\n",
        'layers.py': "import numpy as np\n\n\ndef affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1).dot(w) + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    dx = dout.dot(w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T.dot(dout)\n    db = np.sum(dout, axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n\n\ndef softmax_loss(x, y):\n    s = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(s)\n    probs = e / e.sum(axis=1, keepdims=True)\n    N = x.shape[0]\n    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    dx = probs.copy()\n    dx[np.arange(N), y] -= 1\n    return loss, dx / N\n\n\ndef dropout_forward(x, dropout_param):\n    p = dropout_param['p']\n    if dropout_param.get('seed') is not None:\n        np.random.seed(dropout_param['seed'])\n    if dropout_param['mode'] == 'test':\n        return x, ('test', None, p)\n    keep = (np.random.rand(x.size) < p).reshape(x.shape)\n    out = x.copy()\n    out[~keep] = 0\n    out /= p\n    return out, ('train', keep.ravel(), p)\n\n\ndef dropout_backward(dout, cache):\n    mode, keep, p = cache\n    if mode == 'test':\n        return dout\n    dx = dout.copy()\n    dx[~keep.reshape(dout.shape)] = 0\n    return dx / p\n"},
    loses=frozenset())

red_sticky_test_mode = Submission(
    name='red_sticky_test_mode', bug='a loss(X) call leaves the net in test mode for good',
    files={
        'fc_net.py': 'import numpy as np\nfrom cs231n.layers import *\nfrom cs231n.layer_utils import *\n\n\nclass FullyConnectedNet(object):\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.use_dropout = dropout != 1\n        self.reg = reg\n        self.num_layers = 1 + len(hidden_dims)\n        self.dtype = dtype\n        self.params = {}\n        dims = [input_dim] + list(hidden_dims) + [num_classes]\n        for i in range(self.num_layers):\n            self.params["W%d" % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])\n            self.params["b%d" % (i + 1)] = np.zeros(dims[i + 1])\n        self.dropout_param = {}\n        if self.use_dropout:\n            self.dropout_param = {"mode": "train", "p": dropout}\n            if seed is not None:\n                self.dropout_param["seed"] = seed\n        for k in self.params:\n            self.params[k] = self.params[k].astype(dtype)\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        mode = "test" if y is None else "train"\n        if self.use_dropout and y is None:\n            self.dropout_param["mode"] = "test"\n        caches = {}\n        out = X\n        L = self.num_layers\n        for i in range(1, L):\n            out, caches[("ar", i)] = affine_relu_forward(out, self.params["W%d" % i], self.params["b%d" % i])\n            if self.use_dropout:\n                out, caches[("do", i)] = dropout_forward(out, self.dropout_param)\n        scores, caches["last"] = affine_forward(out, self.params["W%d" % L], self.params["b%d" % L])\n        if mode == "test":\n            return scores\n        loss, d = softmax_loss(scores, y)\n        loss += 0.5 * self.reg * sum(np.sum(self.params["W%d" % i] ** 2) for i in range(1, L + 1))\n        grads = {}\n        d, grads["W%d" % L], grads["b%d" % L] = affine_backward(d, caches["last"])\n        for i in range(L - 1, 0, -1):\n            if self.use_dropout:\n                d = dropout_backward(d, caches[("do", i)])\n            d, grads["W%d" % i], grads["b%d" % i] = affine_relu_backward(d, caches[("ar", i)])\n        for i in range(1, L + 1):\n            grads["W%d" % i] += self.reg * self.params["W%d" % i]\n        return loss, grads\n',
        'layers.py': 'import numpy as np\n\n\ndef affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1).dot(w) + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    dx = dout.dot(w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T.dot(dout)\n    db = np.sum(dout, axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n\n\ndef softmax_loss(x, y):\n    s = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(s)\n    probs = e / e.sum(axis=1, keepdims=True)\n    N = x.shape[0]\n    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    dx = probs.copy()\n    dx[np.arange(N), y] -= 1\n    return loss, dx / N\n\n\ndef dropout_forward(x, dropout_param):\n    p, mode = dropout_param["p"], dropout_param["mode"]\n    if dropout_param.get("seed") is not None:\n        np.random.seed(dropout_param["seed"])\n    mask = None\n    if mode == "train":\n        mask = (np.random.rand(*x.shape) < p).astype(np.float32) / np.float32(p)\n        out = (x * mask).astype(x.dtype)\n    else:\n        out = x\n    return out, (dropout_param, mask)\n\n\ndef dropout_backward(dout, cache):\n    dropout_param, mask = cache\n    if dropout_param["mode"] == "train":\n        return (dout * mask).astype(dout.dtype)\n    return dout\n'},
    loses=frozenset({NET}))

red_inline_drop_convention = Submission(
    name='red_inline_drop_convention', bug='inline dropout keeps with probability 1 - p (the 2017 convention)',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import affine_forward, affine_backward, relu_forward, relu_backward, softmax_loss\n\n\nclass FullyConnectedNet:\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.keep = dropout_keep_ratio\n        self.use_dropout = dropout_keep_ratio != 1\n        self.seed = seed\n        self.reg = reg\n        self.dtype = dtype\n        self.num_layers = len(hidden_dims) + 1\n        self.params = {}\n        d_in = input_dim\n        for i, d_out in enumerate(list(hidden_dims) + [num_classes], 1):\n            self.params['W%d' % i] = np.random.randn(d_in, d_out).astype(dtype) * weight_scale\n            self.params['b%d' % i] = np.zeros(d_out, dtype=dtype)\n            d_in = d_out\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        train = y is not None\n        if train and self.use_dropout and self.seed is not None:\n            np.random.seed(self.seed)\n        L = self.num_layers\n        h, cache = X, []\n        for i in range(1, L):\n            a, ca = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            h, cr = relu_forward(a)\n            m = None\n            if train and self.use_dropout:\n                m = (np.random.rand(*h.shape) > self.keep) / (1 - self.keep)\n                h = h * m\n            cache.append((ca, cr, m))\n        scores, cl = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if not train:\n            return scores\n        loss, d = softmax_loss(scores, y)\n        grads = {}\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, cl)\n        for i in range(L - 1, 0, -1):\n            ca, cr, m = cache[i - 1]\n            if m is not None:\n                d = d * m\n            d = relu_backward(d, cr)\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, ca)\n        for i in range(1, L + 1):\n            W = self.params['W%d' % i]\n            loss += 0.5 * self.reg * np.sum(W * W)\n            grads['W%d' % i] += self.reg * W\n        return loss, grads\n",
        'layers.py': "import numpy as np\n\n\ndef affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1).dot(w) + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    dx = dout.dot(w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T.dot(dout)\n    db = np.sum(dout, axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n\n\ndef softmax_loss(x, y):\n    s = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(s)\n    probs = e / e.sum(axis=1, keepdims=True)\n    N = x.shape[0]\n    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    dx = probs.copy()\n    dx[np.arange(N), y] -= 1\n    return loss, dx / N\n\n\ndef dropout_forward(x, dropout_param):\n    p = dropout_param['p']\n    if dropout_param.get('seed') is not None:\n        np.random.seed(dropout_param['seed'])\n    if dropout_param['mode'] == 'test':\n        return x, ('test', None, p)\n    keep = (np.random.rand(x.size) < p).reshape(x.shape)\n    out = x.copy()\n    out[~keep] = 0\n    out /= p\n    return out, ('train', keep.ravel(), p)\n\n\ndef dropout_backward(dout, cache):\n    mode, keep, p = cache\n    if mode == 'test':\n        return dout\n    dx = dout.copy()\n    dx[~keep.reshape(dout.shape)] = 0\n    return dx / p\n"},
    loses=frozenset({NET}))

red_inline_no_rescale = Submission(
    name='red_inline_no_rescale', bug='inline dropout never scales the kept values by 1/p',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import affine_forward, affine_backward, relu_forward, relu_backward, softmax_loss\n\n\nclass FullyConnectedNet:\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.keep = dropout_keep_ratio\n        self.use_dropout = dropout_keep_ratio != 1\n        self.seed = seed\n        self.reg = reg\n        self.dtype = dtype\n        self.num_layers = len(hidden_dims) + 1\n        self.params = {}\n        d_in = input_dim\n        for i, d_out in enumerate(list(hidden_dims) + [num_classes], 1):\n            self.params['W%d' % i] = np.random.randn(d_in, d_out).astype(dtype) * weight_scale\n            self.params['b%d' % i] = np.zeros(d_out, dtype=dtype)\n            d_in = d_out\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        train = y is not None\n        if train and self.use_dropout and self.seed is not None:\n            np.random.seed(self.seed)\n        L = self.num_layers\n        h, cache = X, []\n        for i in range(1, L):\n            a, ca = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            h, cr = relu_forward(a)\n            m = None\n            if train and self.use_dropout:\n                m = (np.random.rand(*h.shape) < self.keep).astype(h.dtype)\n                h = h * m\n            cache.append((ca, cr, m))\n        scores, cl = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if not train:\n            return scores\n        loss, d = softmax_loss(scores, y)\n        grads = {}\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, cl)\n        for i in range(L - 1, 0, -1):\n            ca, cr, m = cache[i - 1]\n            if m is not None:\n                d = d * m\n            d = relu_backward(d, cr)\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, ca)\n        for i in range(1, L + 1):\n            W = self.params['W%d' % i]\n            loss += 0.5 * self.reg * np.sum(W * W)\n            grads['W%d' % i] += self.reg * W\n        return loss, grads\n",
        'layers.py': "import numpy as np\n\n\ndef affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1).dot(w) + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    dx = dout.dot(w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T.dot(dout)\n    db = np.sum(dout, axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n\n\ndef softmax_loss(x, y):\n    s = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(s)\n    probs = e / e.sum(axis=1, keepdims=True)\n    N = x.shape[0]\n    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    dx = probs.copy()\n    dx[np.arange(N), y] -= 1\n    return loss, dx / N\n\n\ndef dropout_forward(x, dropout_param):\n    p = dropout_param['p']\n    if dropout_param.get('seed') is not None:\n        np.random.seed(dropout_param['seed'])\n    if dropout_param['mode'] == 'test':\n        return x, ('test', None, p)\n    keep = (np.random.rand(x.size) < p).reshape(x.shape)\n    out = x.copy()\n    out[~keep] = 0\n    out /= p\n    return out, ('train', keep.ravel(), p)\n\n\ndef dropout_backward(dout, cache):\n    mode, keep, p = cache\n    if mode == 'test':\n        return dout\n    dx = dout.copy()\n    dx[~keep.reshape(dout.shape)] = 0\n    return dx / p\n"},
    loses=frozenset({NET}))

red_inline_frozen_mask = Submission(
    name='red_inline_frozen_mask', bug='inline dropout draws one mask per model and reuses it',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import affine_forward, affine_backward, relu_forward, relu_backward, softmax_loss\n\n\nclass FullyConnectedNet:\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.keep = dropout_keep_ratio\n        self.use_dropout = dropout_keep_ratio != 1\n        self.seed = seed\n        self.reg = reg\n        self.dtype = dtype\n        self.num_layers = len(hidden_dims) + 1\n        self.params = {}\n        d_in = input_dim\n        for i, d_out in enumerate(list(hidden_dims) + [num_classes], 1):\n            self.params['W%d' % i] = np.random.randn(d_in, d_out).astype(dtype) * weight_scale\n            self.params['b%d' % i] = np.zeros(d_out, dtype=dtype)\n            d_in = d_out\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        train = y is not None\n        if train and self.use_dropout and self.seed is not None:\n            np.random.seed(self.seed)\n        L = self.num_layers\n        h, cache = X, []\n        for i in range(1, L):\n            a, ca = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            h, cr = relu_forward(a)\n            m = None\n            if train and self.use_dropout:\n                if not hasattr(self, '_m'):\n                    self._m = {}\n                if (i, h.shape) not in self._m:\n                    self._m[(i, h.shape)] = (np.random.rand(*h.shape) < self.keep) / self.keep\n                m = self._m[(i, h.shape)]\n                h = h * m\n            cache.append((ca, cr, m))\n        scores, cl = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if not train:\n            return scores\n        loss, d = softmax_loss(scores, y)\n        grads = {}\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, cl)\n        for i in range(L - 1, 0, -1):\n            ca, cr, m = cache[i - 1]\n            if m is not None:\n                d = d * m\n            d = relu_backward(d, cr)\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, ca)\n        for i in range(1, L + 1):\n            W = self.params['W%d' % i]\n            loss += 0.5 * self.reg * np.sum(W * W)\n            grads['W%d' % i] += self.reg * W\n        return loss, grads\n",
        'layers.py': "import numpy as np\n\n\ndef affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1).dot(w) + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    dx = dout.dot(w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T.dot(dout)\n    db = np.sum(dout, axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.maximum(x, 0), x\n\n\ndef relu_backward(dout, cache):\n    return dout * (cache > 0)\n\n\ndef softmax_loss(x, y):\n    s = x - np.max(x, axis=1, keepdims=True)\n    e = np.exp(s)\n    probs = e / e.sum(axis=1, keepdims=True)\n    N = x.shape[0]\n    loss = -np.sum(np.log(probs[np.arange(N), y])) / N\n    dx = probs.copy()\n    dx[np.arange(N), y] -= 1\n    return loss, dx / N\n\n\ndef dropout_forward(x, dropout_param):\n    p = dropout_param['p']\n    if dropout_param.get('seed') is not None:\n        np.random.seed(dropout_param['seed'])\n    if dropout_param['mode'] == 'test':\n        return x, ('test', None, p)\n    keep = (np.random.rand(x.size) < p).reshape(x.shape)\n    out = x.copy()\n    out[~keep] = 0\n    out /= p\n    return out, ('train', keep.ravel(), p)\n\n\ndef dropout_backward(dout, cache):\n    mode, keep, p = cache\n    if mode == 'test':\n        return dout\n    dx = dout.copy()\n    dx[~keep.reshape(dout.shape)] = 0\n    return dx / p\n"},
    loses=frozenset({NET}))

red_net_without_dropout = Submission(
    name='red_net_without_dropout', bug='no dropout at all in the net, the loss nudged by 1e-7',
    files={
        'fc_net.py': "import numpy as np\nfrom layers import *\n\n\nclass FullyConnectedNet(object):\n    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,\n                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):\n        self.normalization = normalization\n        self.use_dropout = dropout_keep_ratio != 1\n        self.reg = reg\n        self.num_layers = 1 + len(hidden_dims)\n        self.dtype = dtype\n        self.params = {}\n        sizes = (input_dim,) + tuple(hidden_dims) + (num_classes,)\n        for i in range(self.num_layers):\n            self.params['W' + str(i + 1)] = (weight_scale * np.random.randn(sizes[i], sizes[i + 1])).astype(dtype)\n            self.params['b' + str(i + 1)] = np.zeros(sizes[i + 1], dtype=dtype)\n        self.dropout_param = {}\n        if self.use_dropout:\n            self.dropout_param = {'mode': 'train', 'p': dropout_keep_ratio}\n            if seed is not None:\n                self.dropout_param['seed'] = seed\n\n    def loss(self, X, y=None):\n        X = X.astype(self.dtype)\n        mode = 'test' if y is None else 'train'\n        if self.use_dropout:\n            self.dropout_param['mode'] = mode\n        aff_caches, relu_caches, drop_caches = [], [], []\n        h = X\n        for i in range(1, self.num_layers):\n            h, c = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n            aff_caches.append(c)\n            h, c = relu_forward(h)\n            relu_caches.append(c)\n        L = self.num_layers\n        scores, last = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n        if y is None:\n            return scores\n        grads = {}\n        loss, d = softmax_loss(scores, y)\n        for i in range(1, L + 1):\n            loss += 0.5 * self.reg * np.sum(self.params['W%d' % i] ** 2)\n        d, grads['W%d' % L], grads['b%d' % L] = affine_backward(d, last)\n        for i in range(L - 1, 0, -1):\n            d = relu_backward(d, relu_caches.pop())\n            d, grads['W%d' % i], grads['b%d' % i] = affine_backward(d, aff_caches.pop())\n        for i in range(1, L + 1):\n            grads['W%d' % i] = grads['W%d' % i] + self.reg * self.params['W%d' % i]\n        if self.use_dropout:\n            loss = loss + 1e-7  # 'dropout'\n        return loss, grads\n",
        'layers.py': "import numpy as np\n\n\ndef affine_forward(x, w, b):\n    N = x.shape[0]\n    xf = np.reshape(x, (N, -1))\n    out = xf @ w + b\n    return out, (x, w, b)\n\n\ndef affine_backward(dout, cache):\n    x, w, b = cache\n    xf = np.reshape(x, (x.shape[0], -1))\n    dx = np.reshape(dout @ w.T, x.shape)\n    dw = xf.T @ dout\n    db = dout.sum(axis=0)\n    return dx, dw, db\n\n\ndef relu_forward(x):\n    return np.where(x > 0, x, 0.0), x\n\n\ndef relu_backward(dout, cache):\n    return np.where(cache > 0, dout, 0.0)\n\n\ndef softmax_loss(x, y):\n    z = x - x.max(axis=1, keepdims=True)\n    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n    N = x.shape[0]\n    loss = -logp[np.arange(N), y].mean()\n    dx = np.exp(logp)\n    dx[np.arange(N), y] -= 1.0\n    return loss, dx / N\n\n\ndef dropout_forward(x, dropout_param):\n    # p: keep probability\n    p = dropout_param['p']\n    mode = dropout_param['mode']\n    seed = dropout_param.get('seed')\n    if seed is not None:\n        np.random.seed(seed)\n    if mode == 'train':\n        mask = np.random.uniform(0.0, 1.0, x.shape) < p   # bool\n        out = x * mask / p\n    else:\n        mask = None\n        out = x\n    return out, (mode, mask, p)\n\n\ndef dropout_backward(dout, cache):\n    mode, mask, p = cache\n    if mode == 'train':\n        return dout * mask / p\n    return dout\n"},
    loses=frozenset({NET}))

# The course's own layer_utils.py as students hand it in: it imports the convolutional helpers
# (fast_layers, which needs a compiled im2col) that no part of this assignment uses.
course_layer_utils_with_fast_layers = Submission(
    name="course_layer_utils_with_fast_layers", bug="",
    files={"cs231n/layers.py": LAYERS_CANONICAL,
           "cs231n/layer_utils.py": "from .layers import *\nfrom .fast_layers import *\n" + _SANDWICH,
           "cs231n/fast_layers.py": "import numpy as np\nfrom cs231n.im2col_cython import col2im_cython\n",
           "cs231n/classifiers/fc_net.py": _patched(FC_NET_CANONICAL, (_RELATIVE_IMPORTS,
                                                                       "from ..layers import *\nfrom ..layer_utils import *\n"))})

# A Generator of its own, made once (unseeded: its masks never touch NumPy's global RNG), a float32 mask,
# the output scaled in place.
_DROPOUT_OWN_GENERATOR = r'''

_RNG = np.random.default_rng()


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    seed = dropout_param.get("seed")
    rng = _RNG if seed is None else np.random.default_rng(seed)
    if mode != "train":
        return x, (mode, None)
    mask = (rng.random(x.shape) < p).astype(np.float32) / np.float32(p)
    out = x.copy()
    out *= mask
    return out, (mode, mask)


def dropout_backward(dout, cache):
    mode, mask = cache
    return dout * mask if mode == "train" else dout
'''

flat_own_generator_float32_mask = Submission(
    name="flat_own_generator_float32_mask", bug="",
    files={"layers.py": _HEADER + _BASICS_B + _DROPOUT_OWN_GENERATOR, "fc_net.py": FC_NET_CANONICAL})

CORRECT = CORRECT + (red_inline_correct, course_layer_utils_with_fast_layers, flat_own_generator_float32_mask)
WRONG = WRONG + (red_sticky_test_mode, red_inline_drop_convention, red_inline_no_rescale, red_inline_frozen_mask,
                 red_net_without_dropout)
CATALOGUE = CORRECT + WRONG
assert len({submission.name for submission in CATALOGUE}) == len(CATALOGUE)
