"""The notebook's L2 cell (docs/assignments/nnti-7.4.md), its toyframe half: run in the worker on the student's
L2regularization (numpy and toyframe's skeleton only; the expected values stay in reference.core.notebook)."""
import numpy as np

import toyframe

COEFFICIENT, LEARNING_RATE = 0.01, 0.001


def _cell(l2_class):
    """seed 123; Linear(1000, 100), ReLU, l2_class(Linear(100, 10), 0.01), ReLU; x = randn(2, 1000); classes 4, 1."""
    np.random.seed(123)
    layer1, layer2 = toyframe.Linear(1000, 100), l2_class(toyframe.Linear(100, 10), coefficient=COEFFICIENT)
    x = np.random.randn(2, 1000)
    targets = np.zeros((2, 10))
    targets[0, 4] = targets[1, 1] = 1
    return layer1, layer2, x, targets


def toy_l2_cell_losses(l2_class):
    """(regularized loss, the same after one update_parameters(grads, 0.001)) as the notebook computes them."""
    layer1, layer2, x, targets = _cell(l2_class)
    model, loss = toyframe.Model([layer1, toyframe.ReLU(), layer2, toyframe.ReLU()]), toyframe.CrossEntropy()
    first = loss(model.forward(x), targets) + COEFFICIENT * np.sum(np.square(layer2.weights))
    model.update_parameters(model.backward(loss.grad()), LEARNING_RATE)
    after = loss(model.forward(x), targets) + COEFFICIENT * np.sum(np.square(layer2.weights))
    return float(first), float(after)
