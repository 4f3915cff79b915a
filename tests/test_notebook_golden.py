"""The notebook's own checks (docs/assignments/nnti-7.4.md), reproduced by toyframe.

The golden numbers are the assignment's (printed by the course notebook or by torch), never
values computed by toyframe. Cells that depend on NumPy's global RNG run after np.random.seed(123)
exactly in the notebook's order: Linear(1000, 100), Linear(100, 10), x = randn(2, 1000), then the
dropout mask. Every cell also runs with float32 parameters and inputs (same draws, cast).
"""
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reference.core import conventions
from reference.core import tolerances
from reference.core.comparator import assert_close
from tests.helpers import each_dtype, one_hot, torch_value
from toyframe import CrossEntropy, Dropout, L2regularization, Linear, Model, MSELoss, ReLU

NOTEBOOK_SEED = 123
NOTEBOOK_CLASSES = np.array([4, 1])  # the one-hot targets of the Dropout and L2 cells
L2_COEFFICIENT = 0.01
NOTEBOOK_LR = 0.001

DROPOUT_CELL_LOSS = 2.15028
L2_CELL_LOSS_EXACT = 1.98874978912894     # exact log-softmax (torch float64)
L2_CELL_LOSS_SKELETON = 1.98874971619105  # the skeleton's log(p + 1e-8)

EARLIER_LOGITS = np.array([[.4, .35, .71, .3], [.01, .01, .01, .65]])
EARLIER_CLASSES = np.array([2, 3])
EARLIER_CE_SKELETON = 1.0391157169091105  # the skeleton's log(p + 1e-8)
EARLIER_PRED, EARLIER_TARGET = np.array([0., 1., 2.]), np.array([1., 3., 3.])
EARLIER_MSE, EARLIER_MSE_GRAD = 2.0, np.array([-2 / 3, -4 / 3, -2 / 3])


def dropout_cell_loss(dtype):
    """The Dropout cell: Linear(1000,100), ReLU, Dropout(Linear(100,10), p=0.5), ReLU; x: (2, 1000)."""
    np.random.seed(NOTEBOOK_SEED)
    model = Model([Linear(1000, 100, dtype=dtype), ReLU(), Dropout(Linear(100, 10, dtype=dtype), p=0.5), ReLU()])
    x = np.random.randn(2, 1000).astype(dtype)
    return CrossEntropy()(model.forward(x), one_hot(NOTEBOOK_CLASSES, 10, dtype))


class L2Cell(NamedTuple):
    """The L2 cell: Linear(1000,100), ReLU, L2regularization(Linear(100,10), 0.01), ReLU; x: (2, 1000)."""
    model: Model
    regularized: L2regularization
    x: np.ndarray
    targets: np.ndarray  # one-hot (2, 10)

    @classmethod
    def build(cls, dtype=np.float64):
        np.random.seed(NOTEBOOK_SEED)
        hidden = Linear(1000, 100, dtype=dtype)
        regularized = L2regularization(Linear(100, 10, dtype=dtype), L2_COEFFICIENT)
        model = Model([hidden, ReLU(), regularized, ReLU()])
        return cls(model, regularized, np.random.randn(2, 1000).astype(dtype), one_hot(NOTEBOOK_CLASSES, 10, dtype))

    def loss(self, criterion):
        """CE + 0.01 * sum(W2**2), the penalty added by the caller as in the notebook."""
        return criterion(self.model.forward(self.x), self.targets) + L2_COEFFICIENT * np.sum(
            np.square(self.regularized.weights))

    def parameters(self):
        """Copies of (W1, b1, W2, b2), toyframe layout."""
        hidden, regularized = self.model.components[0], self.regularized
        return [np.copy(a) for a in (hidden.weights, hidden.bias, regularized.weights, regularized.bias)]


def torch_loss_after_one_sgd_step(parameters, x, dtype):
    """The notebook's torch model: nn.Linear weights copied transposed, SGD(lr=0.001, momentum=0),
    loss = cross_entropy + 0.01 * sum(W2**2); one step, then the loss again."""
    w1, b1, w2, b2 = parameters
    hidden, output = torch.nn.Linear(1000, 100, dtype=dtype), torch.nn.Linear(100, 10, dtype=dtype)
    with torch.no_grad():
        for layer, weights, bias in ((hidden, w1, b1), (output, w2, b2)):
            layer.weight.copy_(conventions.torch_weight(weights))
            layer.bias.copy_(conventions.torch_bias(bias))
    optimizer = torch.optim.SGD([*hidden.parameters(), *output.parameters()], lr=NOTEBOOK_LR, momentum=0)
    inputs, classes = conventions.to_torch(x).to(dtype), torch.from_numpy(NOTEBOOK_CLASSES)

    def loss():
        out = torch.relu(output(torch.relu(hidden(inputs))))
        return F.cross_entropy(out, classes) + conventions.l2_penalty(output.weight, L2_COEFFICIENT)

    loss().backward()
    optimizer.step()
    with torch.no_grad():
        return conventions.to_numpy(loss())


@each_dtype
def test_dropout_cell_loss_is_2_15028_within_the_assignment_tolerance(dtype):
    assert_close(dropout_cell_loss(dtype), DROPOUT_CELL_LOSS, quantity="the Dropout cell's loss",
                 tolerance=tolerances.ASSIGNMENT, dtype=dtype)


@each_dtype
def test_l2_cell_loss_equals_torch_exact_log_softmax_value(dtype):
    """CE + 0.01 sum(W2**2) = 1.98874978912894 (torch float64) within the dtype's policy."""
    loss = L2Cell.build(dtype).loss(CrossEntropy())
    assert_close(loss, L2_CELL_LOSS_EXACT, quantity="the L2 cell's loss",
                 tolerance=tolerances.for_dtype(dtype), dtype=dtype)


@each_dtype
def test_l2_cell_loss_is_within_the_assignment_tolerance_of_the_skeleton_value(dtype):
    """The notebook printed 1.98874971619105 (log(p + 1e-8)); the exact value is within its 5e-3."""
    loss = L2Cell.build(dtype).loss(CrossEntropy())
    assert_close(loss, L2_CELL_LOSS_SKELETON, quantity="the L2 cell's loss against the skeleton's",
                 tolerance=tolerances.ASSIGNMENT, dtype=dtype)


@pytest.mark.parametrize("torch_dtype, tolerance", (
    pytest.param(torch.float32, tolerances.ASSIGNMENT, id="torch-float32-as-the-notebook"),
    pytest.param(torch.float64, tolerances.FLOAT64, id="torch-float64-policy")))
def test_l2_cell_loss_after_one_sgd_step_agrees_with_torch(torch_dtype, tolerance):
    """m.update_parameters(m.backward(loss.grad()), 0.001), then the loss again: equal to torch's
    after one SGD step (biases trained on both sides), atol 1e-3 as the notebook checks it against
    torch float32, and within the float64 policy against torch float64."""
    cell, criterion = L2Cell.build(), CrossEntropy()
    before = cell.parameters()
    cell.loss(criterion)
    cell.model.update_parameters(cell.model.backward(criterion.grad()), NOTEBOOK_LR)
    expected = torch_loss_after_one_sgd_step(before, cell.x, torch_dtype)
    assert_close(cell.loss(criterion), expected, quantity="the L2 cell's loss after one SGD step",
                 tolerance=tolerance, dtype=np.float64)


each_target_kind = pytest.mark.parametrize("targets", (
    pytest.param(EARLIER_CLASSES, id="class-indices"), pytest.param(np.eye(4)[EARLIER_CLASSES], id="one-hot")))


@each_dtype
@each_target_kind
def test_earlier_cross_entropy_is_within_the_assignment_tolerance_of_the_skeleton_value(dtype, targets):
    """logits (2, 4) [[.4, .35, .71, .3], [.01, .01, .01, .65]], classes 2 and 3: 1.0391157169091105 within 5e-3."""
    loss = CrossEntropy()(EARLIER_LOGITS.astype(dtype), targets)
    assert_close(loss, EARLIER_CE_SKELETON, quantity="the earlier exercise's cross-entropy",
                 tolerance=tolerances.ASSIGNMENT, dtype=dtype)


@each_dtype
@each_target_kind
def test_earlier_cross_entropy_equals_torch_exact_value(dtype, targets):
    logits = EARLIER_LOGITS.astype(dtype)
    expected = torch_value(lambda z: F.cross_entropy(z, torch.from_numpy(EARLIER_CLASSES)), logits)
    assert_close(CrossEntropy()(logits, targets), expected, quantity="the earlier exercise's cross-entropy",
                 tolerance=tolerances.for_dtype(dtype), dtype=dtype)


# N = rows: MSE = 6 / 3 = 2.0 only when the three values are three rows, (3, 1) or 1-D (3,);
# a single row (1, 3) would give 6.0.
each_layout = pytest.mark.parametrize("shape", ((3, 1), (3,)), ids=("column-3x1", "1d-3"))


@each_dtype
@each_layout
def test_earlier_mse_is_2(dtype, shape):
    loss = MSELoss()(EARLIER_PRED.reshape(shape).astype(dtype), EARLIER_TARGET.reshape(shape).astype(dtype))
    assert_close(loss, EARLIER_MSE, quantity="the earlier exercise's MSE", tolerance=tolerances.for_dtype(dtype),
                 dtype=dtype)


@each_dtype
@each_layout
def test_earlier_mse_grad_is_minus_two_thirds_four_thirds_two_thirds(dtype, shape):
    loss = MSELoss()
    loss(EARLIER_PRED.reshape(shape).astype(dtype), EARLIER_TARGET.reshape(shape).astype(dtype))
    assert_close(loss.grad(), EARLIER_MSE_GRAD.reshape(shape), quantity="the earlier exercise's MSE gradient",
                 tolerance=tolerances.for_dtype(dtype), dtype=dtype)
