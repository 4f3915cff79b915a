"""Whole models drawn by hypothesis: loss, every gradient, every parameter after 1-3 SGD steps, the loss afterwards."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import toyframe
from reference import replay
from reference.core.strategies import bounded_arrays, scenarios
from tests.catalogue.correct import DropoutRandGreater, L2UsesAlias


@given(scenarios(dtype="any"))
def test_any_model_matches_torch_sgd(scenario):
    """1-4 Linear layers, mixed activations, any layers wrapped, CE / MSE / a weighted sum, float32 or float64."""
    replay(scenario)


@given(scenarios(steps=st.integers(4, 8)))
def test_long_runs_match_torch_sgd(scenario):
    replay(scenario)


@given(scenarios(steps=st.integers(4, 8)))
def test_skeleton_style_wrappers_stay_correct_over_many_steps(scenario):
    """Wrappers that alias `weights` in __init__ and call self.layer(x) / self.layer.grad(g), as students
    write them: toyframe updates parameters in place, so the alias never goes stale."""
    replay(scenario, {"dropout": DropoutRandGreater, "l2": L2UsesAlias})


def _small_model():
    rng = np.random.default_rng(0)
    first, last = toyframe.Linear(3, 4, rng=rng), toyframe.Linear(4, 2, rng=rng)
    model = toyframe.Model([toyframe.L2regularization(toyframe.Dropout(first, p=0.3), coefficient=0.1),
                            toyframe.Tanh(), last])
    return model, first, last


@given(x=bounded_arrays((5, 3), 2.0))
def test_backward_returns_weight_gradients_keyed_by_component_index(x):
    model, first, last = _small_model()
    model.forward(x)
    grads = model.backward(np.ones((5, 2)), input_grad=True)
    assert sorted(grads) == [0, 2]
    assert grads[0].shape == first.weights.shape and grads[2].shape == last.weights.shape
    assert model.input_grad.shape == x.shape


@given(x=bounded_arrays((5, 3), 2.0))
def test_input_gradient_is_skipped_unless_asked_for_and_weight_gradients_agree(x):
    """dL/dx of the first layer is the step's most expensive unused product: computed only on request."""
    model, _, _ = _small_model()
    np.random.seed(0)
    model.forward(x)
    asked = model.backward(np.ones((5, 2)), input_grad=True)
    np.random.seed(0)
    model.forward(x)
    skipped = model.backward(np.ones((5, 2)))
    assert model.input_grad is None
    assert all(np.array_equal(asked[index], skipped[index]) for index in asked)


@given(x=bounded_arrays((5, 3), 2.0))
def test_updates_are_in_place_so_every_alias_stays_current(x):
    model, first, last = _small_model()
    aliases = [model.components[0].weights, first.bias, last.weights, last.bias]
    before = [alias.copy() for alias in aliases]
    model.forward(x)
    model.update_parameters(model.backward(np.ones((5, 2))), 0.1)
    assert model.components[0].weights is first.weights is aliases[0]
    assert all(alias is now for alias, now in zip(aliases, [first.weights, first.bias, last.weights, last.bias]))
    assert all(not np.array_equal(alias, old) for alias, old in zip(aliases, before))


def test_eval_and_train_switch_every_wrapped_dropout():
    model, _, _ = _small_model()
    dropout = model.components[0].layer
    assert model.eval() is model and dropout.training is False
    assert model.train() is model and dropout.training is True


def test_model_penalty_sums_every_wrapper():
    model, first, _ = _small_model()
    assert model.penalty() == 0.1 * np.sum(first.weights ** 2)
