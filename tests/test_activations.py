"""toyframe.activations against torch autograd: forward, backward, dtype, torch's kink convention.

Every activation is applied to x: (N, C) with N, C in 1..6 (batches of several rows, not only 1),
in float64 or float32 (drawn); backward is the vector-Jacobian product with a drawn upstream
gradient g: (N, C). The reference is torch's function of the same values in float64.
"""
from typing import Callable, NamedTuple

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.core import conventions
from tests.helpers import (MATRIX_SHAPES, assert_identical, assert_matches, bounded, dtypes, elements,
                           no_float_errors, torch_value, torch_value_and_grad)
from toyframe import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh

NAMES = ("relu", "leaky_relu", "sigmoid", "tanh", "softmax")
FIXED = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softmax": Softmax}
ALPHAS = st.floats(0.001, 1.0)


class Case(NamedTuple):
    name: str
    activation: object        # the toyframe activation
    torch_fn: Callable        # the torch function it must equal
    dtype: type
    x: np.ndarray             # (N, C)
    g: np.ndarray             # upstream gradient, (N, C)


@st.composite
def cases(draw, names=st.sampled_from(NAMES), bound=5.0, zeros=False):
    """An activation (LeakyReLU's alpha drawn), x in [-bound, bound] (with exact zeros if `zeros`) and g."""
    name, dtype, shape = draw(names), draw(dtypes), draw(MATRIX_SHAPES)
    if name == "leaky_relu":
        alpha = draw(ALPHAS)
        activation, torch_fn = LeakyReLU(alpha), lambda z: F.leaky_relu(z, negative_slope=alpha)
    else:
        activation, torch_fn = FIXED[name](), conventions.ACTIVATIONS[name]
    values = elements(bound, dtype)
    x = draw(hnp.arrays(dtype, shape, elements=st.sampled_from((0.0, -0.0)) | values if zeros else values))
    if zeros:
        x.flat[0] = 0.0
    return Case(name, activation, torch_fn, dtype, x, draw(bounded(shape, 2.0, dtype)))


each_activation = pytest.mark.parametrize("name", NAMES)


@each_activation
@given(data=st.data())
def test_forward_matches_torch(name, data):
    """x: (N, C) -> out: (N, C), equal to torch's function of the same values, in x's dtype."""
    case = data.draw(cases(st.just(name)))
    assert_matches(case.activation(case.x), torch_value(case.torch_fn, case.x), f"{name}(x)", case.dtype)


@each_activation
@given(data=st.data())
def test_grad_matches_torch_autograd(name, data):
    """grad(g: (N, C)) -> dL/dx: (N, C), torch's vector-Jacobian product g . d out/d x."""
    case = data.draw(cases(st.just(name)))
    _, (expected,) = torch_value_and_grad(case.torch_fn, case.x, upstream=case.g)
    case.activation(case.x)
    assert_matches(case.activation.grad(case.g), expected, f"{name}.grad(g)", case.dtype)


@given(case=cases(st.sampled_from(("relu", "leaky_relu")), zeros=True))
def test_grad_at_exact_zero_follows_torch(case):
    """x: (N, C) holding exact zeros (+0 and -0): ReLU'(0) = 0 and LeakyReLU'(0) = alpha, as in torch."""
    _, (expected,) = torch_value_and_grad(case.torch_fn, case.x, upstream=case.g)
    case.activation(case.x)
    assert_matches(case.activation.grad(case.g), expected, f"{case.name}.grad(g) with zeros in x", case.dtype)


@given(case=cases(st.sampled_from(("sigmoid", "softmax")), bound=1e3))
def test_large_inputs_saturate_without_overflow(case):
    """x: (N, C) in [-1e3, 1e3]: no overflow or invalid operation, no NaN; forward and grad equal torch's.

    |x| of 50 already saturates the sigmoid, but exp(-x) only overflows past 88 (float32) and 709
    (float64): the bound goes well beyond both, so a naive 1 / (1 + exp(-x)) or an unshifted
    softmax fails here.
    """
    expected_out, (expected_grad,) = torch_value_and_grad(case.torch_fn, case.x, upstream=case.g)
    with no_float_errors():
        out, grad = case.activation(case.x), case.activation.grad(case.g)
    assert_matches(out, expected_out, f"{case.name}(x) for |x| up to 1e3", case.dtype)
    assert_matches(grad, expected_grad, f"{case.name}.grad(g) for |x| up to 1e3", case.dtype)


@given(case=cases())
def test_float32_stays_float32_through_forward_and_grad(case):
    """float32 x and g: (N, C) -> float32 out and float32 dL/dx (no silent promotion to float64)."""
    x, g = case.x.astype(np.float32), case.g.astype(np.float32)
    assert (case.activation(x).dtype, case.activation.grad(g).dtype) == (np.float32, np.float32)


@given(case=cases())
def test_grad_leaves_in_gradient_and_input_unchanged(case):
    """grad(g: (N, C)) must not write into g, nor the forward pass into x."""
    x_before, g_before = case.x.copy(), case.g.copy()
    case.activation(case.x)
    case.activation.grad(case.g)
    assert_identical(case.g, g_before, f"the in_gradient given to {case.name}.grad")
    assert_identical(case.x, x_before, f"the x given to {case.name}")


@each_activation
def test_get_type_is_activation(name):
    activation = LeakyReLU() if name == "leaky_relu" else FIXED[name]()
    assert activation.get_type() == "activation"


@pytest.mark.parametrize("activation", [Sigmoid, Tanh, Softmax], ids=lambda cls: cls.__name__)
def test_output_that_is_the_cache_is_read_only(activation):
    """Editing such an output in place would silently change the backward pass: it raises instead."""
    out = activation()(np.ones((2, 3)))
    with pytest.raises(ValueError, match="read-only"):
        out *= 2


@pytest.mark.parametrize("activation", [ReLU, LeakyReLU], ids=lambda cls: cls.__name__)
def test_backward_ignores_later_edits_of_the_input(activation):
    x = np.array([[-1.0, 2.0]])
    layer = activation()
    layer(x)
    x *= -1
    np.testing.assert_array_equal(layer.grad(np.ones((1, 2))) > 0.5, [[False, True]])
