"""toyframe's convolutional components against torch: Conv2d, MaxPool2d, Flatten, Dropout2d, Conv2d under
Dropout and L2regularization, and toyframe.optim.SGD over a small convolutional stack; plus central
finite differences for Conv2d and MaxPool2d.

Layouts: images NCHW; Conv2d.weights is torch's weight (C_out, C_in, kh, kw) and its bias torch's (C_out,),
so they are copied as they are (a Linear's weights (in, out) are copied transposed). Every drawn kernel,
stride, padding and image size is one torch accepts; batches of 1 and up; float64 and float32, compared
with a float64 torch reference under reference.core.tolerances.
"""
from typing import NamedTuple, Optional

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.core import conventions, tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import COEFFICIENTS, DROP_PROBABILITIES, GRID
from tests.helpers import assert_identical, assert_matches, bounded, dtypes, torch_value_and_grad
from toyframe import (Conv2d, CrossEntropy, Dropout, Dropout2d, Flatten, L2regularization, Linear, MaxPool2d,
                      Model, ReLU)
from toyframe.layers import innermost
from toyframe.layers.windows import output_size, windows
from toyframe.optim import SGD

BATCHES = st.integers(1, 3)
CHANNELS = st.integers(1, 3)
SEEDS = st.integers(0, 2**32 - 1)


class ReplayedUniforms:
    """Stands in for a Dropout's `rng` so that its next masks keep exactly `keeps` (bool arrays, in order):
    it hands out 1 where an element is kept and 0 where dropped, and `uniform > p` does the rest."""

    def __init__(self, *keeps):
        self.keeps = list(keeps)

    def random(self, shape):
        keep = self.keeps.pop(0)
        assert keep.shape == tuple(shape), (keep.shape, shape)
        return keep.astype(np.float64)


def kept(layer):
    """The elements (or channels) a dropout layer's last mask kept, as bool."""
    return layer.mask != 0


# ---------------------------------------------------------------- strategies

class Geometry(NamedTuple):
    kernel: tuple   # (kh, kw)
    stride: tuple   # (sh, sw)
    padding: tuple  # (ph, pw)
    image: tuple    # (H, W)

    def output(self):
        return tuple(output_size(size + 2 * pad, k, s)
                     for size, pad, k, s in zip(self.image, self.padding, self.kernel, self.stride))


@st.composite
def conv_geometries(draw, max_kernel=4, max_stride=3, max_padding=2, max_extra=5):
    """Any kernel, stride, padding and image that torch.nn.Conv2d accepts: the padded image holds the kernel."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    padding = (draw(st.integers(0, max_padding)), draw(st.integers(0, max_padding)))
    smallest = [max(1, k - 2 * p) for k, p in zip(kernel, padding)]
    image = tuple(draw(st.integers(low, low + max_extra)) for low in smallest)
    return Geometry(kernel, stride, padding, image)


@st.composite
def pool_geometries(draw, max_kernel=4, max_stride=3, max_extra=5):
    """Any kernel and stride torch.nn.MaxPool2d accepts without padding: the image holds the kernel."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    image = tuple(draw(st.integers(k, k + max_extra)) for k in kernel)
    return Geometry(kernel, stride, (0, 0), image)


def distinct(shape, bound, dtype):
    """Arrays with no two equal elements (so no window of a max pool has a tie), on bounded_arrays' grid."""
    steps = st.integers(-GRID, GRID).map(lambda step: bound * step / GRID)
    return hnp.arrays(dtype, shape, elements=steps, unique=True)


class ConvCase(NamedTuple):
    dtype: type
    geometry: Geometry
    x: np.ndarray               # (N, C_in, H, W)
    weights: np.ndarray         # (C_out, C_in, kh, kw)
    bias: Optional[np.ndarray]  # (C_out,) or None
    g: np.ndarray               # upstream gradient (N, C_out, Ho, Wo)

    def toyframe_layer(self):
        c_out, c_in, _, _ = self.weights.shape
        g = self.geometry
        layer = Conv2d(c_in, c_out, g.kernel, stride=g.stride, padding=g.padding, bias=self.bias is not None,
                       dtype=self.dtype)
        layer.weights = self.weights.copy()
        if self.bias is not None:
            layer.bias = self.bias.copy()
        return layer

    def torch_conv(self, x, weight, bias=None):
        return F.conv2d(x, weight, bias, stride=self.geometry.stride, padding=self.geometry.padding)


@st.composite
def conv_cases(draw, geometries=conv_geometries(), dtype=dtypes, with_bias=st.booleans()):
    dtype, geometry, n, c_in, c_out = draw(dtype), draw(geometries), draw(BATCHES), draw(CHANNELS), draw(CHANNELS)
    bias = draw(bounded((c_out,), 1.0, dtype)) if draw(with_bias) else None
    return ConvCase(dtype, geometry, draw(bounded((n, c_in, *geometry.image), 2.0, dtype)),
                    draw(bounded((c_out, c_in, *geometry.kernel), 1.0, dtype)), bias,
                    draw(bounded((n, c_out, *geometry.output()), 2.0, dtype)))


class PoolCase(NamedTuple):
    dtype: type
    geometry: Geometry
    x: np.ndarray  # (N, C, H, W), no two elements equal
    g: np.ndarray  # (N, C, Ho, Wo)


@st.composite
def pool_cases(draw, geometries=pool_geometries(), dtype=dtypes):
    dtype, geometry, n, c = draw(dtype), draw(geometries), draw(BATCHES), draw(CHANNELS)
    return PoolCase(dtype, geometry, draw(distinct((n, c, *geometry.image), 2.0, dtype)),
                    draw(bounded((n, c, *geometry.output()), 2.0, dtype)))


# ---------------------------------------------------------------- Conv2d

@given(case=conv_cases())
def test_conv2d_forward_and_every_gradient_match_torch(case):
    """out (N, C_out, Ho, Wo), then grad(g) -> (dL/dW (C_out, C_in, kh, kw), dL/dx (N, C_in, H, W)), bias_grad (C_out,)."""
    layer = case.toyframe_layer()
    x_before = case.x.copy()
    out = layer(case.x)
    d_weights, d_x = layer.grad(case.g)
    arrays = (case.x, case.weights) + (() if case.bias is None else (case.bias,))
    expected, grads = torch_value_and_grad(case.torch_conv, *arrays, upstream=case.g)
    assert_matches(out, expected, "Conv2d(x)", case.dtype)
    assert_matches(d_x, grads[0], "dL/dx from Conv2d.grad", case.dtype)
    assert_matches(d_weights, grads[1], "dL/dW from Conv2d.grad", case.dtype)
    if case.bias is not None:
        assert_matches(layer.bias_grad, grads[2], "dL/db (Conv2d.bias_grad)", case.dtype)
    assert_identical(case.x, x_before, "x after Conv2d's forward and backward")


@given(case=conv_cases())
def test_conv2d_first_layer_skips_dx(case):
    layer = case.toyframe_layer()
    layer(case.x)
    d_weights, d_x = layer.grad(case.g, input_grad=False)
    assert d_x is None
    assert_identical(d_weights, layer.grad(case.g)[0], "dL/dW with and without input_grad")


def test_conv2d_draws_torch_layouts_and_takes_ints_or_pairs():
    layer = Conv2d(3, 6, 5, rng=np.random.default_rng(0), dtype=np.float32)
    assert layer.weights.shape == (6, 3, 5, 5) and layer.bias.shape == (6,)
    assert layer.weights.dtype == layer.bias.dtype == np.float32
    assert layer(np.zeros((2, 3, 32, 32), np.float32)).shape == (2, 6, 28, 28)
    layer = Conv2d(1, 1, (2, 3), stride=(1, 2), padding=(0, 1), bias=False)
    assert layer.bias is None and layer(np.zeros((1, 1, 4, 5))).shape == (1, 1, 3, 3)


@pytest.mark.parametrize("arguments, named", [
    (dict(in_channels=0), "in_channels"), (dict(kernel_size=0), "kernel_size"), (dict(kernel_size=(2, 2, 2)), "kernel_size"),
    (dict(stride=0), "stride"), (dict(padding=-1), "padding"), (dict(dtype=np.int64), "dtype")])
def test_conv2d_rejects_bad_arguments_by_name(arguments, named):
    with pytest.raises(ValueError, match=named):
        Conv2d(**{**dict(in_channels=2, out_channels=3, kernel_size=3), **arguments})


@pytest.mark.parametrize("shape", [(2, 3, 8), (2, 3, 8, 8), (2, 2, 2, 8)])
def test_conv2d_rejects_inputs_torch_rejects(shape):
    with pytest.raises(ValueError, match="x"):
        Conv2d(2, 3, 3)(np.zeros(shape))


# ---------------------------------------------------------------- MaxPool2d, Flatten

@given(case=pool_cases())
def test_maxpool2d_forward_and_gradient_match_torch(case):
    geometry = case.geometry
    pool = MaxPool2d(geometry.kernel, geometry.stride)
    assert pool.get_type() == "activation"
    out = pool(case.x)
    d_x = pool.grad(case.g)
    expected, (expected_dx,) = torch_value_and_grad(
        lambda x: F.max_pool2d(x, geometry.kernel, geometry.stride), case.x, upstream=case.g)
    assert_matches(out, expected, "MaxPool2d(x)", case.dtype)
    assert_matches(d_x, expected_dx, "dL/dx from MaxPool2d.grad", case.dtype)


def test_maxpool2d_stride_defaults_to_the_kernel_and_rejects_small_images():
    assert MaxPool2d(2)(np.zeros((1, 1, 6, 5))).shape == (1, 1, 3, 2)
    with pytest.raises(ValueError, match="kernel_size"):
        MaxPool2d(0)
    with pytest.raises(ValueError, match="x"):
        MaxPool2d(3)(np.zeros((1, 1, 2, 5)))


@given(dtype=dtypes, data=st.data())
def test_flatten_matches_torch_flatten(dtype, data):
    shape = data.draw(st.tuples(BATCHES, CHANNELS, st.integers(1, 4), st.integers(1, 4)))
    x = data.draw(bounded(shape, 2.0, dtype))
    g = data.draw(bounded((shape[0], int(np.prod(shape[1:]))), 2.0, dtype))
    flatten = Flatten()
    out = flatten(x)
    expected, (expected_dx,) = torch_value_and_grad(lambda t: torch.flatten(t, 1), x, upstream=g)
    assert_identical(out, expected.astype(dtype), "Flatten(x)")
    assert_identical(flatten.grad(g), expected_dx.astype(dtype), "dL/dx from Flatten.grad")


# ---------------------------------------------------------------- Dropout2d and the wrappers around a Conv2d

WRAPS = ("dropout", "dropout2d", "l2", "dropout+l2", "dropout2d+l2")


def wrapped(layer, wrap, p, coefficient, rng):
    """`wrap` applied to `layer`: the L2 penalty inside, the dropout outside (as Dropout(L2(layer)))."""
    if "l2" in wrap:
        layer = L2regularization(layer, coefficient=coefficient)
    if wrap.startswith("dropout2d"):
        return Dropout2d(layer, p=p, rng=rng)
    if wrap.startswith("dropout"):
        return Dropout(layer, p=p, rng=rng)
    return layer


@given(case=conv_cases(), wrap=st.sampled_from(WRAPS), p=DROP_PROBABILITIES, coefficient=COEFFICIENTS, seed=SEEDS)
def test_wrapped_conv2d_matches_torch_with_the_mask_it_drew(case, wrap, p, coefficient, seed):
    """Dropout, Dropout2d and L2regularization wrap a Conv2d as they wrap a Linear: out, the penalty, and
    dL/dx, dL/dW (with the penalty's 2 * coefficient * W), dL/db match torch given the toyframe mask."""
    layer = wrapped(case.toyframe_layer(), wrap, p, coefficient, np.random.default_rng(seed))
    out = layer(case.x)
    d_weights, d_x = layer.grad(case.g)
    mask = getattr(layer, "mask", None)
    if wrap.startswith("dropout2d"):
        assert mask.shape == (*out.shape[:2], 1, 1)
    if mask is not None:
        scales = np.unique(mask[mask != 0])
        assert scales.size <= 1 and np.allclose(scales, 1 / (1 - p), rtol=1e-6), scales
    penalty = coefficient if "l2" in wrap else 0.0

    def reference(x, weight, bias=None):
        out = case.torch_conv(x, weight, bias)
        out = out if mask is None else out * conventions.to_torch(mask != 0) / (1 - p)
        return out, penalty * weight.square().sum()

    tensors = [conventions.to_torch(a).requires_grad_(True)
               for a in (case.x, case.weights) + (() if case.bias is None else (case.bias,))]
    expected_out, expected_penalty = reference(*tensors)
    ((expected_out * conventions.to_torch(case.g)).sum() + expected_penalty).backward()
    assert_matches(out, conventions.to_numpy(expected_out), f"{wrap}(Conv2d)(x)", case.dtype)
    assert_matches(d_x, conventions.to_numpy(tensors[0].grad), f"dL/dx through {wrap}", case.dtype)
    assert_matches(d_weights, conventions.to_numpy(tensors[1].grad), f"dL/dW through {wrap}", case.dtype)
    if case.bias is not None:
        assert_matches(innermost(layer).bias_grad, conventions.to_numpy(tensors[2].grad), f"dL/db through {wrap}",
                       case.dtype)
    if penalty:
        assert_close(np.asarray(Model([layer]).penalty()), conventions.to_numpy(expected_penalty), quantity="L2 penalty",
                     tolerance=tolerances.for_dtype(case.dtype))


@given(case=conv_cases(with_bias=st.just(True)), p=DROP_PROBABILITIES, seed=SEEDS)
def test_dropout2d_replays_torchs_own_channel_mask(case, p, seed):
    """torch's nn.Dropout2d drops whole channels and scales the rest by 1/(1-p): its mask, read off a run on
    ones, replayed into toyframe's Dropout2d gives torch's Dropout2d(conv(x)) and its gradients."""
    n, c_out = case.g.shape[:2]
    torch.manual_seed(seed)
    torch_mask = F.dropout2d(torch.ones(n, c_out, 1, 1, dtype=torch.float64), p=p, training=True)
    keep = conventions.to_numpy(torch_mask) != 0
    assert set(np.unique(conventions.to_numpy(torch_mask))) <= {0.0, 1 / (1 - p)}

    layer = Dropout2d(case.toyframe_layer(), p=p)
    layer.rng = ReplayedUniforms(keep)
    out = layer(case.x)
    d_weights, d_x = layer.grad(case.g)

    def reference(x, weight, bias):
        torch.manual_seed(seed)  # the same draw: Dropout2d's noise is (N, C, 1, 1) whatever the values
        return F.dropout2d(case.torch_conv(x, weight, bias), p=p, training=True)

    expected, (expected_dx, expected_dw, expected_db) = torch_value_and_grad(
        reference, case.x, case.weights, case.bias, upstream=case.g)
    assert_matches(out, expected, "Dropout2d(Conv2d)(x)", case.dtype)
    assert_matches(d_x, expected_dx, "dL/dx through Dropout2d", case.dtype)
    assert_matches(d_weights, expected_dw, "dL/dW through Dropout2d", case.dtype)
    assert_matches(layer.layer.bias_grad, expected_db, "dL/db through Dropout2d", case.dtype)


def test_dropout2d_eval_mode_and_p_zero_are_the_identity():
    conv = Conv2d(2, 3, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 2, 4, 4))
    plain = conv(x)
    layer = Dropout2d(conv, p=0.5)
    layer.training = False
    assert_identical(layer(x), plain, "Dropout2d in eval mode")
    assert_identical(Dropout2d(conv, p=0.0)(x), plain, "Dropout2d with p = 0")
    with pytest.raises(ValueError, match="p"):
        Dropout2d(conv, p=1.0)
    with pytest.raises(ValueError, match="N, C, H, W"):
        Dropout2d(Linear(2, 3))(np.zeros((1, 2)))


# ---------------------------------------------------------------- SGD over a small convolutional stack

class StackCase(NamedTuple):
    dtype: type
    conv: ConvCase            # its x is the batch, its g unused
    pool: Geometry
    linear_weights: np.ndarray  # toyframe layout (features, classes)
    linear_bias: np.ndarray     # (1, classes)
    targets: np.ndarray         # class indices (N,)
    conv_wrap: str
    linear_wrap: str
    p: float
    coefficient: float
    optimizer: dict
    steps: int


@st.composite
def optimizer_settings(draw):
    momentum = draw(st.sampled_from([0.0, 0.9]) | st.floats(0.0, 0.99))
    nesterov = momentum > 0 and draw(st.booleans())
    return dict(lr=draw(st.floats(0.01, 0.3)), momentum=momentum,
                dampening=0.0 if nesterov else draw(st.sampled_from([0.0]) | st.floats(0.0, 0.9)),
                weight_decay=draw(st.sampled_from([0.0]) | st.floats(0.0, 0.1)), nesterov=nesterov)


@st.composite
def stack_cases(draw):
    """Conv2d - MaxPool2d - ReLU - Flatten - Linear, each parametrised layer maybe wrapped; 2-4 steps."""
    conv = draw(conv_cases(conv_geometries(max_kernel=3, max_extra=4), with_bias=st.just(True)))
    ho, wo = conv.geometry.output()
    pool_kernel = (draw(st.integers(1, min(ho, 3))), draw(st.integers(1, min(wo, 3))))
    pool_stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pool = Geometry(pool_kernel, pool_stride, (0, 0), (ho, wo))
    features = conv.weights.shape[0] * int(np.prod(pool.output()))
    classes = draw(st.integers(2, 4))
    n = conv.x.shape[0]
    return StackCase(conv.dtype, conv, pool, draw(bounded((features, classes), 1.0, conv.dtype)),
                     draw(bounded((1, classes), 1.0, conv.dtype)),
                     draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, classes - 1))),
                     draw(st.sampled_from(("none",) + WRAPS)), draw(st.sampled_from(("none", "dropout", "l2", "dropout+l2"))),
                     draw(DROP_PROBABILITIES), draw(COEFFICIENTS), draw(optimizer_settings()), draw(st.integers(2, 4)))


def contested_windows(values, geometry, margin):
    """Whether some pooling window's largest value is positive (the ReLU after the pool lets its gradient
    through) and within `margin` of the window's second largest: rounding alone could pick its winner."""
    view = windows(values, geometry.kernel, geometry.stride)
    flat = np.sort(view.reshape(*view.shape[:4], -1), axis=-1)
    if flat.shape[-1] < 2:
        return False
    return bool(np.any((flat[..., -1] > 0) & (flat[..., -1] - flat[..., -2] <= margin)))


def assume_no_kinks(values_by_step, pool, dtype):
    """Reject scenarios in which rounding alone could decide a max pool's winner or a ReLU's branch. Exact
    zeros (a dropped element or channel) are zero in both frameworks: no kink for rounding to cross."""
    for pre_pool, pre_relu in values_by_step:
        scale = max(1.0, float(np.abs(pre_pool).max()))
        assume(scale < tolerances.MAGNITUDE_LIMIT)
        margin = tolerances.kink_margin(dtype) * scale
        assume(not contested_windows(pre_pool, pool, margin))
        assume(not np.any((pre_relu != 0) & (np.abs(pre_relu) <= margin)))


def toyframe_stack(case, rng):
    conv = wrapped(case.conv.toyframe_layer(), case.conv_wrap, case.p, case.coefficient, rng)
    linear = Linear(*case.linear_weights.shape, dtype=case.dtype)
    linear.weights, linear.bias = case.linear_weights.copy(), case.linear_bias.copy()
    linear = wrapped(linear, case.linear_wrap, case.p, case.coefficient, rng)
    return Model([conv, MaxPool2d(case.pool.kernel, case.pool.stride), ReLU(), Flatten(), linear])


def dropped(out, layer, p):
    """out through the mask `layer` (a toyframe component) drew, in torch, or out itself if it has none."""
    mask = getattr(layer, "mask", None)
    return out if mask is None else out * conventions.to_torch(mask != 0) / (1 - p)


@given(case=stack_cases(), seed=SEEDS)
def test_sgd_steps_over_a_conv_stack_match_torch_optim_sgd(case, seed):
    """Each step: loss (cross-entropy + L2 penalties), then every weight and bias after toyframe.optim.SGD's
    step match torch.optim.SGD's with the same hyperparameters, given the masks toyframe drew."""
    model = toyframe_stack(case, np.random.default_rng(seed))
    optimizer, loss_of = SGD(model, **case.optimizer), CrossEntropy()
    conv_w = conventions.to_torch(case.conv.weights).requires_grad_(True)
    conv_b = conventions.to_torch(case.conv.bias).requires_grad_(True)
    lin_w = conventions.torch_weight(case.linear_weights).requires_grad_(True)
    lin_b = conventions.torch_bias(case.linear_bias).requires_grad_(True)
    reference = torch.optim.SGD([conv_w, conv_b, lin_w, lin_b], **case.optimizer)
    x, targets = conventions.to_torch(case.conv.x), torch.from_numpy(case.targets)
    conv_penalty = case.coefficient if "l2" in case.conv_wrap else 0.0
    linear_penalty = case.coefficient if "l2" in case.linear_wrap else 0.0
    observed, expected, values = [], [], []
    for _ in range(case.steps):
        loss = loss_of(model(case.conv.x), case.targets) + model.penalty()
        optimizer.step(model.backward(loss_of.grad()))
        conv_layer, linear_layer = model.components[0], model.components[4]
        observed.append((loss, conv_layer.weights.copy(), conv_layer.bias.copy(), linear_layer.weights.copy(),
                         linear_layer.bias.copy()))

        reference.zero_grad()
        pre_pool = dropped(case.conv.torch_conv(x, conv_w, conv_b), conv_layer, case.p)
        pre_relu = F.max_pool2d(pre_pool, case.pool.kernel, case.pool.stride)
        logits = dropped(F.linear(torch.flatten(torch.relu(pre_relu), 1), lin_w, lin_b), linear_layer, case.p)
        torch_loss = (F.cross_entropy(logits, targets) + conv_penalty * conv_w.square().sum()
                      + linear_penalty * lin_w.square().sum())
        torch_loss.backward()
        reference.step()
        values.append((conventions.to_numpy(pre_pool), conventions.to_numpy(pre_relu)))
        expected.append((conventions.to_numpy(torch_loss), conventions.to_numpy(conv_w), conventions.to_numpy(conv_b),
                         conventions.to_numpy(lin_w).T, conventions.to_numpy(lin_b).reshape(1, -1)))
    assume_no_kinks(values, case.pool, case.dtype)
    names = ("loss", "conv weights", "conv bias", "linear weights", "linear bias")
    for step, (ours, theirs) in enumerate(zip(observed, expected), start=1):
        for name, actual, wanted in zip(names, ours, theirs):
            assert_matches(np.asarray(actual), wanted, f"{name} after step {step} of {case.steps}", case.dtype)


def test_sgd_rejects_what_torch_rejects():
    model = Model([Conv2d(1, 1, 1)])
    for arguments, named in [(dict(lr=-1.0), "lr"), (dict(lr=0.1, momentum=-0.5), "momentum"),
                             (dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
                             (dict(lr=0.1, nesterov=True), "nesterov"),
                             (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov")]:
        with pytest.raises(ValueError, match=named):
            SGD(model, **arguments)


# ---------------------------------------------------------------- central finite differences (float64)

def central_differences(array, loss_of, step=1e-6):
    """d loss_of() / d array by central differences, perturbing `array` in place one element at a time."""
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + step
        above = loss_of()
        array[index] = original - step
        below = loss_of()
        array[index] = original
        gradient[index] = (above - below) / (2 * step)
    return gradient


def assert_finite_differences(actual, array, loss_of, quantity):
    assert_close(actual, central_differences(array, loss_of), quantity=quantity,
                 tolerance=tolerances.FINITE_DIFFERENCE, dtype=np.float64)


@given(case=conv_cases(conv_geometries(max_kernel=3, max_extra=3), dtype=st.just(np.float64),
                       with_bias=st.just(True)))
def test_conv2d_gradients_are_central_differences(case):
    """L = sum(tanh(Conv2d(x)) * g): dL/dx, dL/dW and dL/db from the layer's backward equal its central differences."""
    layer = case.toyframe_layer()
    x = case.x.copy()

    def loss():
        return float(np.sum(np.tanh(layer(x)) * case.g))

    out = layer(x)
    d_weights, d_x = layer.grad(case.g * (1 - np.tanh(out) ** 2))
    bias_grad = layer.bias_grad
    assert_finite_differences(d_x, x, loss, "dL/dx of Conv2d")
    assert_finite_differences(d_weights, layer.weights, loss, "dL/dW of Conv2d")
    assert_finite_differences(bias_grad, layer.bias, loss, "dL/db of Conv2d")


@given(case=pool_cases(dtype=st.just(np.float64)))
def test_maxpool2d_gradient_is_central_differences(case):
    """L = sum(MaxPool2d(x) * g); no ties and a step far below the grid's 2e-3, so every window keeps its winner."""
    pool = MaxPool2d(case.geometry.kernel, case.geometry.stride)
    x = case.x.copy()
    pool(x)
    assert_finite_differences(pool.grad(case.g), x, lambda: float(np.sum(pool(x) * case.g)), "dL/dx of MaxPool2d")


@given(dtype=dtypes, geometry=pool_geometries(max_kernel=3), data=st.data())
def test_maxpool2d_sends_a_tied_windows_gradient_where_torch_does(dtype, geometry, data):
    """Ties (here drawn on purpose from {-1, 0, 1}; after a ReLU, whole windows of zeros): the gradient goes to
    the first maximum in row-major order, as torch's CPU max_pool2d does."""
    shape = (data.draw(BATCHES), data.draw(CHANNELS), *geometry.image)
    x = data.draw(hnp.arrays(dtype, shape, elements=st.sampled_from([-1.0, 0.0, 1.0])))
    g = data.draw(bounded((*shape[:2], *geometry.output()), 2.0, dtype))
    pool = MaxPool2d(geometry.kernel, geometry.stride)
    pool(x)
    _, (expected_dx,) = torch_value_and_grad(lambda t: F.max_pool2d(t, geometry.kernel, geometry.stride), x, upstream=g)
    assert_matches(pool.grad(g), expected_dx, "dL/dx from MaxPool2d.grad with ties", dtype)
