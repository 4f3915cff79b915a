"""toyframe.Linear against torch.nn.Linear (weights copied transposed), and how it draws its parameters.

x: (N, in), weights: (in, out), bias: (1, out), out = x @ W + b: (N, out), with N, in, out in 1..6
and float64 or float32 (drawn). grad(g: (N, out)) -> (dL/dW: (in, out), dL/dx: (N, in)), and
dL/db: (1, out) is kept in `bias_grad`.
"""
from typing import NamedTuple, Optional

import numpy as np
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from reference.core import conventions
from tests.helpers import BATCH_SIZES, WIDTHS, assert_identical, assert_matches, bounded, dtypes
from toyframe import Linear

SEEDS = st.integers(0, 2**32 - 1)
LARGE_WIDTHS = st.integers(1, 50)


class LinearCase(NamedTuple):
    dtype: type
    x: np.ndarray               # (N, in)
    weights: np.ndarray         # (in, out)
    bias: Optional[np.ndarray]  # (1, out), or None for bias=False
    g: np.ndarray               # upstream gradient, (N, out)

    def toyframe_layer(self):
        """A Linear of this case's sizes and dtype, with this case's parameters assigned."""
        layer = Linear(*self.weights.shape, bias=self.bias is not None, dtype=self.dtype)
        layer.weights = self.weights
        if self.bias is not None:
            layer.bias = self.bias
        return layer

    def torch_reference(self):
        """out, dL/dW, dL/dx and dL/db of nn.Linear (float64) with the weights copied transposed."""
        layer = torch.nn.Linear(*self.weights.shape, bias=self.bias is not None, dtype=conventions.REFERENCE_DTYPE)
        with torch.no_grad():
            layer.weight.copy_(conventions.torch_weight(self.weights))
            if self.bias is not None:
                layer.bias.copy_(conventions.torch_bias(self.bias))
        x = conventions.to_torch(self.x).requires_grad_(True)
        out = layer(x)
        out.backward(conventions.to_torch(self.g))
        return dict(out=conventions.to_numpy(out), dW=conventions.toyframe_weights(layer.weight.grad),
                    dX=conventions.to_numpy(x.grad),
                    db=None if self.bias is None else conventions.toyframe_bias(layer.bias.grad))


@st.composite
def linear_cases(draw, with_bias=st.just(True)):
    dtype, n, n_in, n_out = draw(dtypes), draw(BATCH_SIZES), draw(WIDTHS), draw(WIDTHS)
    bias = draw(bounded((1, n_out), 1.0, dtype)) if draw(with_bias) else None
    return LinearCase(dtype, draw(bounded((n, n_in), 2.0, dtype)), draw(bounded((n_in, n_out), 1.0, dtype)),
                      bias, draw(bounded((n, n_out), 2.0, dtype)))


@given(case=linear_cases())
def test_forward_with_assigned_parameters_matches_torch(case):
    """Assigned weights (in, out) and bias (1, out): x (N, in) -> x @ W + b (N, out) = nn.Linear's output."""
    layer = case.toyframe_layer()
    assert_matches(layer(case.x), case.torch_reference()["out"], "Linear(x)", case.dtype)


@given(case=linear_cases())
def test_grad_returns_dW_then_dX_matching_torch(case):
    """grad(g: (N, out)) -> (dL/dW: (in, out), dL/dx: (N, in)), in that order."""
    layer = case.toyframe_layer()
    layer(case.x)
    d_weights, d_x = layer.grad(case.g)
    expected = case.torch_reference()
    assert_matches(d_weights, expected["dW"], "dL/dW from Linear.grad", case.dtype)
    assert_matches(d_x, expected["dX"], "dL/dx from Linear.grad", case.dtype)


@given(case=linear_cases())
def test_bias_grad_matches_torch(case):
    """After grad(g: (N, out)), bias_grad = dL/db: (1, out) = the column sums of g, nn.Linear's bias.grad."""
    layer = case.toyframe_layer()
    layer(case.x)
    layer.grad(case.g)
    assert_matches(layer.bias_grad, case.torch_reference()["db"], "Linear.bias_grad", case.dtype)


@given(n_in=WIDTHS, n_out=WIDTHS)
def test_parameters_have_shapes_in_out_and_1_out(n_in, n_out):
    layer = Linear(n_in, n_out)
    assert (layer.weights.shape, layer.bias.shape) == ((n_in, n_out), (1, n_out))


@given(seed=SEEDS, n_in=LARGE_WIDTHS, n_out=LARGE_WIDTHS)
@example(seed=123, n_in=1000, n_out=100)
def test_init_draws_weights_then_bias_from_the_global_rng(seed, n_in, n_out):
    """After np.random.seed(s): weights = randn(in, out) * 0.05, then bias = randn(1, out) * 0.05."""
    np.random.seed(seed)
    layer = Linear(n_in, n_out)
    np.random.seed(seed)
    assert_identical(layer.weights, np.random.randn(n_in, n_out) * 0.05, "Linear.weights drawn after seeding")
    assert_identical(layer.bias, np.random.randn(1, n_out) * 0.05, "Linear.bias drawn after the weights")


@given(seed=SEEDS, rng_seed=SEEDS, n_in=LARGE_WIDTHS, n_out=LARGE_WIDTHS)
def test_a_generator_leaves_the_global_rng_untouched(seed, rng_seed, n_in, n_out):
    """Linear(..., rng=default_rng(...)) draws nothing from np.random: the next global draws are unchanged."""
    np.random.seed(seed)
    Linear(n_in, n_out, rng=np.random.default_rng(rng_seed))
    after = np.random.rand(8)
    np.random.seed(seed)
    assert_identical(after, np.random.rand(8), "the global RNG's next draws after Linear(rng=...)")


@given(rng_seed=SEEDS, n_in=LARGE_WIDTHS, n_out=LARGE_WIDTHS)
def test_a_generator_supplies_weights_then_bias(rng_seed, n_in, n_out):
    """With rng: weights = rng.standard_normal((in, out)) * 0.05, then bias = rng.standard_normal((1, out)) * 0.05."""
    layer = Linear(n_in, n_out, rng=np.random.default_rng(rng_seed))
    rng = np.random.default_rng(rng_seed)
    assert_identical(layer.weights, rng.standard_normal((n_in, n_out)) * 0.05, "Linear.weights drawn from rng")
    assert_identical(layer.bias, rng.standard_normal((1, n_out)) * 0.05, "Linear.bias drawn from rng")


@given(case=linear_cases(), seed=SEEDS)
def test_float32_dtype_gives_float32_parameters_outputs_and_grads(case, seed):
    """Linear(..., dtype=np.float32) with float32 x: float32 W, b, out (N, out), dL/dW, dL/dx and dL/db."""
    np.random.seed(seed)
    layer = Linear(*case.weights.shape, dtype=np.float32)
    out = layer(case.x.astype(np.float32))
    d_weights, d_x = layer.grad(case.g.astype(np.float32))
    dtypes_seen = {a.dtype for a in (layer.weights, layer.bias, out, d_weights, d_x, layer.bias_grad)}
    assert dtypes_seen == {np.dtype(np.float32)}


@given(case=linear_cases(with_bias=st.just(False)))
def test_without_bias_forward_and_grad_match_torch(case):
    """bias=False: no bias; x (N, in) -> x @ W, grad -> (dL/dW, dL/dx) of nn.Linear(bias=False)."""
    layer = case.toyframe_layer()
    out = layer(case.x)
    d_weights, d_x = layer.grad(case.g)
    expected = case.torch_reference()
    assert layer.bias is None
    assert_matches(out, expected["out"], "Linear(x) without bias", case.dtype)
    assert_matches(d_weights, expected["dW"], "dL/dW from Linear.grad without bias", case.dtype)
    assert_matches(d_x, expected["dX"], "dL/dx from Linear.grad without bias", case.dtype)


@given(case=linear_cases(with_bias=st.just(False)))
def test_without_bias_bias_grad_stays_none(case):
    layer = case.toyframe_layer()
    layer(case.x)
    layer.grad(case.g)
    assert layer.bias_grad is None
