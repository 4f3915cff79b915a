"""toyframe.models.lenet against seed 000's PyTorch LeNet, given the same weights and the same dropout masks.

The torch net below is the seed's architecture, written anew: conv1 - relu - pool - conv2 - relu - pool -
view(-1, 400) - fc1 - drop1 - relu - fc2 - drop2 - relu - fc3, cross-entropy, SGD(lr=0.001, momentum=0.9).
Its weights are copied into toyframe's LeNet (Conv2d: as they are; Linear: transposed, bias as a row),
then logits, loss, every gradient and three momentum steps must match: in eval mode (no dropout), and
in train mode with the masks of the torch run replayed into toyframe's Dropout layers. torch computes in
float64; toyframe in float64 and in float32, compared under reference.core.tolerances.
"""
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from reference.core import conventions, tolerances
from tests.helpers import assert_matches, each_dtype
from tests.test_conv import Geometry, ReplayedUniforms, contested_windows
from toyframe import Conv2d, CrossEntropy, Dropout, Flatten, Linear, MaxPool2d, ReLU
from toyframe.layers import innermost
from toyframe.layers.windows import output_size, windows
from toyframe.models import lenet
from toyframe.optim import SGD

BATCH = 8
STEPS = 3
LR, MOMENTUM = 0.001, 0.9


class SeedLeNet(nn.Module):
    """Seed 000's LeNet: dropout on fc1's and fc2's outputs, before their ReLU."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        self.drop1, self.drop2 = nn.Dropout(0.5), nn.Dropout(0.5)
        self.seen = {}  # name -> the tensor entering each kink (ReLU, max pool), for the kink margins

    def forward(self, x):
        x = self.pool(self._kink("relu1", F.relu(self._kink("conv1", self.conv1(x)))))
        x = self.pool(self._kink("relu2", F.relu(self._kink("conv2", self.conv2(x)))))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self._kink("drop1", self.drop1(self.fc1(x))))
        x = F.relu(self._kink("drop2", self.drop2(self.fc2(x))))
        return self.fc3(x)

    def _kink(self, name, tensor):
        self.seen[name] = tensor.detach().clone()
        return tensor


# toyframe's component index of each parametrised layer -> the torch module holding the same parameters
LAYERS = {0: "conv1", 3: "conv2", 7: "fc1", 9: "fc2", 11: "fc3"}
DROPOUTS = {7: "drop1", 9: "drop2"}


def torch_layout(layer_name, weights, bias):
    """toyframe's (weights, bias) of the layer `layer_name` -> torch's (weight, bias) layouts, in their dtype."""
    if layer_name.startswith("fc"):
        return weights.T, bias.reshape(-1)  # Linear: (in, out) and (1, out) -> (out, in) and (out,)
    return weights, bias


def copy_weights(net, model):
    """The torch net's parameters, in toyframe's layouts and the model's dtype, written into the model."""
    for index, name in LAYERS.items():
        module, layer = getattr(net, name), innermost(model.components[index])
        weight, bias = module.weight.detach().numpy(), module.bias.detach().numpy()
        layer.weights[...] = weight.T if name.startswith("fc") else weight
        layer.bias[...] = bias.reshape(layer.bias.shape)


class Step(NamedTuple):
    logits: np.ndarray
    loss: np.ndarray
    grads: dict    # layer name -> (dL/dweight, dL/dbias), torch layouts
    params: dict   # layer name -> (weight, bias) after the step, torch layouts


def torch_run(net, x, labels, train):
    """STEPS steps of the seed's loop; also the dropout masks each step drew and the values entering each kink."""
    net.train(train)
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    steps, masks, kinks = [], [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        logits = net(conventions.to_torch(x))
        loss = F.cross_entropy(logits, torch.from_numpy(labels))
        loss.backward()
        grads = {name: (conventions.to_numpy(getattr(net, name).weight.grad),
                        conventions.to_numpy(getattr(net, name).bias.grad)) for name in LAYERS.values()}
        optimizer.step()
        params = {name: (conventions.to_numpy(getattr(net, name).weight), conventions.to_numpy(getattr(net, name).bias))
                  for name in LAYERS.values()}
        steps.append(Step(conventions.to_numpy(logits), conventions.to_numpy(loss), grads, params))
        masks.append({name: conventions.to_numpy(net.seen[name]) != 0 for name in DROPOUTS.values()})
        kinks.append({name: conventions.to_numpy(value) for name, value in net.seen.items()})
    return steps, masks, kinks


def toyframe_run(model, x, labels, train, masks):
    """The same loop in toyframe: Model forward, CrossEntropy, Model.backward, toyframe.optim.SGD."""
    model.train() if train else model.eval()
    if train:  # each Dropout keeps exactly the elements torch's kept, step by step
        for index, name in DROPOUTS.items():
            model.components[index].rng = ReplayedUniforms(*(step[name] for step in masks))
    optimizer, loss_of = SGD(model, lr=LR, momentum=MOMENTUM), CrossEntropy()
    steps, branches = [], []
    for _ in range(STEPS):
        logits = model(x)
        branches.append({name: value.copy() for name, value in toyframe_branches(model).items()})
        loss = loss_of(logits, labels)
        d_weights = model.backward(loss_of.grad())
        grads = {name: torch_layout(name, d_weights[index], innermost(model.components[index]).bias_grad)
                 for index, name in LAYERS.items()}
        optimizer.step(d_weights)
        params = {name: tuple(np.array(a) for a in torch_layout(name, innermost(model.components[index]).weights,
                                                                 innermost(model.components[index]).bias))
                  for index, name in LAYERS.items()}
        steps.append(Step(logits, np.asarray(loss), grads, params))
    return steps, branches


RELUS = {1: "conv1", 4: "conv2", 8: "drop1", 10: "drop2"}  # ReLU component -> the torch value entering it
POOLS = {2: "relu1", 5: "relu2"}                             # MaxPool2d component -> the torch value entering it


def torch_branches(seen):
    """Which branch each kink took in the float64 torch run: ReLU's x > 0 and each 2x2 pool window's winner."""
    branches = {f"ReLU {index}": seen[name] > 0 for index, name in RELUS.items()}
    for index, name in POOLS.items():
        view = windows(seen[name], (2, 2), (2, 2))
        branches[f"MaxPool2d {index}"] = view.reshape(*view.shape[:4], 4).argmax(axis=-1)[..., None]
    return branches


def toyframe_branches(model):
    """The same from toyframe's caches: ReLU keeps x > 0, MaxPool2d the index of each window's maximum."""
    branches = {f"ReLU {index}": model.components[index].cache for index in RELUS}
    branches.update({f"MaxPool2d {index}": model.components[index].argmax for index in POOLS})
    return branches


def assert_same_branches(ours, theirs, dtype):
    """The comparison is only meaningful if toyframe's run took every branch torch's did: a ReLU or a max pool
    whose input sits within rounding of its kink could go either way, and the data must avoid that
    (reference.core.tolerances.KINK_MARGIN). float64 is held to that margin; in float32 the margin's 1e-4
    would reject any batch of LeNet's 37 632 first-layer values, so there the branches themselves are compared."""
    for step, (mine, reference) in enumerate(zip(ours, theirs), start=1):
        for name, expected in reference.items():
            assert np.array_equal(mine[name], expected), (
                f"{name} took another branch than torch at step {step} ({np.dtype(dtype).name}): the data sits "
                f"at a kink; choose another seed")


def assert_far_from_kinks(kinks):
    """float64: every value entering a ReLU or a pool window is KINK_MARGIN away from its kink (exact zeros,
    dropped elements, are zero in both frameworks)."""
    for values in kinks:
        for name, value in values.items():
            margin = tolerances.kink_margin(np.float64) * max(1.0, float(np.abs(value).max()))
            if name.startswith("relu"):
                assert not contested_windows(value, POOL, margin), f"a max pool after {name} is a near tie"
            else:
                assert not np.any((value != 0) & (np.abs(value) <= margin)), f"{name} has a value at a ReLU's kink"


POOL = Geometry(kernel=(2, 2), stride=(2, 2), padding=(0, 0), image=None)


def images(seed):
    """A batch like the seed's normalized CIFAR-10: x (BATCH, 3, 32, 32) in [-1, 1], labels (BATCH,) in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (BATCH, 3, 32, 32)), rng.integers(0, 10, BATCH)


def assert_same_run(ours, theirs, dtype, mode):
    for number, (mine, reference) in enumerate(zip(ours, theirs), start=1):
        where = f" at step {number} of {STEPS} ({mode})"
        assert_matches(mine.logits, reference.logits, "logits" + where, dtype)
        assert_matches(mine.loss, reference.loss, "cross-entropy loss" + where, dtype)
        for name in LAYERS.values():
            for part, actual, expected in zip(("weight", "bias"), mine.grads[name], reference.grads[name]):
                assert_matches(actual, expected, f"dL/d{name}.{part}" + where, dtype)
            for part, actual, expected in zip(("weight", "bias"), mine.params[name], reference.params[name]):
                assert_matches(actual, expected, f"{name}.{part} after SGD" + where, dtype)


def seed_pair(dtype, seed=0):
    """The seed's torch LeNet in float64 (torch's float32 default initialisation, so both dtypes hold its
    weights exactly), toyframe's LeNet in `dtype` with the same weights, and a batch."""
    torch.manual_seed(seed)
    net = SeedLeNet().double()
    model = lenet(rng=np.random.default_rng(seed), dtype=dtype)
    copy_weights(net, model)
    x, labels = images(seed)
    return net, model, x.astype(dtype), labels


@each_dtype
@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_lenet_matches_seed_torch_lenet_for_three_momentum_steps(dtype, train):
    net, model, x, labels = seed_pair(dtype)
    expected, masks, kinks = torch_run(net, x, labels, train)
    if dtype == np.float64:
        assert_far_from_kinks(kinks)
    if train:
        kept = np.mean([step["drop1"].mean() for step in masks])
        assert 0.4 < kept < 0.6, kept  # the seed's Dropout(0.5) did drop, in every step
    ours, branches = toyframe_run(model, x, labels, train, masks)
    assert_same_branches(branches, [torch_branches(values) for values in kinks], dtype)
    assert_same_run(ours, expected, dtype, "train" if train else "eval")


def test_lenet_is_the_seed_architecture():
    model = lenet(rng=np.random.default_rng(0))
    kinds = [type(component) for component in model.components]
    assert kinds == [Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Dropout, ReLU, Dropout, ReLU, Linear]
    shapes = [innermost(model.components[index]).weights.shape for index in LAYERS]
    assert shapes == [(6, 3, 5, 5), (16, 6, 5, 5), (400, 120), (120, 84), (84, 10)]
    assert [model.components[index].p for index in DROPOUTS] == [0.5, 0.5]
    assert all(innermost(model.components[index]).weights.dtype == np.float32 for index in LAYERS)
    x = np.zeros((2, 3, 32, 32), np.float32)
    assert model(x).shape == (2, 10) and model(x).dtype == np.float32
    assert output_size(output_size(32 - 4, 2, 2) - 4, 2, 2) == 5  # 16 maps of 5 x 5 = 400 features


def test_lenet_draws_from_its_rng():
    first, again = lenet(rng=np.random.default_rng(3)), lenet(rng=np.random.default_rng(3))
    for index in LAYERS:
        np.testing.assert_array_equal(innermost(first.components[index]).weights,
                                      innermost(again.components[index]).weights)


@pytest.mark.slow
def test_lenet_experiment_writes_its_table_and_figure(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    from tests.helpers import PNG_SIGNATURE
    from toyframe.experiments.__main__ import main as experiment_command

    out = tmp_path / "lenet.png"  # through the command: `toyframe-experiment lenet` is registered
    assert experiment_command(["lenet", "--epochs", "1", "--train", "64", "--quiet", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "toyframe" in table and "torch" in table and "dropout 0.5" in table
    assert out.read_bytes()[:8] == PNG_SIGNATURE
