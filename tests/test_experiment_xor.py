"""The quadrant experiment (seeds 000/001 done right): its backward equals torch autograd with the
same dropout mask, each of the seeds' backward bugs is caught, and a small run learns."""
import io
import re
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.core import conventions
from reference.core import statistics
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import SEEDS, away_from_zero
from tests.helpers import assert_identical, assert_png_of, bounded, no_float_errors
from toyframe.experiments import _report
from toyframe.experiments import xor_quadrants as xor

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


class Scenario(NamedTuple):
    X: np.ndarray       # (2, m)
    Y: np.ndarray       # (1, m)
    parameters: dict
    keep_prob: float
    lambd: float
    mask_seed: int


@st.composite
def scenarios(draw):
    """m in 2..7, n_h in 1..6, keep_prob in [0.2, 1], lambd in [0, 2], biases at least 0.05 from 0.

    W2 is drawn in [-1, 1] and scaled by keep_prob, so |Z2| <= n_h + 1.05 <= 7.05 whatever keep_prob:
    the cost is computed from A2, and log(1 - A2) loses ~1e-16 / (1 - A2) against torch's
    logit-based cross-entropy; at |Z2| <= 7.05 that is < 2e-13, far inside FLOAT64.
    """
    m, n_h = draw(st.integers(2, 7)), draw(st.integers(1, 6))
    keep_prob = draw(st.floats(0.2, 1.0))
    parameters = {"W1": draw(bounded((n_h, 2), 1.5)), "b1": away_from_zero(draw(bounded((n_h, 1), 1.0))),
                  "W2": draw(bounded((1, n_h), 1.0)) * keep_prob, "b2": away_from_zero(draw(bounded((1, 1), 1.0)))}
    labels = draw(hnp.arrays(np.float64, (1, m), elements=st.sampled_from([0.0, 1.0])))
    return Scenario(draw(bounded((2, m), 2.0)), labels, parameters, keep_prob, draw(st.floats(0.0, 2.0)),
                    draw(SEEDS))


def torch_reference(scenario, mask):
    """The same net and cost in torch float64, through the forward pass's own mask (n_h, m).

    -> (A2 (1, m), cost, {"dW1": ..., "db1": ..., "dW2": ..., "db2": ...}) as float64 arrays.
    The cross-entropy is taken from the logits Z2 (torch's stable form), not from A2.
    """
    W1, b1, W2, b2 = (conventions.to_torch(scenario.parameters[name]).requires_grad_(True)
                      for name in PARAMETER_NAMES)
    X, Y = conventions.to_torch(scenario.X), conventions.to_torch(scenario.Y)
    m = X.shape[1]
    A1_dropped = torch.tanh(W1 @ X + b1) * conventions.to_torch(mask) / scenario.keep_prob
    Z2 = W2 @ A1_dropped + b2
    cost = (F.binary_cross_entropy_with_logits(Z2, Y)
            + scenario.lambd / (2 * m) * (W1.square().sum() + W2.square().sum()))
    cost.backward()
    grads = {"d" + name: conventions.to_numpy(tensor.grad) for name, tensor in zip(PARAMETER_NAMES, (W1, b1, W2, b2))}
    return conventions.to_numpy(torch.sigmoid(Z2)), conventions.to_numpy(cost), grads


def assert_gradients_match(grads, reference_grads):
    assert sorted(grads) == sorted(reference_grads)
    for name, expected in reference_grads.items():
        assert_close(grads[name], expected, quantity=f"d cost / d {name[1:]}", tolerance=tolerances.FLOAT64)


def forward_of(scenario):
    return xor.forward(scenario.X, scenario.parameters, scenario.keep_prob, np.random.default_rng(scenario.mask_seed))


def run_backward(backward, scenario, cache):
    return backward(cache, scenario.X, scenario.Y, scenario.parameters, scenario.lambd, scenario.keep_prob)


# ----------------------------------------------------------------------------- data

def test_make_data_is_the_seeds_draw_and_leaves_the_global_rng_untouched():
    saved = np.random.get_state()
    try:
        np.random.seed(1)
        seeds_X = np.random.randn(2, 200)
        np.random.set_state(saved)
        X, Y, X_test, Y_test = xor.make_data()
        after_make_data = np.random.rand(5)
        np.random.set_state(saved)
        assert_identical(after_make_data, np.random.rand(5), "the global RNG's next draws after make_data")
    finally:
        np.random.set_state(saved)
    assert_identical(X, seeds_X, "X of make_data() against np.random.seed(1); np.random.randn(2, 200)")
    assert Y.shape == (1, 200) and X_test.shape == (2, 1000) and Y_test.shape == (1, 1000)
    assert_identical(Y, (np.sign(seeds_X[0]) == np.sign(seeds_X[1])).astype(np.float64)[None], "Y: same signs")
    assert_identical(Y_test, (X_test[0] * X_test[1] > 0).astype(np.float64)[None], "Y_test")
    # The test points are fresh draws, not the training points again.
    assert not np.isin(X_test[0], X[0]).any()


# ----------------------------------------------------------------------------- gradients

@given(scenarios())
def test_forward_cost_and_backward_match_torch_autograd_with_the_same_mask(scenario):
    A2, cache = forward_of(scenario)
    reference_A2, reference_cost, reference_grads = torch_reference(scenario, cache.D1)
    assert_close(A2, reference_A2, quantity="A2", tolerance=tolerances.FLOAT64)
    assert_close(np.asarray(xor.cost(A2, scenario.Y, scenario.parameters, scenario.lambd)), reference_cost,
                 quantity="cost", tolerance=tolerances.FLOAT64)
    assert_gradients_match(run_backward(xor.backward, scenario, cache), reference_grads)


def test_the_dropout_mask_is_drawn_per_element_with_the_keep_probability():
    n_h, m, keep_prob = 200, 500, 0.7
    parameters = xor.initialize_parameters(2, n_h, 1, np.random.default_rng(0))
    _, cache = xor.forward(np.ones((2, m)), parameters, keep_prob, np.random.default_rng(1))
    assert cache.D1.shape == (n_h, m) and cache.D1.dtype == np.bool_
    statistics.assert_drop_fraction(cache.D1, 1 - keep_prob)
    # Not one mask per hidden unit shared by the batch (seed 001's variant): columns differ.
    statistics.assert_no_lagged_self_copies(cache.D1.T, 1 - keep_prob, "the mask D1 along examples and units")
    assert_identical(cache.A1_dropped, cache.A1 * cache.D1 / keep_prob, "A1_dropped")


def first_layer_gradients(dZ1, X, W1, lambd):
    m = X.shape[1]
    return {"dW1": dZ1 @ X.T / m + lambd / m * W1, "db1": dZ1.mean(axis=1, keepdims=True)}


def backward_mask_discarded(cache, X, Y, parameters, lambd, keep_prob):
    """Seed bug: the masked, rescaled dA1 is computed but dZ1 is built from the unmasked W2^T dZ2."""
    grads = xor.backward(cache, X, Y, parameters, lambd, keep_prob)
    dZ1 = parameters["W2"].T @ (cache.A2 - Y) * (1 - cache.A1 ** 2)
    return {**grads, **first_layer_gradients(dZ1, X, parameters["W1"], lambd)}


def backward_tanh_from_dropped(cache, X, Y, parameters, lambd, keep_prob):
    """Seed bug: tanh' taken as 1 - A1_dropped^2, the masked and 1/keep_prob-rescaled activation."""
    grads = xor.backward(cache, X, Y, parameters, lambd, keep_prob)
    dZ1 = parameters["W2"].T @ (cache.A2 - Y) * cache.D1 / keep_prob * (1 - cache.A1_dropped ** 2)
    return {**grads, **first_layer_gradients(dZ1, X, parameters["W1"], lambd)}


def backward_both_seed_bugs(cache, X, Y, parameters, lambd, keep_prob):
    """Both at once, as the seeds have them: no mask, and tanh' from A1_dropped."""
    grads = xor.backward(cache, X, Y, parameters, lambd, keep_prob)
    dZ1 = parameters["W2"].T @ (cache.A2 - Y) * (1 - cache.A1_dropped ** 2)
    return {**grads, **first_layer_gradients(dZ1, X, parameters["W1"], lambd)}


def fixed_scenario():
    """m = 8, n_h = 5, keep_prob 0.7, lambd 0.3, non-zero biases, data of the experiment's kind."""
    rng = np.random.default_rng(2024)
    X = rng.standard_normal((2, 8))
    parameters = {"W1": rng.standard_normal((5, 2)), "b1": 0.5 * rng.standard_normal((5, 1)),
                  "W2": rng.standard_normal((1, 5)) / np.sqrt(5), "b2": np.array([[0.2]])}
    return Scenario(X, xor.quadrant_labels(X), parameters, keep_prob=0.7, lambd=0.3, mask_seed=7)


@pytest.mark.parametrize("mutant", [backward_mask_discarded, backward_tanh_from_dropped, backward_both_seed_bugs],
                         ids=lambda mutant: mutant.__name__)
def test_each_seed_backward_bug_is_caught_by_the_torch_comparison(mutant):
    scenario = fixed_scenario()
    _, cache = forward_of(scenario)
    assert 0 < cache.D1.sum() < cache.D1.size  # some units dropped, some kept: both bugs can show
    _, _, reference_grads = torch_reference(scenario, cache.D1)
    assert_gradients_match(run_backward(xor.backward, scenario, cache), reference_grads)
    with pytest.raises(AssertionError, match="d cost / d W1"):
        assert_gradients_match(run_backward(mutant, scenario, cache), reference_grads)


@given(scenarios())
def test_forward_and_backward_do_not_modify_their_inputs(scenario):
    copies = {"X": scenario.X.copy(), "Y": scenario.Y.copy(),
              **{name: value.copy() for name, value in scenario.parameters.items()}}
    _, cache = forward_of(scenario)
    cache_copy = xor.Cache(*(field.copy() for field in cache))
    run_backward(xor.backward, scenario, cache)
    current = {"X": scenario.X, "Y": scenario.Y, **scenario.parameters}
    assert sorted(current) == sorted(copies)
    for name, before in copies.items():
        assert_identical(current[name], before, name)
    for name, field, before in zip(xor.Cache._fields, cache, cache_copy):
        if field.dtype == np.bool_:
            assert (field == before).all(), f"cache.{name} was modified"
        else:
            assert_identical(field, before, f"cache.{name}")


def test_cost_stays_finite_when_the_sigmoid_rounds_to_0_or_1():
    parameters = {"W1": np.ones((1, 2)), "W2": np.ones((1, 1))}
    with no_float_errors():
        right = xor.cost(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]), parameters, 0.0)
        wrong = xor.cost(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]), parameters, 0.0)
    assert_close(np.asarray(right), 0.0, quantity="cost of certain right answers", tolerance=tolerances.FLOAT64)
    assert np.isfinite(wrong) and wrong > 30  # each certain wrong answer costs at least -ln(2^-53) = 36.7


# ----------------------------------------------------------------------------- the experiment

SMALL = dict(n_h=10, num_iterations=500, m_test=1000)


@pytest.fixture(scope="module")
def small_result():
    return xor.run(**SMALL)


def test_a_small_run_learns_every_model_and_l2_shrinks_the_weights(small_result):
    models = {model.name: model for model in small_result.models}
    assert list(models) == ["plain", "L2", "dropout"]
    for model in models.values():
        costs = model.history.costs
        assert costs[-1] < 0.5 * costs[0], model.name  # measured: 0.74 -> 0.09, 0.76 -> 0.29, 0.74 -> 0.28
        # Measured test accuracies: plain 0.956, L2 0.955, dropout 0.928 (0.90-0.96 over seeds 0-3).
        assert model.test_accuracy >= 0.88, model.name
        assert model.train_accuracy >= 0.9, model.name
    for name in ("plain", "L2"):  # full-batch descent without dropout noise: the cost never rises
        assert (np.diff(models[name].history.costs) <= 0).all(), name
    assert models["L2"].weight_norm < 0.5 * models["plain"].weight_norm  # measured 64 against 170
    # The same initial weights: at iteration 0 the L2 cost exceeds the plain one by exactly the penalty.
    initial = xor.initialize_parameters(2, SMALL["n_h"], 1, np.random.default_rng(0))
    assert_close(np.asarray(models["L2"].history.costs[0] - models["plain"].history.costs[0]),
                 0.7 / (2 * 200) * xor.weight_norm(initial), quantity="L2 penalty at iteration 0",
                 tolerance=tolerances.FLOAT64)


def test_progress_lines_name_the_model_and_the_cost():
    stream = io.StringIO()
    xor.run(n_h=3, num_iterations=100, m_test=10, progress=_report.Progress("xor", stream=stream))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 * 5  # iterations 0, 25, 50, 75 and the last, for each model
    assert lines[0].startswith("[xor] plain: iteration     0, cost 0.")
    assert lines[1].startswith("[xor] plain: iteration    25, cost 0.")
    assert lines[-1].startswith("[xor] dropout: iteration    99, cost ")


def test_main_prints_the_table_and_writes_the_figure(tmp_path, capsys, small_result):
    out = tmp_path / "xor.png"
    assert xor.main(["--hidden", "10", "--iterations", "500", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert lines[1].split() == ["model", "lambda", "keep_prob", "final", "cost", "train", "acc", "test", "acc",
                                "sum", "W^2"]
    rows = [line.split() for line in lines[3:6]]
    assert [row[:3] for row in rows] == [["plain", "0.0000", "1.0000"], ["L2", "0.7000", "1.0000"],
                                         ["dropout", "0.0000", "0.8600"]]
    # The same settings as small_result: the table shows its numbers.
    for row, model in zip(rows, small_result.models):
        assert row[3:] == [f"{model.history.costs[-1]:.4f}", f"{model.train_accuracy:.4f}",
                           f"{model.test_accuracy:.4f}", f"{model.weight_norm:.4f}"]
    assert lines[6] == f"figure: {out}"
    assert_png_of(out, xor.plot(small_result))


# ----------------------------------------------------------------------------- bad arguments

def _parameters():
    return xor.initialize_parameters(2, 3, 1, np.random.default_rng(0))


X_SMALL, Y_SMALL = np.ones((2, 4)), np.ones((1, 4))
KEEP_PROB = r"keep_prob .*\(0, 1\], got "
LAMBD = r"lambd .*>= 0, got "


@pytest.mark.parametrize("call, message", [
    (lambda: xor.forward(X_SMALL, _parameters(), 0.0, np.random.default_rng(0)), KEEP_PROB + "0.0"),
    (lambda: xor.forward(X_SMALL, _parameters(), 1.2, np.random.default_rng(0)), KEEP_PROB + "1.2"),
    (lambda: xor.forward(X_SMALL, _parameters(), True, np.random.default_rng(0)), KEEP_PROB + "True"),
    (lambda: xor.backward(xor.forward(X_SMALL, _parameters(), 1.0, None)[1], X_SMALL, Y_SMALL, _parameters(), 0.0,
                          -0.5), KEEP_PROB + "-0.5"),
    (lambda: xor.backward(xor.forward(X_SMALL, _parameters(), 1.0, None)[1], X_SMALL, Y_SMALL, _parameters(), -1.0,
                          1.0), LAMBD + "-1.0"),
    (lambda: xor.cost(np.full((1, 4), 0.5), Y_SMALL, _parameters(), -0.1), LAMBD + "-0.1"),
    (lambda: xor.cost(np.full((1, 4), 0.5), Y_SMALL, _parameters(), float("nan")), LAMBD + "nan"),
    (lambda: xor.initialize_parameters(2, 0, 1, np.random.default_rng(0)), r"n_h must be an integer >= 1, got 0"),
    (lambda: xor.train(X_SMALL, Y_SMALL, 0, 0.0, 1.0, 0.1, 5, 0), r"n_h must be an integer >= 1, got 0"),
    (lambda: xor.train(X_SMALL, Y_SMALL, 3, 0.0, 1.0, 0.1, 0, 0), r"num_iterations must be an integer >= 1, got 0"),
    (lambda: xor.train(X_SMALL, Y_SMALL, 3, 0.0, 1.0, 0.0, 5, 0), r"learning_rate must be .*> 0, got 0.0"),
    (lambda: xor.train(X_SMALL, Y_SMALL, 3, 0.0, 1.5, 0.1, 5, 0), KEEP_PROB + "1.5"),
    (lambda: xor.run(lambd=-0.7), LAMBD + "-0.7"),
    (lambda: xor.run(keep_prob=0.0), KEEP_PROB + "0.0"),
    (lambda: xor.make_data(m=0), r"m must be an integer >= 1, got 0"),
], ids=["forward keep 0", "forward keep 1.2", "forward keep True", "backward keep", "backward lambd", "cost lambd",
        "cost lambd nan", "init n_h", "train n_h", "train iterations", "train learning rate", "train keep",
        "run lambd", "run keep", "data m"])
def test_bad_arguments_raise_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("argv, message", [(["--keep-prob", "1.5"], r"--keep-prob: keep_prob .*\(0, 1\]"),
                                           (["--lambd", "-1"], r"--lambd: lambd .*>= 0"),
                                           (["--learning-rate", "0"], r"--learning-rate: learning_rate .*> 0"),
                                           (["--hidden", "0"], r"--hidden: must be a positive integer")])
def test_bad_command_line_options_are_refused_by_name(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        xor.main([*argv, "--out", str(tmp_path / "never.png"), "--quiet"])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "never.png").exists()
