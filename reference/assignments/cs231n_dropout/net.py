"""The fully-connected net: its scenarios, the torch mirror, the call of model.loss through the worker, and
the checks that need no mask (scores in test mode, the loss without dropout)."""
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from ...core import tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.parts import implementation
from .calls import _replay, as_sent
from .dropout_checks import DTYPE_NAMES
from .reading import _recorded_factors


@dataclass(frozen=True)
class NetScenario:
    """A FullyConnectedNet and a batch: hidden_dims, the input's shape per example (input_dim its product),
    num_classes, N examples, keep ratio, reg, the dropout seed (None or an int) and `seed` for every
    array (the parameters, drawn here: the net's own initial ones are checked by the notebook's loss);
    open_relus: parameters drawn so that (almost) every ReLU is open, which the reading of a net's
    masks from its gradients needs (net_arrays); dtype, the net's (cs231n's default is float32)."""
    hidden_dims: tuple
    input_shape: tuple
    num_classes: int
    n: int
    keep: float
    reg: float
    dropout_seed: int | None
    seed: int
    open_relus: bool = False
    dtype: str = "float64"

    @property
    def input_dim(self):
        return int(np.prod(self.input_shape))

    @property
    def architecture(self):
        return (list(self.hidden_dims), self.input_dim, self.num_classes, 1e-2)

    def describe(self):
        seed = "" if self.dropout_seed is None else f", seed={self.dropout_seed}"
        return (f"FullyConnectedNet({list(self.hidden_dims)}, input_dim={self.input_dim}, num_classes="
                f"{self.num_classes}, keep ratio {self.keep:g}, reg={self.reg:g}{seed}, dtype={self.dtype}), "
                f"X of shape {(self.n, *self.input_shape)}")


def net_arrays(scenario):
    """X (N, *input_shape) ~ N(0, 1), y (N,), params {W1, b1, ..., WL, bL}: weights ~ N(0, 2 / fan_in),
    the last layer scaled to logits a trained net reaches (_trained_logits),
    biases ~ N(0, 0.1) (not 0: a penalty or update that touches them shows). With open_relus, biases
    ~ N(1, 0.1) and weights ~ N(0, 0.245 / fan_in) (times the keep ratio above the first layer, which
    the kept values' 1 / p scale up): every pre-activation ~ N(1, about 0.3), open but for ~3%."""
    rng = np.random.default_rng((scenario.seed, 0xFC))
    sizes = [scenario.input_dim, *scenario.hidden_dims, scenario.num_classes]
    params = {}
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        if scenario.open_relus:
            variance = 0.245 * (scenario.keep if index > 1 else 1.0) / n_in
            params[f"W{index}"] = rng.normal(0.0, np.sqrt(variance), (n_in, n_out))
            params[f"b{index}"] = rng.normal(1.0, 0.1, n_out)
        else:
            params[f"W{index}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out))
            params[f"b{index}"] = rng.normal(0.0, 0.1, n_out)
    X, y = rng.normal(0.0, 1.0, (scenario.n, *scenario.input_shape)), rng.integers(0, scenario.num_classes, scenario.n)
    return X, y, _trained_logits(X, params)


# The widest spread of a row's logits without dropout (the last layer scaled down to it where wider): a
# trained net's, whose smallest class probability stays far above where a guarded log (log(p + 1e-20),
# a clip) starts to differ from the exact loss, even with the kept values scaled up by 1 / keep.
LOGIT_SPREAD = 6.0


def _trained_logits(X, params):
    """params with W_L and b_L scaled so that no row of X's logits (no dropout) spreads wider than LOGIT_SPREAD."""
    layers = len(params) // 2
    hidden = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    for index in range(1, layers):
        hidden = np.maximum(hidden @ params[f"W{index}"] + params[f"b{index}"], 0.0)
    scores = hidden @ params[f"W{layers}"] + params[f"b{layers}"]
    spread = float(np.max(scores.max(axis=1) - scores.min(axis=1)))
    if spread > LOGIT_SPREAD:
        shrink = LOGIT_SPREAD / spread
        params = {**params, f"W{layers}": params[f"W{layers}"] * shrink, f"b{layers}": params[f"b{layers}"] * shrink}
    return params


# Run first under every profile: two hidden layers, inputs of two dimensions, dropout and reg on.
DESIGNED_NETS = (NetScenario((8, 6), (3, 2), 4, 5, 0.6, 0.7, None, 1),
                 NetScenario((10,), (7,), 3, 4, 0.75, 0.3, 123, 2, dtype="float32"))


def net_scenarios(keep=None, reg=None):
    return st.builds(
        NetScenario, hidden_dims=st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple),
        input_shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), num_classes=st.integers(2, 6),
        n=st.integers(1, 8), keep=keep if keep is not None else st.just(1.0) | st.floats(0.1, 0.9),
        reg=reg if reg is not None else st.just(0.0) | st.floats(0.0, 1.0),
        dropout_seed=st.none() | st.integers(0, 2**31 - 1), seed=st.integers(0, 2**32 - 1), dtype=DTYPE_NAMES)


def readable_batch(input_dim, hidden_dims, keep):
    """The largest N whose masks a net's gradients show: each hidden layer's input must have full row
    rank, so N is at most half the input's size and half the kept units of the narrowest hidden layer."""
    return max(1, min(input_dim // 2, int(keep * min(hidden_dims) / 2)))


# Inputs of 1 to 3 dimensions, 8 to 64 values.
READABLE_INPUTS = (st.tuples(st.integers(8, 40)) | st.tuples(st.integers(2, 6), st.integers(4, 8))
                   | st.tuples(st.integers(2, 4), st.integers(2, 4), st.integers(2, 4)))


# Of the nets with dropout, the share drawn as a net is used (biases near 0, about half the ReLUs closed:
# net_arrays without open_relus), in float64, whose masks show where the ReLUs are open: a net cannot drop
# only when its parameters look like those the grader reads masks from.
AS_USED_SHARE = 1 / 3


def dropout_net_scenarios(seeds=True):
    """Every net with dropout (keep ratio in [0.25, 0.85]) that a check trains, drawn one way: 1-3 hidden
    layers of 16-40 units, inputs of 8-64 values, every ReLU (almost) open, and N from 1 to
    readable_batch (so that its masks show in its gradients, whatever N it is given), or, for
    AS_USED_SHARE of them, parameters as a net in use has them (half its ReLUs closed: N up to
    readable_batch of half the units); with a dropout seed or without (seeds=False: without)."""
    def build(hidden_dims, input_shape, num_classes, keep, reg, dropout_seed, seed, share, dtype, as_used):
        cap = readable_batch(int(np.prod(input_shape)), hidden_dims, keep / 2 if as_used else keep)
        return NetScenario(hidden_dims, input_shape, num_classes, 1 + min(cap - 1, int(share * cap)), keep, reg,
                           dropout_seed, seed, open_relus=not as_used, dtype="float64" if as_used else dtype)
    return st.builds(build, hidden_dims=st.lists(st.integers(16, 40), min_size=1, max_size=3).map(tuple),
                     input_shape=READABLE_INPUTS, num_classes=st.integers(2, 6), keep=st.floats(0.25, 0.85),
                     reg=st.just(0.0) | st.floats(0.0, 1.0),
                     dropout_seed=(st.none() | st.integers(0, 2**31 - 1)) if seeds else st.none(),
                     seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 1.0), dtype=DTYPE_NAMES,
                     as_used=st.floats(0.0, 1.0).map(lambda draw: draw < AS_USED_SHARE))


# Run first: every batch size from 1 up, one and two hidden layers, with and without reg, seeded and not.
DESIGNED_DROPOUT_NETS = (NetScenario((32, 24), (12,), 4, 4, 0.5, 0.0, None, 3, True),
                         NetScenario((40,), (4, 5), 3, 6, 0.7, 0.3, None, 4, True, "float32"),
                         NetScenario((20, 30), (3, 3, 2), 5, 1, 0.3, 0.5, 5, 5, True),
                         NetScenario((24,), (16,), 2, 3, 0.6, 0.0, 1234, 6, True),
                         NetScenario((32, 24), (12,), 4, 2, 0.5, 0.0, None, 7),  # as a net in use has them
                         NetScenario((40,), (4, 5), 3, 1, 0.75, 0.2, None, 8))


def torch_net(X, y, params, reg, masks=None):
    """(scores, loss, grads) of {affine - relu - [dropout]} x (L - 1) - affine - softmax in float64 torch,
    each hidden layer's dropout given as its factor (what it multiplied each ReLU output by), loss +
    0.5 reg sum W^2."""
    import torch
    tensors = {key: torch.tensor(value, dtype=torch.float64, requires_grad=True) for key, value in params.items()}
    layers = len(params) // 2
    hidden = torch.from_numpy(np.asarray(X, dtype=np.float64).reshape(len(X), -1))
    for index in range(1, layers):
        hidden = torch.relu(hidden @ tensors[f"W{index}"] + tensors[f"b{index}"])
        if masks is not None:
            hidden = hidden * torch.from_numpy(np.asarray(masks[index - 1], dtype=np.float64))
    scores = hidden @ tensors[f"W{layers}"] + tensors[f"b{layers}"]
    loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(np.asarray(y, dtype=np.int64)))
    loss = loss + 0.5 * reg * sum(torch.sum(tensors[f"W{index}"] ** 2) for index in range(1, layers + 1))
    loss.backward()
    return scores.detach().numpy(), float(loss.detach()), {key: tensor.grad.numpy() for key, tensor in tensors.items()}


def _net_call(runner, scenario, context, with_labels=True, calls=1, unwrapped=(), learning_rate=None):
    """(X, y, params, replies): the arrays as the net holds them in its dtype (what the trusted side
    computes with; the worker is sent them in float64, as a notebook's data is), a reply per call."""
    X, y, params = net_arrays(scenario)
    replies = implementation(lambda: runner.call(
        "net_loss", architecture=scenario.architecture, keep=scenario.keep, reg=scenario.reg,
        seed=scenario.dropout_seed, construct_seed=scenario.seed, params=params, X=X, y=y if with_labels else None,
        calls=calls, dtype=scenario.dtype, unwrapped=tuple(unwrapped),
        **({} if learning_rate is None else {"learning_rate": learning_rate})), context)
    if not isinstance(replies, list) or len(replies) != calls or not all(isinstance(reply, dict) for reply in replies):
        raise AssertionError(f"the net's task gave no answer{context}")
    for reply in replies:
        for record in (reply.get("records") or []) + (reply.get("other_records") or []):
            if isinstance(record, dict) and record.get("raised") and len(_STOOD_IN) < 1:
                shape = getattr(record.get("x"), "shape", "?")
                _STOOD_IN.append(f"your dropout_forward raised {record['raised']} when the net called it (x of shape "
                                 f"{shape}, mode {record.get('mode')!r}, p {record.get('p')!r}), yet it runs in the "
                                 f"'Dropout forward' part's own check: a net must be judged with the dropout it "
                                 f"calls{context}")
    held = {key: as_sent(value, scenario.dtype) for key, value in params.items()}
    return as_sent(X, scenario.dtype), y, held, replies


# A net call in which the submission's dropout_forward raised runs on with a genuine dropout in its place
# (worker._standing_in), so the net is judged on its own code; the check then fails unless dropout_forward
# fails its own part too (then 'Dropout forward' charges it). The first such call of the check being run.
_STOOD_IN = []


def _compare_loss(reply, loss, grads, context, what):
    assert_close(reply.get("loss"), loss, quantity=f"the loss {what}", tolerance=tolerances.ASSIGNMENT, context=context)
    returned = reply.get("grads")
    if not isinstance(returned, dict) or set(returned) != set(grads):
        raise AssertionError(f"grads must have the keys of model.params {sorted(grads)}, got "
                             f"{sorted(returned) if isinstance(returned, dict) else returned!r}{context}")
    for key in sorted(grads, key=lambda key: (int(key[1:]), key[0])):
        assert_close(returned[key], grads[key], quantity=f"grads[{key!r}] {what}", tolerance=tolerances.ASSIGNMENT,
                     context=context)


def _scores_example(runner, scenario, tally=None):
    context = _replay("scores", scenario, "fc_net")
    X, y, params, (reply,) = _net_call(runner, scenario, context, with_labels=False)
    if reply.get("records"):
        raise AssertionError(f"model.loss(X) (no y: test mode) called dropout_forward in train mode: the net must "
                             f"set dropout_param['mode'] = 'test' when y is None{context}")
    tested = reply.get("other_records")
    if tested:
        # The net called dropout_forward in test mode: judged given what that call returned (a dropout_forward
        # that is not the identity in test mode is its own part's bug), each call's x validated.
        if not all(isinstance(record, dict) and record.get("mode") == "test" for record in tested):
            raise AssertionError(f"model.loss(X) called dropout_forward with a mode other than 'test' or 'train'"
                                 f"{context}")
        factors = _recorded_factors(tested, scenario, X, params, context, mode="test").factors
        what = "model.loss(X), the scores in test mode, given what your dropout_forward returned in test mode"
    else:
        factors, what = None, "model.loss(X), the scores in test mode (no dropout)"
    scores, _, _ = torch_net(X, y, params, scenario.reg, factors)
    assert_close(reply.get("scores"), scores, quantity=what, tolerance=tolerances.ASSIGNMENT, context=context)


def scores_match_torch(runner, settings):
    """model.loss(X) gives the scores (N, C) of the net in test mode: dropout off whatever the keep ratio."""
    for_all(net_scenarios(), settings, lambda scenario: _scores_example(runner, scenario), examples=DESIGNED_NETS)


def _no_dropout_example(runner, scenario, tally=None):
    context = _replay("no_dropout", scenario, "fc_net")
    X, y, params, (reply,) = _net_call(runner, scenario, context)
    _, loss, grads = torch_net(X, y, params, scenario.reg)
    _compare_loss(reply, loss, grads, context, "(softmax loss + 0.5 reg sum W^2)")


def loss_matches_torch_without_dropout(runner, settings):
    """Keep ratio 1: the softmax loss + 0.5 reg sum W^2 (weights only) and every gradient."""
    for_all(net_scenarios(keep=st.just(1.0)), settings, lambda scenario: _no_dropout_example(runner, scenario),
            examples=[replace(scenario, keep=1.0) for scenario in DESIGNED_NETS])
