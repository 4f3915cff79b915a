"""cs231n's FullyConnectedNet: the notebook's initial losses and gradient checks, and a torch mirror."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from reference.core import conventions
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import SEEDS, bounded_arrays
from toyframe.fc_net import FullyConnectedNet
from toyframe.gradient_check import eval_numerical_gradient, rel_error

NOTEBOOK_INITIAL_LOSSES = {1: 2.3004790897684924, 0.75: 2.302371489704412, 0.5: 2.3042759220785896}


def test_notebook_initial_losses_and_gradient_checks():
    """docs/assignments/cs231n-dropout.md, replayed in order: the global RNG runs on through every model and check."""
    np.random.seed(231)
    n, d, h1, h2, c = 2, 15, 20, 30, 10
    x = np.random.randn(n, d)
    y = np.random.randint(c, size=(n,))
    for dropout, expected_loss in NOTEBOOK_INITIAL_LOSSES.items():
        model = FullyConnectedNet([h1, h2], input_dim=d, num_classes=c, weight_scale=5e-2, dtype=np.float64,
                                  dropout=dropout, seed=123)
        loss, grads = model.loss(x, y)
        assert_close(np.asarray(loss), expected_loss, quantity=f"initial loss, dropout={dropout}",
                     tolerance=tolerances.FLOAT64)
        for name in sorted(grads):
            numeric = eval_numerical_gradient(lambda _: model.loss(x, y)[0], model.params[name], verbose=False, h=1e-5)
            # The notebook: "around e-6 or less", and W2 "on the order of e-5" without dropout.
            bound = 1e-4 if (dropout, name) == (1, "W2") else 1e-5
            assert rel_error(numeric, grads[name]) < bound, (dropout, name)


@st.composite
def architectures(draw):
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=3))
    return dict(hidden_dims=hidden, input_dim=draw(st.integers(1, 5)), num_classes=draw(st.integers(2, 5)),
                dropout=draw(st.sampled_from([1, 0.25, 0.5]) | st.floats(0.1, 1.0)), reg=draw(st.floats(0.0, 2.0)),
                weight_scale=draw(st.floats(0.05, 1.0)), seed=draw(SEEDS))


def _torch_loss(model, x, y, keep, seed):
    """The same net in torch float64, with cs231n's canonical masks: reseeded to `seed` at each layer."""
    params = {name: conventions.to_torch(value).requires_grad_(True) for name, value in model.params.items()}
    h = conventions.to_torch(x.reshape(x.shape[0], -1))
    for index in range(1, model.num_layers):
        h = torch.relu(h @ params[f"W{index}"] + params[f"b{index}"])
        if keep != 1:
            np.random.seed(seed)
            h = h * conventions.to_torch((np.random.rand(*h.shape) < keep) / keep)
    scores = h @ params[f"W{model.num_layers}"] + params[f"b{model.num_layers}"]
    loss = F.cross_entropy(scores, torch.from_numpy(y)) + 0.5 * model.reg * sum(
        params[f"W{i}"].square().sum() for i in range(1, model.num_layers + 1))
    loss.backward()
    return loss, params


@given(spec=architectures(), data=st.data())
def test_loss_and_every_gradient_match_a_torch_mirror(spec, data):
    np.random.seed(spec["seed"] % 2**32)
    model = FullyConnectedNet(**spec, dtype=np.float64)
    n = data.draw(st.integers(1, 5))
    x = data.draw(bounded_arrays((n, spec["input_dim"]), 2.0))
    y = np.array(data.draw(st.lists(st.integers(0, spec["num_classes"] - 1), min_size=n, max_size=n)))
    loss, grads = model.loss(x, y)
    reference_loss, params = _torch_loss(model, x, y, spec["dropout"], spec["seed"])
    assert_close(np.asarray(loss), conventions.to_numpy(reference_loss), quantity="loss", tolerance=tolerances.FLOAT64)
    assert sorted(grads) == sorted(model.params)
    for name, gradient in grads.items():
        assert_close(gradient, conventions.to_numpy(params[name].grad), quantity=f"d loss / d {name}",
                     tolerance=tolerances.FLOAT64)


def test_without_targets_it_returns_test_mode_scores():
    np.random.seed(0)
    model = FullyConnectedNet([4], input_dim=3, num_classes=2, dropout=0.5, dtype=np.float64)
    x = np.random.randn(6, 3)
    scores = model.loss(x)
    assert scores.shape == (6, 2) and model.dropout_param["mode"] == "test"
    np.testing.assert_array_equal(scores, model.loss(x))


@pytest.mark.parametrize("kwargs, message", [({"dropout": 0}, "keep probability"),
                                             ({"normalization": "batchnorm"}, "normalization must be None")])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FullyConnectedNet([3], input_dim=2, num_classes=2, **kwargs)
