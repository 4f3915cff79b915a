"""cs231n-dropout (ASSIGNMENT.md §B/§D, seed 004): cs231n assignment 2's dropout notebook, p the KEEP probability.

A submission: DIR/layers.py and DIR/fc_net.py, or cs231n's own layout DIR/cs231n/layers.py and
DIR/cs231n/classifiers/fc_net.py, with an optional layer_utils.py beside layers.py (else the
course's affine_relu sandwich, built on the submission's layers, is supplied). The files may use
cs231n's imports: `from .layers import *`, `from ..layers import *`, `from ..layer_utils import *`,
`from cs231n.layers import *`, `from layers import *`, ...: each name resolves to the same module.

Points: Dropout forward 1.0, Dropout backward 0.5, Fully-connected net 1.5.
- Dropout backward is judged as the derivative of the submission's own forward (dout * out / x),
  so a forward bug does not cost it too; it earns credit only where the forward draws genuine masks.
- The net is judged with the masks its own dropout_forward calls drew (recorded as they happen, in
  the worker), each applied as that call applied it (out / x), so a dropout_forward bug does not
  cost the net; its gradients run through the submission's dropout_backward, whose bugs do. Where
  the net's masks cannot be observed (dropout written inline), what the notebook relies on is
  used: with a seed the loss is repeatable and the gradients are its own loss's numeric gradients.
"""
import sys
import types
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from ...core import mask_studies, statistics, tolerances
from ...core.comparator import assert_close
from ...core.masks import keep_masks_of_samples
from ...core.study_values import study_pre_activations
from ...core.properties import for_all
from ...grading.mask_checks import mask_study_checks, run_study
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from ...sandbox.runners import InProcessRunner
from .worker import TASKS, load_submission  # noqa: F401 - the worker half, also run in process
from .worker import NOTEBOOK_KEEPS, NOTEBOOK_SIZES, DropoutRecorder, Loaded, notebook_data

NAME = "cs231n-dropout"
SUBMISSION = "layers.py and fc_net.py at the top, or cs231n/layers.py and cs231n/classifiers/fc_net.py"
# The notebook's initial losses at its keep ratios (ASSIGNMENT.md §B): expected values, never in a worker's view.
NOTEBOOK_LOSSES = (2.3004790897684924, 2.302371489704412, 2.3042759220785896)


# ---- The model solution ----------------------------------------------------------------------------

def model_solution():
    """toyframe's cs231n track (trusted side only), loaded like a submission in the flat layout."""
    import toyframe.fc_net
    import toyframe.functional
    recorder = DropoutRecorder(toyframe.functional.dropout_forward)
    layers = types.SimpleNamespace(**{name: getattr(toyframe.functional, name) for name in toyframe.functional.__all__})
    fc_net = types.ModuleType("model_fc_net")
    fc_net.FullyConnectedNet = _recording_net(toyframe.fc_net, recorder)
    return Loaded(layers, recorder, fc_net)


def _recording_net(module, recorder):
    """toyframe's FullyConnectedNet with its dropout_forward calls going through `recorder`."""
    class FullyConnectedNet(module.FullyConnectedNet):
        def loss(self, X, y=None):
            original = module.dropout_forward
            module.dropout_forward = recorder
            try:
                return super().loss(X, y)
            finally:
                module.dropout_forward = original
    return FullyConnectedNet



def _replay(check, scenario, module="layers"):
    return (f"\nScenario: {scenario.describe()}\nReplay (with your {module} module imported as {module}): "
            f"from reference.assignments.cs231n_dropout import *; replay({check!r}, {scenario!r}, {module})")


def replay(check, scenario, module):
    """Run one graded example of `check` on the student's `module` (layers, or fc_net for the net's checks),
    imported in this process; raises AssertionError as grading does."""
    layers = module if hasattr(module, "dropout_forward") else sys.modules.get("cs231n.layers", module)
    recorder = DropoutRecorder(getattr(layers, "dropout_forward", None))
    if hasattr(module, "FullyConnectedNet"):
        loaded = Loaded(layers, recorder, module)
        for name, value in vars(module).items():  # the net's dropout calls go through the recorder
            if value is recorder.original:
                setattr(module, name, recorder)
    else:
        loaded = Loaded(layers, recorder, fc_net_error=AttributeError("no fc_net given"))
    runner = InProcessRunner(loaded, sys.modules[__name__])
    example = globals().get(f"_{check}_example")
    if example is None:
        raise ValueError(f"no graded check is called {check!r}")
    example(runner, scenario, {"dropout_net": [], "inline_masks": InlineMasks()}.get(check, statistics.MaskTally()))


# ---- Dropout forward and backward -------------------------------------------------------------------

@dataclass(frozen=True)
class DropoutScenario:
    """x of `shape`, values of either sign with |x| in [0.1, 3] (+ offset: the notebook's x is randn + 10),
    keep probability p, mode, and the dropout_param seed (None: NumPy's global RNG, seeded by `seed`)."""
    shape: tuple
    p: float
    mode: str
    dropout_seed: int | None
    seed: int
    offset: float = 0.0

    def describe(self):
        seed = "" if self.dropout_seed is None else f", seed {self.dropout_seed}"
        return (f"x of shape {self.shape}{f' + {self.offset:g}' if self.offset else ''}, p (keep) = {self.p:g}, "
                f"mode {self.mode!r}{seed}")


def dropout_arrays(scenario):
    """(x, dout) of `scenario`."""
    rng = np.random.default_rng((scenario.seed, 0xD80))
    x = rng.choice((-1.0, 1.0), scenario.shape) * rng.uniform(0.1, 3.0, scenario.shape) + scenario.offset
    return x, rng.normal(0.0, 1.0, scenario.shape)


def dropout_scenarios():
    shapes = st.lists(st.integers(1, 12), min_size=1, max_size=4).map(tuple)
    return st.builds(DropoutScenario, shape=shapes, p=st.just(1.0) | st.floats(0.05, 0.95),
                     mode=st.sampled_from(("train", "test")), dropout_seed=st.none() | st.integers(0, 2**31 - 1),
                     seed=st.integers(0, 2**32 - 1))


# The notebook's x = randn(500, 500) + 10 at its three p, then test mode and p = 1: run first under every profile.
NOTEBOOK_FORWARD = (*(DropoutScenario((500, 500), p, "train", None, 231, 10.0) for p in (0.25, 0.4, 0.7)),
                    DropoutScenario((500, 500), 0.5, "test", None, 231, 10.0), DropoutScenario((4, 5), 1.0, "train", 7, 7))
NOTEBOOK_BACKWARD = DropoutScenario((10, 10), 0.2, "train", 123, 123, 10.0)


def _forward(runner, scenario, context):
    x, _ = dropout_arrays(scenario)
    out = implementation(lambda: runner.call("dropout_forward", x=x, p=scenario.p, mode=scenario.mode,
                                             seed=scenario.dropout_seed, rng_seed=scenario.seed), context)
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise AssertionError(f"dropout_forward's out must be an array shaped like x {x.shape}, got "
                             f"{getattr(out, 'shape', type(out).__name__)}{context}")
    return x, out


def _dropout_forward_example(runner, scenario, tally):
    import torch
    context = _replay("dropout_forward", scenario)
    x, out = _forward(runner, scenario, context)
    if scenario.mode == "test":
        assert_close(out, x, quantity="dropout_forward's out in test mode (the identity)",
                     tolerance=tolerances.ASSIGNMENT, context=context)
        return
    keep = out != 0
    if scenario.p == 1.0 and not keep.all():
        raise AssertionError(f"with p = 1 (keep everything) dropout_forward set {np.count_nonzero(~keep)} of "
                             f"{keep.size} elements to 0{context}")
    # torch.nn.functional.dropout with drop probability 1 - p, given the same mask: x * mask / p.
    expected = torch.from_numpy(x) * torch.from_numpy(keep.astype(np.float64)) / scenario.p
    assert_close(out, expected.numpy(), tolerance=tolerances.ASSIGNMENT, context=context,
                 quantity="dropout_forward's out in train mode (kept elements are x / p: p is the KEEP probability)")
    tally.add(keep, 1.0 - scenario.p)


def _tallied(example, tally):
    """A for_all body counting each draw's masks once in `tally` (the same seeds draw the same masks)."""
    return statistics.tallied_once_per_draw(example, tally, lambda scenario: (scenario.seed, scenario.dropout_seed))


def dropout_forward_matches_torch(runner, settings):
    """Train mode: out = x * mask / p with a mask of its own (torch's dropout with drop probability
    1 - p, given that mask), nothing dropped at p = 1; test mode: out = x. Over the check's
    scenarios (the notebook's x = randn(500, 500) + 10 first) the masks drop 1 - p."""
    tally = statistics.MaskTally()
    for_all(dropout_scenarios(), settings,
            _tallied(lambda scenario, t: _dropout_forward_example(runner, scenario, t), tally),
            examples=NOTEBOOK_FORWARD)
    tally.assert_fraction_dropped("over this check's scenarios, the fraction of elements dropped")


def _seed_example(runner, scenario, tally=None):
    context = _replay("seed", scenario)
    _, first = _forward(runner, scenario, context)
    _, again = _forward(runner, DropoutScenario(scenario.shape, scenario.p, "train", scenario.dropout_seed,
                                                scenario.seed + 1, scenario.offset), context)
    _, other = _forward(runner, DropoutScenario(scenario.shape, scenario.p, "train", scenario.dropout_seed + 1,
                                                scenario.seed, scenario.offset), context)
    if not np.array_equal(first != 0, again != 0):
        raise AssertionError(f"two calls with the same dropout_param['seed'] dropped different elements: the seed "
                             f"must fix the mask (np.random.seed(seed) at the call){context}")
    if np.array_equal(first != 0, other != 0):
        raise AssertionError(f"calls with seeds {scenario.dropout_seed} and {scenario.dropout_seed + 1} dropped "
                             f"the same elements: the mask must come from the seeded random numbers{context}")


def seed_fixes_the_mask(runner, settings):
    """The same dropout_param['seed'] gives the same mask whatever came before; the next seed another.
    On 200 to 1000 elements with p in [0.2, 0.8], two independent masks agree everywhere with
    probability at most 0.68^200 < 1e-33."""
    strategy = st.builds(DropoutScenario, shape=st.tuples(st.integers(10, 40), st.integers(20, 25)),
                         p=st.floats(0.2, 0.8), mode=st.just("train"), dropout_seed=st.integers(0, 2**31 - 2),
                         seed=st.integers(0, 2**32 - 2))
    for_all(strategy, settings, lambda scenario: _seed_example(runner, scenario),
            examples=[DropoutScenario((10, 20), 0.5, "train", 123, 0)])


def _dropout_backward_example(runner, scenario, tally):
    context = _replay("dropout_backward", scenario)
    x, out = _forward(runner, scenario, context)
    _, dout = dropout_arrays(scenario)
    dx = implementation(lambda: runner.call("dropout_backward", dout=dout), context)
    # Where the forward gave inf or nan there is no derivative to compare with (its own part says so); and
    # those elements show no mask either.
    finite = np.isfinite(out)
    if not isinstance(dx, np.ndarray) or dx.shape != x.shape:
        raise AssertionError(f"dropout_backward's dx must be an array shaped like x {x.shape}, got "
                             f"{getattr(dx, 'shape', type(dx).__name__)}{context}")
    # The derivative of the forward the submission computed: out = x * (out / x) elementwise.
    assert_close(dx[finite], (dout * (out / x))[finite], tolerance=tolerances.ASSIGNMENT, context=context,
                 quantity=f"dropout_backward's dx in {scenario.mode} mode (dout times the derivative of your forward's "
                          "out, out / x: the same mask and 1 / p)")
    if scenario.mode == "train":
        tally.add(out[finite] != 0, 1.0 - scenario.p)


def dropout_backward_matches(runner, settings):
    """dx = dout * out / x for the forward call just made (train: mask / p; test: 1), the notebook's
    x = randn(10, 10) + 10, p 0.2, seed 123 first. Credited only where the forward draws genuine masks."""
    tally = statistics.MaskTally()
    for_all(dropout_scenarios(), settings,
            _tallied(lambda scenario, t: _dropout_backward_example(runner, scenario, t), tally),
            examples=[NOTEBOOK_BACKWARD, DropoutScenario((6, 7), 0.5, "test", None, 5)])
    if tally.kept + tally.dropped == 0:
        raise AssertionError("Dropout backward earns credit only where the forward pass draws genuine masks, and in "
                             "no train-mode example of this check did dropout_forward return finite values. Fix "
                             "dropout_forward first: 'Dropout forward' says what is wrong.")
    degenerate = tally.degenerate()
    if degenerate:
        raise AssertionError(f"Dropout backward earns credit only where the forward pass draws genuine masks, and "
                             f"over this check's scenarios {degenerate}. Fix dropout_forward first: 'Dropout "
                             f"forward' says what is wrong.")


# ---- The fully-connected net ------------------------------------------------------------------------

@dataclass(frozen=True)
class NetScenario:
    """A FullyConnectedNet and a batch: hidden_dims, the input's shape per example (input_dim its product),
    num_classes, N examples, keep ratio, reg, the dropout seed (None or an int) and `seed` for every
    array (the parameters, drawn here: the net's own initial ones are checked by the notebook's loss)."""
    hidden_dims: tuple
    input_shape: tuple
    num_classes: int
    n: int
    keep: float
    reg: float
    dropout_seed: int | None
    seed: int
    bias: float = 0.0  # the biases' mean: 1 keeps every ReLU open, so that a net's hidden values show

    @property
    def input_dim(self):
        return int(np.prod(self.input_shape))

    @property
    def architecture(self):
        return (list(self.hidden_dims), self.input_dim, self.num_classes, 1e-2)

    def describe(self):
        seed = "" if self.dropout_seed is None else f", seed={self.dropout_seed}"
        return (f"FullyConnectedNet({list(self.hidden_dims)}, input_dim={self.input_dim}, num_classes="
                f"{self.num_classes}, keep ratio {self.keep:g}, reg={self.reg:g}{seed}, dtype=float64), "
                f"X of shape {(self.n, *self.input_shape)}")


def net_arrays(scenario):
    """X (N, *input_shape), y (N,), params {W1, b1, ..., WL, bL}: weights ~ N(0, 2 / fan_in), biases
    ~ N(0, 0.1) (not 0: a penalty or update that touches them shows)."""
    rng = np.random.default_rng((scenario.seed, 0xFC))
    sizes = [scenario.input_dim, *scenario.hidden_dims, scenario.num_classes]
    params = {}
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{index}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_in, n_out))
        params[f"b{index}"] = rng.normal(scenario.bias, 0.1, n_out)
    return (rng.normal(0.0, 1.0, (scenario.n, *scenario.input_shape)),
            rng.integers(0, scenario.num_classes, scenario.n), params)


# Run first under every profile: two hidden layers, inputs of two dimensions, dropout and reg on.
DESIGNED_NETS = (NetScenario((8, 6), (3, 2), 4, 5, 0.6, 0.7, None, 1), NetScenario((10,), (7,), 3, 4, 0.75, 0.3, 123, 2))


def net_scenarios(keep=None, reg=None):
    return st.builds(
        NetScenario, hidden_dims=st.lists(st.integers(1, 12), min_size=1, max_size=3).map(tuple),
        input_shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), num_classes=st.integers(2, 6),
        n=st.integers(1, 8), keep=keep if keep is not None else st.just(1.0) | st.floats(0.1, 0.9),
        reg=reg if reg is not None else st.just(0.0) | st.floats(0.0, 1.0),
        dropout_seed=st.none() | st.integers(0, 2**31 - 1), seed=st.integers(0, 2**32 - 1))


def torch_net(X, y, params, reg, masks=None):
    """(scores, loss, grads) of {affine - relu - [dropout]} x (L - 1) - affine - softmax in float64 torch,
    each hidden layer's dropout given as its factor (out / x of the recorded call), loss + 0.5 reg sum W^2."""
    import torch
    tensors = {key: torch.tensor(value, dtype=torch.float64, requires_grad=True) for key, value in params.items()}
    layers = len(params) // 2
    hidden = torch.from_numpy(np.asarray(X, dtype=np.float64).reshape(len(X), -1))
    for index in range(1, layers):
        hidden = torch.relu(hidden @ tensors[f"W{index}"] + tensors[f"b{index}"])
        if masks is not None:
            hidden = hidden * torch.from_numpy(masks[index - 1])
    scores = hidden @ tensors[f"W{layers}"] + tensors[f"b{layers}"]
    loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(np.asarray(y, dtype=np.int64)))
    loss = loss + 0.5 * reg * sum(torch.sum(tensors[f"W{index}"] ** 2) for index in range(1, layers + 1))
    loss.backward()
    return scores.detach().numpy(), float(loss.detach()), {key: tensor.grad.numpy() for key, tensor in tensors.items()}


def _net_call(runner, scenario, context, with_labels=True, calls=1):
    X, y, params = net_arrays(scenario)
    replies = implementation(lambda: runner.call(
        "net_loss", architecture=scenario.architecture, keep=scenario.keep, reg=scenario.reg,
        seed=scenario.dropout_seed, construct_seed=scenario.seed, params=params, X=X, y=y if with_labels else None,
        calls=calls), context)
    if not isinstance(replies, list) or len(replies) != calls or not all(isinstance(reply, dict) for reply in replies):
        raise AssertionError(f"the net's task gave no answer{context}")
    return X, y, params, replies


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
    scores, _, _ = torch_net(X, y, params, scenario.reg)
    assert_close(reply.get("scores"), scores, quantity="model.loss(X), the scores in test mode (no dropout)",
                 tolerance=tolerances.ASSIGNMENT, context=context)


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


def _recorded_masks(records, scenario, X, params, context):
    """Each hidden layer's dropout factor (out / x of its recorded call), checked against the net's
    architecture and keep ratio; None when the net made no dropout_forward call (dropout inline)."""
    if not records:
        return None
    sizes = list(scenario.hidden_dims)
    if len(records) != len(sizes):
        raise AssertionError(f"one model.loss(X, y) called dropout_forward {len(records)} times in train mode; the "
                             f"net has {len(sizes)} hidden layers, each followed by one dropout{context}")
    factors = []
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
        with np.errstate(divide="ignore", invalid="ignore"):
            factors.append(np.where(x != 0, out / np.where(x != 0, x, 1.0), 0.0))
    return factors


def _dropout_net_example(runner, scenario, inline):
    context = _replay("dropout_net", scenario, "fc_net")
    X, y, params, replies = _net_call(runner, scenario, context, calls=2 if scenario.dropout_seed is not None else 1)
    factors = _recorded_masks(replies[0].get("records"), scenario, X, params, context)
    if factors is None:
        # Dropout written inline: its masks cannot be seen. A seed must fix them, and they must drop.
        inline.append((replies[0].get("loss"), torch_net(X, y, params, scenario.reg)[1],
                       scenario.keep ** (scenario.n * sum(scenario.hidden_dims))))
    else:
        _, loss, grads = torch_net(X, y, params, scenario.reg, factors)
        _compare_loss(replies[0], loss, grads, context, "with the masks your dropout_forward drew")
    if scenario.dropout_seed is not None:
        assert_close(replies[1].get("loss"), np.asarray(replies[0].get("loss"), dtype=np.float64),
                     quantity="the loss of a second model.loss(X, y) with the same seed (the seed fixes every mask)",
                     tolerance=tolerances.ASSIGNMENT, context=context)


def dropout_net_matches_torch(runner, settings):
    """Keep ratio in (0, 1): one dropout_forward call per hidden layer with p = the keep ratio, and the
    loss and every gradient match torch with each call's own mask; with a seed, a second loss equals
    the first. A net whose dropout cannot be observed must still drop: its loss differs from the
    loss without dropout, unless a correct net keeps everything everywhere (probability < 1e-13)."""
    inline = []  # (loss, loss without dropout, probability that a correct net drops nothing there)
    for_all(net_scenarios(keep=st.floats(0.1, 0.9)), settings,
            lambda scenario: _dropout_net_example(runner, scenario, inline), examples=DESIGNED_NETS)
    if inline:
        statistics.bounds_evaluated += 1
        undropped = [probability for loss, without, probability in inline
                     if np.isclose(np.asarray(loss, dtype=np.float64), without, rtol=1e-9, atol=1e-12)]
        if len(undropped) == len(inline) and float(np.prod(undropped)) < statistics.FALSE_ALARM:
            raise AssertionError(f"with keep ratios below 1, every one of {len(undropped)} losses equals the loss "
                                 f"without dropout: the net does not apply dropout in train mode")


def hidden_factors(X, params, grads):
    """What each hidden layer's dropout multiplied its ReLU's output by, read from the gradients of one
    example (N = 1, reg 0): dW_i = h_(i-1)^T d_i and db_i = d_i, so h_(i-1) = dW_i[:, k] / db_i[k]
    (k where |db_i| is largest), h being the hidden values after dropout. -> a factor array per
    hidden layer (NaN where the ReLU's output is 0, or where nothing shows: every unit above dropped,
    say, and then in the layers above too), or None if the gradients are malformed."""
    layers = len(params) // 2
    hidden = np.asarray(X, dtype=np.float64).reshape(1, -1)
    factors = []
    for index in range(1, layers):
        relu = np.maximum(hidden @ params[f"W{index}"] + params[f"b{index}"], 0.0)[0]
        d_weights, d_bias = grads.get(f"W{index + 1}"), grads.get(f"b{index + 1}")
        if not (isinstance(d_weights, np.ndarray) and isinstance(d_bias, np.ndarray)
                and d_weights.shape == params[f"W{index + 1}"].shape and d_bias.size == d_weights.shape[1]):
            return None
        d_bias = d_bias.reshape(-1)
        k = int(np.argmax(np.abs(d_bias)))
        if not abs(d_bias[k]) > 1e-12:
            unseen = [np.full(params[f"b{above}"].shape, np.nan) for above in range(index, layers)]
            return factors + unseen
        after = d_weights[:, k] / d_bias[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            factors.append(np.where(relu > 1e-6, after / np.where(relu > 1e-6, relu, 1.0), np.nan))
        hidden = after.reshape(1, -1)
    return factors


class InlineMasks:
    """For nets whose dropout is written inline: each hidden layer's mask as hidden_factors reads it,
    over a check's scenarios: the fraction kept, and whether two calls in a row ever drew other masks."""

    def __init__(self):
        self.masks = statistics.MaskTally()
        self.repeats, self.log_repeat = 0, 0.0  # calls that repeated the last mask; log P(a correct net does so)
        self.pairs = 0

    def add(self, first, second, keep, context):
        for one, other in zip(first, second):
            seen = ~np.isnan(one) & ~np.isnan(other)
            for factor in (one[seen], other[seen]):
                scaled = factor[factor != 0]
                if scaled.size and not np.allclose(scaled, 1.0 / keep, rtol=1e-6, atol=0):
                    raise AssertionError(
                        f"inside the net (dropout written in fc_net.py), a kept hidden value is its ReLU's output times "
                        f"{scaled[np.argmax(np.abs(scaled - 1.0 / keep))]:.6g}, where the keep ratio {keep:g} asks "
                        f"for 1 / p = {1.0 / keep:.6g} (read from the gradients of one example){context}")
                self.masks.add(factor != 0, 1.0 - keep)
            if seen.any():
                self.pairs += 1
                if np.array_equal(one[seen] != 0, other[seen] != 0):
                    self.repeats += 1
                    self.log_repeat += seen.sum() * np.log(keep * keep + (1 - keep) * (1 - keep))

    def judge(self):
        self.masks.assert_fraction_dropped("inside the net (dropout written in fc_net.py), the fraction of hidden "
                                           "values dropped over this check's scenarios")
        statistics.bounds_evaluated += 1
        if self.pairs and self.repeats == self.pairs and self.log_repeat < np.log(statistics.FALSE_ALARM):
            raise AssertionError(f"inside the net (dropout written in fc_net.py), each of {self.pairs} second calls of "
                                 f"model.loss(X, y) dropped exactly what the first did: a mask must be drawn afresh "
                                 f"at every call (a correct net repeats them with probability "
                                 f"{np.exp(self.log_repeat):.1e})")


def _inline_masks_example(runner, scenario, tally):
    context = _replay("inline_masks", scenario, "fc_net")
    X, _, params, replies = _net_call(runner, scenario, context, calls=2)
    if replies[0].get("records"):
        return  # the net's dropout is layers.dropout_forward: its masks are graded where they are drawn
    factors = [hidden_factors(X, params, reply.get("grads") or {}) for reply in replies]
    if factors[0] is None or factors[1] is None:
        raise AssertionError(f"the net's grads lack the affine layers' W and b, shaped like params{context}")
    tally.add(*factors, scenario.keep, context)


def inline_masks(runner, settings):
    """Where the net writes dropout inline (no dropout_forward call to record), its masks are read from
    the gradients of single examples (hidden_factors; every ReLU held open): each kept value scaled by
    1 / p, the fraction dropped 1 - p over the check, and no call repeating the last call's mask."""
    tally = InlineMasks()
    for_all(st.builds(NetScenario, hidden_dims=st.lists(st.integers(4, 12), min_size=1, max_size=2).map(tuple),
                      input_shape=st.tuples(st.integers(1, 5)), num_classes=st.integers(2, 5), n=st.just(1),
                      keep=st.floats(0.2, 0.8), reg=st.just(0.0), dropout_seed=st.none(),
                      seed=st.integers(0, 2**32 - 1), bias=st.just(1.0)),
            settings, lambda scenario: _inline_masks_example(runner, scenario, tally),
            examples=[NetScenario((40, 30), (5,), 4, 1, 0.5, 0.0, None, 3, 1.0),
                      NetScenario((60,), (3,), 3, 1, 0.7, 0.0, None, 4, 1.0)])
    tally.judge()


def _notebook_gradients_example(runner, scenario, tally=None):
    """scenario: (keep, reg). The notebook's net, its own parameters; analytic against numeric gradients."""
    keep, reg = scenario
    context = (f"\nScenario: the notebook's gradient check, keep ratio {keep:g}, reg {reg:g}, seed 123"
               f"\nReplay: run the notebook's gradient-check cell with reg={reg!r}")
    N, D, H1, H2, C = NOTEBOOK_SIZES
    X, y = notebook_data()
    rng = np.random.default_rng(7)
    shapes = {"W1": (D, H1), "b1": (H1,), "W2": (H1, H2), "b2": (H2,), "W3": (H2, C), "b3": (C,)}
    entries = [(key, int(index)) for key, shape in shapes.items()
               for index in rng.choice(int(np.prod(shape)), size=min(12, int(np.prod(shape))), replace=False)]
    h = 1e-5
    reply = implementation(lambda: runner.call(
        "gradient_check", architecture=([H1, H2], D, C, 5e-2), keep=keep, reg=reg, seed=123, construct_seed=0,
        X=X, y=y, entries=entries, h=h), context)
    if not isinstance(reply, dict) or not isinstance(reply.get("moved"), list) or len(reply["moved"]) != len(entries):
        raise AssertionError(f"the gradient check gave no answer{context}")
    assert_close(reply.get("again"), np.asarray(reply.get("loss"), dtype=np.float64), tolerance=tolerances.ASSIGNMENT,
                 quantity="the loss of a second model.loss(X, y) (seed 123 fixes every mask)", context=context)
    grads = reply.get("grads")
    if not isinstance(grads, dict):
        raise AssertionError(f"model.loss(X, y) returned no grads{context}")
    for key in shapes:
        picked = [(index, pair) for (entry, index), pair in zip(entries, reply["moved"]) if entry == key]
        numeric = np.array([(np.asarray(up, dtype=np.float64) - np.asarray(down, dtype=np.float64)) / (2 * h)
                            for _, (up, down) in picked])
        analytic = grads.get(key)
        if not isinstance(analytic, np.ndarray) or analytic.size != int(np.prod(shapes[key])):
            raise AssertionError(f"grads[{key!r}] must be shaped like params[{key!r}] {shapes[key]}{context}")
        assert_close(analytic.reshape(-1)[[index for index, _ in picked]], numeric, tolerance=tolerances.ASSIGNMENT,
                     quantity=f"grads[{key!r}] against the numeric gradient of your own loss (centred, h = 1e-5)",
                     context=context)


def notebook_gradient_check(runner, settings):
    """The notebook's cell: N, D, H1, H2, C = 2, 15, 20, 30, 10, the net's own initial weights, seed 123,
    keep ratios 1, 0.75, 0.5 (and 0.5 with reg 0.7): the loss repeats, and each gradient equals the
    numeric gradient of the submission's own loss at 12 entries of every parameter."""
    for scenario in ((1, 0.0), (0.75, 0.0), (0.5, 0.0), (0.5, 0.7)):
        _notebook_gradients_example(runner, scenario)


def notebook_initial_loss(runner, settings):
    """The notebook's initial loss without dropout, 2.3004790897684924 (ASSIGNMENT.md §B): the weights
    drawn as weight_scale * randn(in, out) in layer order, biases 0. (With dropout the initial losses
    depend on how the masks are drawn, which any correct scheme may do its own way: not graded.)"""
    context = "\nReplay: run the notebook's cell that prints the initial losses for dropout_keep_ratio 1, 0.75, 0.5"
    losses = implementation(lambda: runner.call("notebook_losses"), context)
    if not isinstance(losses, list) or len(losses) != len(NOTEBOOK_KEEPS):
        raise AssertionError(f"the notebook's cell gave no losses{context}")
    assert_close(losses[0], NOTEBOOK_LOSSES[0], tolerance=tolerances.ASSIGNMENT, context=context,
                 quantity="the notebook's initial loss with dropout_keep_ratio 1")


# ---- The parts -------------------------------------------------------------------------------------

def sample_masks(runner, p, shape, calls, seed, instances=1):
    """(outputs, keep), (instances, calls, N, D): dropout_forward in train mode with keep probability 1 - p
    on the mask studies' values, called through the same task, one call a request, as every other
    check's (a submission cannot tell a study's call from a scenario's by where it comes from),
    NumPy's global RNG seeded before each call from `seed`."""
    x = study_pre_activations(tuple(shape), seed)
    seeds = np.random.default_rng((seed, 0x5A3)).integers(0, 2**32, (calls, instances))
    outputs = np.empty((instances, calls, *shape))
    for call in range(calls):
        for instance in range(instances):
            out = runner.call("dropout_forward", x=x, p=1.0 - p, mode="train", seed=None,
                              rng_seed=int(seeds[call, instance]))
            if not isinstance(out, np.ndarray) or out.shape != tuple(shape):
                raise AssertionError(f"dropout_forward's out must be an array shaped like x {tuple(shape)}, got "
                                     f"{getattr(out, 'shape', type(out).__name__)}")
            outputs[instance, call] = out
    return outputs, keep_masks_of_samples(outputs)


def replay_mask_study(name, layers, p, shape, seed, calls=None):
    """Run the mask study called `name` on the student's `layers` module, imported here."""
    run_study(InProcessRunner(Loaded(layers, DropoutRecorder(layers.dropout_forward)), sys.modules[__name__]),
              name, p, shape, seed, calls, sampler=sample_masks)


def _mask_study_replay(study, p, shape, seed, scale):
    arguments = mask_studies.replay_arguments(study, p, shape, seed, scale).replace(", p=", ", layers, p=", 1)
    return (f"(with your layers module imported as layers) from reference.assignments.cs231n_dropout import "
            f"replay_mask_study; replay_mask_study({arguments})  # p here is the DROP probability, 1 - keep")


PARTS = (
    Part("Dropout forward", 1.0, (
        Check("train mode is x * mask / p, test mode the identity (torch's dropout, given the mask)",
              dropout_forward_matches_torch, bounds=1),
        Check("dropout_param['seed'] fixes the mask", seed_fixes_the_mask),
        *mask_study_checks(_mask_study_replay, sampler=sample_masks),
    )),
    Part("Dropout backward", 0.5, (
        Check("dx is the derivative of your forward (the same mask and 1 / p)", dropout_backward_matches,
              bounds=2),
    )),
    Part("Fully-connected net", 1.5, (
        Check("scores in test mode match torch", scores_match_torch),
        Check("loss and gradients match torch without dropout", loss_matches_torch_without_dropout),
        Check("loss and gradients match torch with the masks its dropout drew", dropout_net_matches_torch,
              bounds=1),
        Check("dropout written inline: 1 / p, the fraction dropped, a fresh mask per call", inline_masks,
              bounds=4),
        Check("the notebook's gradient check", notebook_gradient_check),
        Check("the notebook's initial loss", notebook_initial_loss),
    )),
)
FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
