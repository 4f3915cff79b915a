"""The notebook's L2 cell (docs/assignments/nnti-7.4.md), its PyTorch half and expected loss: the trusted side's.

Its toyframe half (reference.core.notebook_cell) runs a (possibly untrusted) L2regularization
class in the worker; this half rebuilds the same weights from the same seed, so neither needs the
other's objects, and the expected values never enter a worker's view.
"""
from .notebook_cell import COEFFICIENT, LEARNING_RATE, _cell

NOTEBOOK_L2_LOSS = 1.98874978912894  # docs/assignments/nnti-7.4.md: exact log-softmax, torch float64


def torch_l2_cell_loss_after_step():
    """The notebook's torch side, float64: the same weights, one SGD step, the regularized loss afterwards."""
    import torch

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
