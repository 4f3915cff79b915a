"""cs231n-dropout's evidence is the trusted side's (issue 17): a mask study's call looks like a scenario's,
every train-mode call of a forward check counts toward pooled statistics, an inline net's masks are read
from whole batches' gradients, records are validated and never believed, and every check fails closed."""
import types

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

import toyframe.functional
from reference.assignments import cs231n_dropout as cs231n
from reference.assignments.cs231n_dropout import (DropoutRecorder, Loaded, MaskPool, NetScenario, Unreadable,
                                                  net_arrays, read_net_factors, readable_batch, torch_net)
from reference.grading.parts import Check, grade, run_check
from reference.grading.in_process import InProcessRunner
from tests.catalogue import cs231n_dropout as catalogue
from tests.catalogue import forget_submission_modules

SETTINGS = settings(max_examples=6, derandomize=True, database=None, deadline=None)
CHECKS = {check.name: check for part in cs231n.PARTS for check in part.checks}
FORWARD, SEED = cs231n.PARTS[0].checks[:2]
BACKWARD = cs231n.PARTS[1].checks[0]
INIT, SCORES, NO_DROPOUT, NET, INLINE, GRADIENT_CHECK, INITIAL_LOSS = cs231n.PARTS[2].checks


# ---- Fakes: in-process submissions whose replies show what a test wants -------------------------------

def _loaded(dropout_forward=None, dropout_backward=None, net=None):
    layers = types.SimpleNamespace(**{name: getattr(toyframe.functional, name) for name in toyframe.functional.__all__})
    layers.dropout_forward = dropout_forward or layers.dropout_forward
    layers.dropout_backward = dropout_backward or layers.dropout_backward
    recorder = DropoutRecorder(layers.dropout_forward)
    if net is None:
        return Loaded(layers, recorder, fc_net_error=AttributeError("no fc_net.py in this fake"))
    return Loaded(layers, recorder, types.SimpleNamespace(FullyConnectedNet=net))


def _runner(loaded):
    return InProcessRunner(loaded, cs231n, study_scale=1 / 256)


def inline_net(mask=None, scale=None, claim=None, grads=None, dtype=None):
    """A FullyConnectedNet with dropout written inline: mask(h, keep, n_calls) -> bool keep mask (default
    rand < keep), kept values times scale(keep) (default 1 / keep); claim(x, out, keep, seed)
    may write records; grads(grads) may replace what loss returns; dtype: what X is cast to, whatever
    dtype the net is given (default float64; the parameters stay as the grader set them)."""
    dtype = dtype or np.float64
    mask = mask or (lambda h, keep, calls: np.random.rand(*h.shape) < keep)
    scale = scale or (lambda keep: 1.0 / keep)

    class FullyConnectedNet:
        records = None  # the fake's stand-in for the grader's recorder list, set by the test

        def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                     normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
            sizes = [input_dim, *hidden_dims, num_classes]
            self.params = {}
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
                self.params[f"W{i}"] = (weight_scale * np.random.randn(n_in, n_out)).astype(dtype)
                self.params[f"b{i}"] = np.zeros(n_out, dtype=dtype)
            self.keep, self.reg, self.layers, self.calls = dropout_keep_ratio, reg, len(sizes) - 1, 0
            self.seed = seed

        def loss(self, X, y=None):
            h, cache = X.reshape(len(X), -1).astype(dtype), []
            params = self.params
            train = y is not None and self.keep != 1
            if train and self.seed is not None:
                np.random.seed(self.seed)
            for i in range(1, self.layers):
                z = h @ params[f"W{i}"] + params[f"b{i}"]
                m = mask(z, self.keep, self.calls) * scale(self.keep) if train else np.ones(z.shape)
                if train and claim:
                    claim(np.maximum(z, 0), np.maximum(z, 0) * m, self.keep, self.seed)
                cache.append((h, z, m))
                h = np.maximum(z, 0) * m
            scores = h @ params[f"W{self.layers}"] + params[f"b{self.layers}"]
            if y is None:
                return scores
            self.calls += 1
            shifted = scores - scores.max(axis=1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            loss = -np.log(probs[np.arange(len(y)), y]).mean()
            d = probs.copy()
            d[np.arange(len(y)), y] -= 1
            d /= len(y)
            out = {f"W{self.layers}": h.T @ d, f"b{self.layers}": d.sum(axis=0)}
            d = d @ params[f"W{self.layers}"].T
            for i in range(self.layers - 1, 0, -1):
                below, z, m = cache[i - 1]
                d = d * m * (z > 0)
                out[f"W{i}"], out[f"b{i}"] = below.T @ d, d.sum(axis=0)
                d = d @ params[f"W{i}"].T
            for i in range(1, self.layers + 1):
                loss += 0.5 * self.reg * np.sum(params[f"W{i}"] ** 2)
                out[f"W{i}"] = out[f"W{i}"] + self.reg * params[f"W{i}"]
            return loss, (grads(out) if grads else out)
    return FullyConnectedNet


def _passes(check, loaded, examples=SETTINGS):
    return run_check(check, _runner(loaded), examples)


# ---- Reading an inline net's masks from whole batches ------------------------------------------------

@pytest.mark.parametrize("hidden_dims", [(24,), (20, 32), (16, 24, 20)])
def test_read_net_factors_reads_every_mask_and_scale_of_batches_of_every_size(hidden_dims):
    rng = np.random.default_rng(len(hidden_dims))
    keep, input_shape = 0.6, (4, 5)
    for n in range(1, readable_batch(20, hidden_dims, keep) + 1):
        scenario = NetScenario(hidden_dims, input_shape, 3, n, keep, 0.3, None, n, open_relus=True)
        X, y, params = net_arrays(scenario)
        truth = [(rng.random((n, size)) < keep) / keep for size in hidden_dims]
        _, _, grads = torch_net(X, y, params, 0.3, truth)
        reading = read_net_factors(X, params, grads, 0.3)
        assert reading.scales == pytest.approx([1 / keep] * len(hidden_dims), rel=1e-9)
        for factor, seen, true in zip(reading.factors, reading.seen, truth):
            assert seen.mean() > 0.75 and np.allclose(factor[seen], true[seen], rtol=1e-9)


def test_read_net_factors_rejects_gradients_of_no_batch_and_cannot_read_a_lost_example():
    scenario = NetScenario((24, 20), (12,), 3, 4, 0.5, 0.0, None, 9, open_relus=True)
    X, y, params = net_arrays(scenario)
    truth = [(np.random.default_rng(1).random((4, 24)) < 0.5) * 2.0, np.full((4, 20), 2.0)]
    _, _, grads = torch_net(X, y, params, 0.0, truth)
    bent = dict(grads, W2=grads["W2"] + 1e-3 * np.random.default_rng(2).normal(size=grads["W2"].shape))
    with pytest.raises(AssertionError, match="is not h\\^T d"):
        read_net_factors(X, params, bent, 0.0)
    truth[0][2] = 0.0  # every unit of example 3 dropped in hidden layer 1: layer 2 cannot show its row
    _, _, grads = torch_net(X, y, params, 0.0, truth)
    with pytest.raises(Unreadable, match="lower rank"):
        read_net_factors(X, params, grads, 0.0)


@pytest.mark.parametrize("saturation", [1e-3, 1e-8, 1e-11, 1e-14])
def test_gradients_almost_all_reg_w_are_read_or_unreadable_never_called_wrong(saturation):
    """A saturated softmax leaves dW = (tiny data part) + reg W: what dW - reg W keeps of the data part is
    rounding of reg W (the blind round's correct inline net was failed for it). Read, or unreadable: never wrong."""
    scenario = NetScenario((16, 16), (8,), 4, 1, 0.3125, 1.0, None, 7, open_relus=True)
    X, y, params = net_arrays(scenario)
    truth = [(np.random.default_rng(3).random((1, 16)) < 0.3125) / 0.3125 for _ in range(2)]
    _, _, grads = torch_net(X, y, params, 0.0, truth)
    # the data part shrunk as a saturated softmax shrinks it, then reg W added in float64 as a net adds it
    saturated = {name: (value * saturation + (params[name] if name.startswith("W") else 0.0)) for name, value in
                 grads.items()}
    try:
        reading = read_net_factors(X, params, saturated, 1.0)
    except Unreadable as error:
        assert saturation < 1e-8 and "reg * W" in str(error), (saturation, error)
    else:
        for factor, seen, true in zip(reading.factors, reading.seen, truth):
            assert np.allclose(factor[seen], true[seen], rtol=1e-6)


# ---- Pooled statistics: fail closed, and catch a cheat on any fair share of the calls -------------------

def test_a_mask_pool_with_no_or_too_little_evidence_fails_closed():
    with pytest.raises(AssertionError, match="could be observed"):
        MaskPool().judge("nothing")
    tiny = MaskPool()
    tiny.add(np.array([True, False, True]), 0.5, key=1)
    tiny.add(np.array([False, True, True]), 0.5, key=2)
    with pytest.raises(AssertionError, match="too few"):
        tiny.judge("two calls of three elements")


def _scenario_calls(count=300, seed=0):
    """(keep mask, p, key, rank, seeded) of `count` independent calls shaped like the forward check's (a
    third of them on a shape seen before, as hypothesis draws them)."""
    rng = np.random.default_rng(seed)
    shapes = []
    for key in range(count):
        if shapes and rng.random() < 1 / 3:
            shape = shapes[int(rng.integers(max(0, len(shapes) - 20), len(shapes)))]
        else:
            shape = tuple(int(size) for size in rng.integers(1, 13, rng.integers(1, 5)))
        shapes.append(shape)
        p = rng.uniform(0.05, 0.95)
        yield rng.random(shape) < p, p, key, len(shape), bool(rng.random() < 0.5)


CHEATS = {
    "shared by the batch": lambda keep: np.broadcast_to(keep[:1], keep.shape),
    "shared by an example's features": lambda keep: np.broadcast_to(keep.reshape(len(keep), -1)[:, :1],
                                                                    (len(keep), keep[0].size)).reshape(keep.shape),
}
PREDICATES = {"rank 3": lambda rank, seeded, keep: rank == 3, "a seed given": lambda rank, seeded, keep: seeded,
              "fewer than 40 elements": lambda rank, seeded, keep: keep.size < 40}


def test_independent_masks_pass_every_pooled_statistic():
    pool = MaskPool()
    for keep, p, key, _, _ in _scenario_calls():
        pool.add(keep, p, key)
    pool.judge("honest calls")


@pytest.mark.parametrize("cheat", sorted(CHEATS))
@pytest.mark.parametrize("predicate", sorted(PREDICATES))
def test_a_mask_shared_on_a_fair_share_of_the_calls_fails_whatever_decides_when(cheat, predicate):
    pool = MaskPool()
    for keep, p, key, rank, seeded in _scenario_calls():
        pool.add(CHEATS[cheat](keep) if PREDICATES[predicate](rank, seeded, keep) else keep, p, key)
    with pytest.raises(AssertionError, match="beyond"):
        pool.judge(f"{cheat} where {predicate}")


@pytest.mark.parametrize("predicate", sorted(PREDICATES))
def test_a_mask_repeated_across_calls_fails_whatever_decides_when(predicate):
    pool, kept = MaskPool(), {}
    for keep, p, key, rank, seeded in _scenario_calls(600):
        if PREDICATES[predicate](rank, seeded, keep):  # one mask per shape, reused: p as the first call had it
            keep, p = kept.setdefault(keep.shape, (keep, p))
        pool.add(keep, p, key)
    with pytest.raises(AssertionError, match="beyond"):
        pool.judge(f"a mask reused where {predicate}")


# ---- A mask study's calls are a scenario's --------------------------------------------------------------

class Watching(InProcessRunner):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def call(self, task, **args):
        if task == "dropout_forward":
            self.seen.append(args)
        return super().call(task, **args)


def test_a_mask_study_calls_dropout_forward_as_the_scenarios_do():
    runner = Watching(_loaded(), cs231n, study_scale=1 / 256)
    cs231n.sample_masks(runner, 0.3, (40, 30), calls=40, seed=5, instances=2)
    calls = runner.seen
    assert len(calls) == 80 and all(call["mode"] == "train" and call["p"] == pytest.approx(0.7) for call in calls)
    assert {call["x"].ndim for call in calls} == {1, 2, 3, 4}
    assert len({call["x"].tobytes() for call in calls}) == len(calls)  # fresh values every call
    seeded = sum(call["seed"] is not None for call in calls)
    assert 20 < seeded < 60
    keys = [cs231n.draw_key(call["seed"], call["rng_seed"]) for call in calls if call["rng_seed"] is not None]
    assert len(set(keys)) == len(keys)
    continued = sum(call["rng_seed"] is None for call in calls)  # the global RNG moved on as a Solver moves it
    assert 5 < continued < 35 and all(call["seed"] is None for call in calls if call["rng_seed"] is None)
    magnitudes = np.abs(np.concatenate([call["x"].ravel() for call in calls]))
    low, high = cs231n.VALUE_MAGNITUDES
    assert magnitudes.min() >= low and magnitudes.max() <= high
    positive = sum(bool(call["x"].min() > 0) for call in calls)  # as a ReLU's output is, inside a net
    assert 8 < positive < 40


# ---- Every check fails closed -------------------------------------------------------------------------

def test_the_forward_check_fails_closed_when_no_train_mode_call_shows_a_mask(monkeypatch):
    test_only = cs231n.DropoutScenario((5, 6), 0.5, "test", None, 1)
    monkeypatch.setattr(cs231n.dropout_checks, "dropout_scenarios", lambda: st.just(test_only))
    monkeypatch.setattr(cs231n.dropout_checks, "NOTEBOOK_FORWARD", ())
    monkeypatch.setattr(cs231n.dropout_checks, "POOLED_FORWARD", ())
    passed, message = _passes(FORWARD, _loaded())
    assert not passed and "could be observed" in message, message


def test_the_seed_check_fails_closed_on_too_few_elements(monkeypatch):
    monkeypatch.setattr(cs231n.dropout_checks, "SEED_SHAPES", st.just((20,)))
    monkeypatch.setattr(cs231n.dropout_checks, "SEED_EXAMPLES", ())
    passed, message = _passes(SEED, _loaded(), settings(SETTINGS, max_examples=1))
    assert not passed and "too few" in message, message


@pytest.mark.parametrize("study", cs231n.MASK_STUDY_CHECKS, ids=lambda check: check.name)
def test_every_mask_study_fails_closed_when_its_calls_show_nothing(study, monkeypatch):
    """The pooled statistics of a study whose calls were never made (its own statistics aside)."""
    index = cs231n.MASK_STUDY_CHECKS.index(study)
    wrapped = cs231n._pooled_study(Check(study.name, lambda runner, settings: None), cs231n.mask_studies.STUDIES[index])
    passed, message = _passes(wrapped, _loaded())
    assert not passed and "could be observed" in message, message


def test_the_backward_check_fails_closed_when_the_forward_shows_no_finite_value():
    def nan_forward(x, dropout_param):
        return np.full(x.shape, np.nan), dropout_param["mode"]
    passed, message = _passes(BACKWARD, _loaded(nan_forward, lambda dout, cache: dout))
    assert not passed and "could be observed" in message, message


@pytest.mark.parametrize("check", [NET, INLINE], ids=["dropout_net", "inline_masks"])
def test_the_net_checks_fail_closed_when_neither_records_nor_gradients_show_a_mask(check):
    """A net whose gradients reach no hidden layer (every weight gradient but the last's 0) shows nothing."""
    def silent(grads):
        return {key: (value if key.endswith(str(len(grads) // 2)) else np.zeros_like(value))
                for key, value in grads.items()}
    passed, message = _passes(check, _loaded(net=inline_net(grads=silent)))
    assert not passed and ("could be observed in only 0" in message or "is not h^T d" in message), message


@pytest.mark.parametrize("check", [SCORES, NO_DROPOUT, GRADIENT_CHECK, INITIAL_LOSS], ids=lambda check: check.name)
def test_the_other_net_checks_fail_on_a_reply_that_shows_nothing(check):
    class Empty(inline_net()):
        def loss(self, X, y=None):
            return None if y is None else (None, {})
    passed, message = _passes(check, _loaded(net=Empty))
    assert not passed, check.name


# ---- The net: records validated, never believed ---------------------------------------------------------

@pytest.mark.slow
def test_a_correct_inline_net_and_the_model_solution_earn_the_net_part():
    for loaded in (_loaded(net=inline_net()), _loaded(net=inline_net(dtype=np.float32)), cs231n.model_solution()):
        results = grade(_runner(loaded), cs231n.PARTS[2:], SETTINGS)
        assert results[0].score == 1.5, [(c.check, c.message[:300]) for c in results[0].results if not c.passed]


def _recording_net(tamper):
    """The model solution's net, its records passed through tamper(records, h) after every call."""
    loaded = cs231n.model_solution()
    base, recorder = loaded.fc_net.FullyConnectedNet, loaded.recorder

    class Tampering(base):
        def loss(self, X, y=None):
            result = super().loss(X, y)
            if recorder.records:
                tamper(recorder.records)
            return result
    loaded.fc_net.FullyConnectedNet = Tampering
    return loaded


@pytest.mark.parametrize("tamper, said", [
    (lambda records: records[0].update(x=records[0]["x"] * 1.5), "was given x that is not relu"),
    (lambda records: records[-1].update(out=records[-1]["x"].copy()), "differs from the PyTorch reference"),
    (lambda records: records.append(dict(records[0])), "called dropout_forward 3 times"),
    (lambda records: records[0].update(p=0.123), "was called with p = 0.123"),
], ids=["x", "out", "an extra record", "p"])
def test_records_tampered_with_only_lose_the_net(tamper, said):
    passed, message = _passes(NET, _recording_net(tamper))
    assert not passed and said in message, message


@pytest.mark.slow
def test_records_that_hide_an_inline_dropout_without_its_scale_fail_however_consistent():
    """The net writes records of the masks it applies (x and out right): its masks are held to 1 / p."""
    loaded = _loaded()
    claim = (lambda x, out, keep, seed: loaded.recorder.records.append({"x": x, "out": out, "p": keep, "seed": seed})
             if isinstance(loaded.recorder.records, list) else None)
    loaded.fc_net = types.SimpleNamespace(FullyConnectedNet=inline_net(scale=lambda keep: 1.0, claim=claim))
    assert _passes(NET, loaded)[0]  # consistent: the loss and gradients are those of the recorded masks
    passed, message = _passes(INLINE, loaded)
    assert not passed and "times 1" in message and "does not do this on its own" in message, message


def test_a_forward_bug_shown_by_dropout_forward_itself_does_not_cost_the_net():
    """The masks the records say dropout_forward drew drop 1 - p of the wrong p: so does dropout_forward."""
    def drops_p(x, dropout_param):
        out, cache = toyframe.functional.dropout_forward(x, dict(dropout_param, p=1 - dropout_param["p"]))
        return out, cache
    loaded = cs231n.model_solution()
    loaded.recorder.original = drops_p
    assert _passes(INLINE, loaded)[0]
    assert not _passes(FORWARD, loaded)[0]


@pytest.mark.slow
@pytest.mark.parametrize("submission", [catalogue.hostile_inline_drops_only_single_examples,
                                        catalogue.hostile_records_hide_a_frozen_mask], ids=lambda entry: entry.name)
def test_issue_17_hostile_nets_lose_the_net_in_process(submission, tmp_path):
    """(Graded through the worker in the slow tier, tests/test_catalogue_submissions.py, with the rest.)"""
    try:
        loaded = cs231n.load_submission(str(submission.write(tmp_path)))
        results = grade(_runner(loaded), cs231n.PARTS, SETTINGS)
    finally:
        forget_submission_modules()
    assert {result.part.name for result in results if result.score < result.part.points} == set(submission.loses)


def test_the_false_alarm_budget_counts_every_pooled_bound():
    assert FORWARD.bounds == MaskPool.bounds_for(MaskPool.COUNTED) == 11
    assert SEED.bounds == MaskPool.bounds_for() == 10
    assert INLINE.bounds == 3 * MaskPool.bounds_for() + 1  # and the unwrapped calls that show no drop
    assert cs231n.FALSE_ALARM_BUDGET * cs231n.statistics.FALSE_ALARM < 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("submission", catalogue.THIRD_RED_TEAM, ids=lambda entry: entry.name)
def test_a_device_that_tells_the_graders_calls_apart_loses_its_part(submission, tmp_path):
    """float32 x and nets as well as float64, some net calls with the student's own dropout_forward in place
    of the recorder, large calls whose counts show: each device is charged to its part, and only to it."""
    parts = [part for part in cs231n.PARTS if part.name in submission.loses]
    try:
        loaded = cs231n.load_submission(str(submission.write(tmp_path)))
        results = grade(_runner(loaded), parts, SETTINGS)
    finally:
        forget_submission_modules()
    assert all(result.score < result.part.points for result in results), submission.name


def test_a_backward_reading_its_mask_off_the_output_loses_where_x_is_zero():
    """x of a ReLU's output has exact zeros: a kept one shows only in dx, kept as often as the call's others."""
    def forward_keeping_out(x, dropout_param):
        out, _ = toyframe.functional.dropout_forward(x, dropout_param)
        return out, (dropout_param, out)

    def backward_from_out(dout, cache):
        dropout_param, out = cache
        return dout * (out != 0) / dropout_param["p"] if dropout_param["mode"] == "train" else dout

    assert _passes(BACKWARD, _loaded())[0]
    passed, message = _passes(BACKWARD, _loaded(forward_keeping_out, backward_from_out))
    assert not passed and "exactly 0" in message, message
    with pytest.raises(AssertionError, match="too few"):
        cs231n.ZerosKept().judge("no zeros at all")


def test_the_forward_checks_own_calls_show_a_forward_that_reseeds_when_given_no_seed(tmp_path):
    """Its designed large calls pair two unseeded calls: the net is excused the repeated masks only if they do."""
    from reference.catalogues.cs231n_dropout import CATALOGUE
    submission = next(entry for entry in CATALOGUE if entry.name == "reseeds_zero_without_seed")
    try:
        passed, message = _passes(FORWARD, cs231n.load_submission(str(submission.write(tmp_path))))
    finally:
        forget_submission_modules()
    assert not passed and "consecutive calls" in message, message


# ---- Issue 18: a dropout_backward bug is the backward's alone ---------------------------------------------

def _net_part(submission, tmp_path):
    try:
        loaded = cs231n.load_submission(str(submission.write(tmp_path)))
        (result,) = grade(_runner(loaded), cs231n.PARTS[2:], SETTINGS)
    finally:
        forget_submission_modules()
    return result


@pytest.mark.slow
@pytest.mark.parametrize("name", ["backward_ignores_mask", "backward_divides_by_p_again", "rescale_only_in_backward"])
def test_a_dropout_backward_that_is_not_its_forwards_derivative_costs_the_net_nothing(name, tmp_path):
    """The net's dropout_backward calls go to the grader's stand-in (the exact derivative of the forward call
    whose very cache it is given); where the submission's own runs (calls without the stand-ins, the
    notebook's cell), a mismatch is excused only when a dropout part fails on its own."""
    result = _net_part(next(entry for entry in catalogue.CATALOGUE if entry.name == name), tmp_path)
    assert result.score == result.part.points, [(c.check, c.message[:300]) for c in result.results if not c.passed]


def test_a_net_that_hands_dropout_backward_another_layers_cache_loses_the_net(tmp_path):
    submission = next(entry for entry in catalogue.CATALOGUE if entry.name == "net_passes_the_wrong_dropout_cache")
    assert _net_part(submission, tmp_path).score == 0


def test_the_stand_in_for_dropout_backward_answers_only_for_a_cache_it_saw():
    """Exact derivative (dout * out / x, 0 where x is 0) for the very cache of a recorded train-mode call;
    the submission's own dropout_backward for anything else, and whenever nothing is recorded."""
    own = []
    recorder = DropoutRecorder(toyframe.functional.dropout_forward,
                               lambda dout, cache: own.append(cache) or np.full_like(dout, 7.0))
    x = np.array([[1.0, 0.0, -2.0, 3.0]] * 50)
    recorder.start()
    out, cache = recorder(x, {"p": 0.5, "mode": "train"})
    dout = np.full(x.shape, 2.0)
    factor = np.where(x != 0, out / np.where(x != 0, x, 1.0), 0.0)
    assert np.array_equal(recorder.backward_function(dout, cache), dout * factor) and not own
    assert set(np.unique(factor[x != 0])) == {0.0, 2.0}
    copy = tuple(list(cache))  # the same contents in a new tuple (tuple(cache) would be cache itself)
    assert np.all(recorder.backward_function(dout, copy) == 7.0) and own == [copy]
    recorder.stop()
    assert np.all(recorder.backward_function(dout, cache) == 7.0)
