"""cs231n's functional layers and gradient check: the notebook's numbers, and agreement with torch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from reference.core import conventions
from reference.core import statistics
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import SEEDS, bounded_arrays
from toyframe.functional import (affine_backward, affine_forward, dropout_backward, dropout_forward, relu_backward,
                                 relu_forward, softmax_loss)
from toyframe.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error

# docs/assignments/cs231n-dropout.md: seed 231, x = randn(500, 500) + 10, keep p in (0.25, 0.4, 0.7), drawn in turn.
NOTEBOOK_MEANS = (10.014059116977283, 9.977917658761159, 9.987811912159426)
NOTEBOOK_ZERO_FRACTIONS = (0.749784, 0.600796, 0.30074)
KEEP_PROBABILITIES = st.floats(0.05, 1.0)


def test_notebook_forward_cell_train_means_and_zero_fractions():
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    for p, mean, zeros in zip((0.25, 0.4, 0.7), NOTEBOOK_MEANS, NOTEBOOK_ZERO_FRACTIONS):
        out, _ = dropout_forward(x, {"mode": "train", "p": p})
        out_test, _ = dropout_forward(x, {"mode": "test", "p": p})
        assert_close(np.asarray(out.mean()), mean, quantity=f"train-time mean, p={p}", tolerance=tolerances.FLOAT64)
        assert (out == 0).mean() == zeros
        assert (out_test == 0).mean() == 0.0 and out_test is x


def test_notebook_backward_cell_relative_error():
    np.random.seed(231)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(*x.shape)
    dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
    out, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
    error = rel_error(dx, dx_num)
    assert error < 1e-10  # the notebook: "around e-10 or less"; it printed 5.44560814873387e-11
    assert_close(np.asarray(error), 5.44560814873387e-11, quantity="dx relative error",
                 tolerance=tolerances.REPRODUCED_DIAGNOSTIC)


@given(keep=KEEP_PROBABILITIES, seed=SEEDS)
def test_keep_p_is_torch_drop_one_minus_p(keep, seed):
    """Kept elements are scaled by 1/keep in both, and both drop a fraction 1 - keep."""
    np.random.seed(seed % 2**32)
    ours, _ = dropout_forward(np.ones((200, 250)), {"mode": "train", "p": keep})
    torch.manual_seed(seed)
    theirs = conventions.to_numpy(F.dropout(torch.ones(200, 250, dtype=torch.float64), p=1 - keep, training=True))
    for name, out in (("cs231n dropout_forward", ours), ("torch dropout", theirs)):
        assert_close(out[out != 0], np.full(np.count_nonzero(out), 1 / keep), quantity=f"kept values of {name}",
                     tolerance=tolerances.FLOAT64)
        statistics.assert_drop_fraction(out != 0, 1 - keep)


@given(x=bounded_arrays((4, 5), 2.0), dout=bounded_arrays((4, 5), 2.0), keep=KEEP_PROBABILITIES)
def test_backward_follows_the_forward_mask_and_test_mode_is_the_identity(x, dout, keep):
    out, cache = dropout_forward(x, {"mode": "train", "p": keep, "seed": 0})
    _, mask = cache
    np.testing.assert_array_equal(out, x * mask)
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout * mask)
    out_test, cache_test = dropout_forward(x, {"mode": "test", "p": keep})
    assert out_test is x and dropout_backward(dout, cache_test) is dout


@pytest.mark.parametrize("param, message", [({"mode": "train", "p": 0.0}, "keep probability"),
                                            ({"mode": "train", "p": 1.5}, "keep probability"),
                                            ({"mode": "eval", "p": 0.5}, "'train' or 'test'")])
def test_bad_dropout_param_is_named(param, message):
    with pytest.raises(ValueError, match=message):
        dropout_forward(np.ones((2, 2)), param)


@given(x=bounded_arrays((3, 2, 2), 2.0), w=bounded_arrays((4, 5), 1.0), b=bounded_arrays((5,), 1.0),
       dout=bounded_arrays((3, 5), 2.0))
def test_affine_matches_torch(x, w, b, dout):
    out, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    tx, tw, tb = (conventions.to_torch(a).requires_grad_(True) for a in (x, w, b))
    reference = tx.reshape(3, -1) @ tw + tb
    reference.backward(conventions.to_torch(dout))
    for name, ours, theirs in (("out", out, reference), ("dx", dx, tx.grad), ("dw", dw, tw.grad), ("db", db, tb.grad)):
        assert_close(ours, conventions.to_numpy(theirs), quantity=f"affine {name}", tolerance=tolerances.FLOAT64)


@given(x=bounded_arrays((4, 3), 2.0), dout=bounded_arrays((4, 3), 2.0))
def test_relu_matches_torch(x, dout):
    out, cache = relu_forward(x)
    tx = conventions.to_torch(x).requires_grad_(True)
    reference = torch.relu(tx)
    reference.backward(conventions.to_torch(dout))
    assert_close(out, conventions.to_numpy(reference), quantity="relu out", tolerance=tolerances.FLOAT64)
    assert_close(relu_backward(dout, cache), conventions.to_numpy(tx.grad), quantity="relu dx",
                 tolerance=tolerances.FLOAT64)


@given(x=bounded_arrays((5, 4), 5.0), y=st.lists(st.integers(0, 3), min_size=5, max_size=5))
def test_softmax_loss_matches_torch(x, y):
    loss, dx = softmax_loss(x, np.array(y))
    tx = conventions.to_torch(x).requires_grad_(True)
    reference = F.cross_entropy(tx, torch.tensor(y))
    reference.backward()
    assert_close(np.asarray(loss), conventions.to_numpy(reference), quantity="softmax loss", tolerance=tolerances.FLOAT64)
    assert_close(dx, conventions.to_numpy(tx.grad), quantity="softmax dx", tolerance=tolerances.FLOAT64)


@given(x=bounded_arrays((3, 4), 2.0))
def test_numerical_gradient_of_a_known_function_and_x_restored(x):
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(v ** 3), x, verbose=False)
    assert_close(grad, 3 * before ** 2, quantity="d sum(x^3)/dx", tolerance=tolerances.FINITE_DIFFERENCE)
    np.testing.assert_array_equal(x, before)


def test_rel_error_is_the_largest_elementwise_relative_difference():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 3.0])) == 1.0 / 5.0
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
