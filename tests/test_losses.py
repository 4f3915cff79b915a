"""toyframe.losses against torch: CrossEntropy and MSELoss, values and grad().

Logits / predictions: (N, C) with N in 1..6 and C in 2..6 (CE) or 1..6 (MSE), float64 or float32
(drawn). CE targets: one-hot rows (N, C) or int64 class indices (N,). The reference is torch's
F.cross_entropy / F.mse_loss of the same values in float64, differentiated by autograd.
"""
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from reference.core import conventions
from reference.core import tolerances
from reference.core.comparator import assert_close
from tests.helpers import (BATCH_SIZES, MATRIX_SHAPES, assert_matches, bounded, class_indices, dtypes,
                           no_float_errors, one_hot, torch_value_and_grad)
from toyframe import CrossEntropy, MSELoss

TARGET_KINDS = ("one_hot", "class_index")
CLASS_COUNTS = st.integers(2, 6)
TINY_PROBABILITY_GAPS = st.floats(25.0, 40.0)  # how far below the others the target logit sits


class CECase(NamedTuple):
    dtype: type
    logits: np.ndarray    # (N, C)
    classes: np.ndarray   # (N,) int64
    targets: np.ndarray   # what toyframe is given: one-hot (N, C) in the logits' dtype, or `classes`

    def torch_targets(self):
        if self.targets.ndim == 1:
            return torch.from_numpy(self.classes)
        return conventions.to_torch(self.targets)

    def torch_loss(self, average=True):
        """(value, dL/dlogits) of torch's cross_entropy, mean or sum over the batch."""
        targets = self.torch_targets()
        reduction = "mean" if average else "sum"
        value, (grad,) = torch_value_and_grad(lambda z: F.cross_entropy(z, targets, reduction=reduction),
                                              self.logits)
        return value, grad


@st.composite
def ce_cases(draw, kinds=st.sampled_from(TARGET_KINDS), bound=5.0):
    dtype, n, c = draw(dtypes), draw(BATCH_SIZES), draw(CLASS_COUNTS)
    logits, classes = draw(bounded((n, c), bound, dtype)), draw(class_indices(n, c))
    return CECase(dtype, logits, classes, one_hot(classes, c, dtype) if draw(kinds) == "one_hot" else classes)


def skeleton_cross_entropy(logits, onehot):
    """The course skeleton's formula, -mean(sum(onehot * log(softmax + 1e-8))): NOT exact."""
    shifted = np.asarray(logits, dtype=np.float64) - np.max(logits, axis=1, keepdims=True)
    softmax = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    return -np.sum(onehot * np.log(softmax + 1e-8)) / logits.shape[0]


each_target_kind = pytest.mark.parametrize("kind", TARGET_KINDS)
each_reduction = pytest.mark.parametrize("average", (True, False), ids=("mean", "sum"))


@each_target_kind
@each_reduction
@given(data=st.data())
def test_cross_entropy_value_matches_torch(kind, average, data):
    """CE(logits: (N, C), targets) -> scalar, mean (average=True) or sum over the batch, in the logits' dtype."""
    case = data.draw(ce_cases(st.just(kind)))
    expected, _ = case.torch_loss(average)
    loss = CrossEntropy(average=average)
    assert_matches(loss(case.logits, case.targets), expected, f"CrossEntropy ({kind}, average={average})", case.dtype)


@each_target_kind
@each_reduction
@given(data=st.data())
def test_cross_entropy_grad_matches_torch(kind, average, data):
    """grad() -> dL/dlogits: (N, C) = (softmax - onehot) [/ N], torch autograd's."""
    case = data.draw(ce_cases(st.just(kind)))
    _, expected = case.torch_loss(average)
    loss = CrossEntropy(average=average)
    loss(case.logits, case.targets)
    assert_matches(loss.grad(), expected, f"CrossEntropy.grad() ({kind}, average={average})", case.dtype)


@given(case=ce_cases(bound=1e3))
def test_cross_entropy_is_stable_for_logits_up_to_1e3(case):
    """logits: (N, C) in [-1e3, 1e3]: no overflow or NaN (exp of the shifted logits only underflows)."""
    expected_value, expected_grad = case.torch_loss()
    loss = CrossEntropy()
    with no_float_errors():
        value, grad = loss(case.logits, case.targets), loss.grad()
    assert_matches(value, expected_value, "CrossEntropy of logits up to 1e3", case.dtype)
    assert_matches(grad, expected_grad, "CrossEntropy.grad() of logits up to 1e3", case.dtype)


@given(case=ce_cases(kinds=st.just("one_hot"), bound=2.0), gap=TINY_PROBABILITY_GAPS)
def test_cross_entropy_is_exact_where_the_target_probability_is_tiny(case, gap):
    """logits: (N, C) with each target logit >= 25 below the rest, so p(target) < 1e-10 << 1e-8.

    toyframe equals torch's exact log-softmax; the skeleton's log(p + 1e-8) caps each row's loss
    near 18.4 and fails the very same comparison (which proves the case discriminates).
    """
    logits = case.logits.copy()
    logits[np.arange(len(logits)), case.classes] -= logits.dtype.type(gap)
    case = case._replace(logits=logits)
    expected, _ = case.torch_loss()
    assert_matches(CrossEntropy()(case.logits, case.targets), expected, "CrossEntropy, tiny p(target)", case.dtype)
    with pytest.raises(AssertionError, match="differs from the PyTorch reference"):
        assert_close(skeleton_cross_entropy(case.logits, case.targets), expected,
                     quantity="the skeleton's log(p + 1e-8) cross-entropy", tolerance=tolerances.ASSIGNMENT)


@given(case=ce_cases())
def test_cross_entropy_keeps_the_logits_dtype(case):
    """float32 logits: (N, C) -> float32 loss and float32 grad (N, C), whatever the target kind."""
    loss = CrossEntropy()
    logits = case.logits.astype(np.float32)
    assert (loss(logits, case.targets).dtype, loss.grad().dtype) == (np.float32, np.float32)


@st.composite
def mse_cases(draw):
    """(dtype, pred, target): both (N, D), N and D in 1..6, so multi-column targets too."""
    dtype, shape = draw(dtypes), draw(MATRIX_SHAPES)
    return dtype, draw(bounded(shape, 3.0, dtype)), draw(bounded(shape, 3.0, dtype))


@given(case=mse_cases())
def test_mse_value_is_the_sum_of_squares_over_rows_like_torch(case):
    """MSE(pred: (N, D), target: (N, D)) = sum((pred - target)**2) / N = F.mse_loss(reduction='sum') / N."""
    dtype, pred, target = case
    expected, _ = torch_value_and_grad(conventions.mse_loss, pred, target)
    assert_matches(MSELoss()(pred, target), expected, "MSELoss", dtype)


@given(case=mse_cases())
def test_mse_grad_is_two_diff_over_rows_like_torch(case):
    """grad() -> dL/dpred: (N, D) = 2 (pred - target) / N, torch autograd's."""
    dtype, pred, target = case
    _, (expected, _) = torch_value_and_grad(conventions.mse_loss, pred, target)
    loss = MSELoss()
    loss(pred, target)
    assert_matches(loss.grad(), expected, "MSELoss.grad()", dtype)
