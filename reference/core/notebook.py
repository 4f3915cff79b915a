"""The notebook's L2 cell (ASSIGNMENT.md §A): its toyframe half and its PyTorch half, kept apart.

The toyframe half runs a (possibly untrusted) L2regularization class; the torch half rebuilds
the same weights from the same seed on the trusted side, so neither needs the other's objects.
"""
import numpy as np

import toyframe

NOTEBOOK_L2_LOSS = 1.98874978912894  # ASSIGNMENT.md: exact log-softmax, torch float64
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


def torch_l2_cell_loss_after_step():
    """The notebook's torch side, float64: the same weights, one SGD step, the regularized loss afterwards."""
    import torch  # here, not at the top: the toyframe half runs in the submission's worker

    from .conventions import cross_entropy, l2_penalty, torch_bias, torch_weight
    # The same weights without any penalty wrapper: the trusted side never holds an implementation of one.
    layer1, layer2, x, targets = _cell(lambda layer, coefficient: layer)
    linears = []
    for layer in (layer1, layer2):
        linear = torch.nn.Linear(*layer.weights.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch_weight(layer.weights))
            linear.bias.copy_(torch_bias(layer.bias))
        linears.append(linear)
    optimizer = torch.optim.SGD([p for linear in linears for p in linear.parameters()], lr=LEARNING_RATE)
    inputs, labels = torch.from_numpy(x), torch.from_numpy(targets)

    def regularized_loss():
        out = torch.relu(linears[1](torch.relu(linears[0](inputs))))
        return cross_entropy(out, labels) + l2_penalty(linears[1].weight, COEFFICIENT)
    regularized_loss().backward()
    optimizer.step()
    with torch.no_grad():
        return float(regularized_loss())
