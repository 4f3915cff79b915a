"""L2regularization / L1regularization: gradients, penalties and updates against torch autograd of the explicit term."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import toyframe
from reference import replay
from reference.core import conventions
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import COEFFICIENTS, LEARNING_RATES, bounded_arrays, layer_stacks, scenarios, wrap_chains


def models_with(kind, kinds):
    """Models (any dtype, 1-3 SGD steps, so penalties follow changing weights) with at least one `kind` wrapper."""
    return scenarios(layers=lambda n_in: layer_stacks(n_in, wraps=wrap_chains(kinds=kinds), require=kind), dtype="any")


@given(models_with("l2", ("l2",)))
def test_l2_loss_gradients_and_updates_match_torch_over_several_steps(scenario):
    replay(scenario)


@given(models_with("l1", ("l1",)))
def test_l1_loss_subgradients_and_updates_match_torch_over_several_steps(scenario):
    replay(scenario)


@given(models_with("l2", ("dropout", "l2", "l1")))
def test_nested_wrappers_match_torch(scenario):
    """E.g. Dropout(L2regularization(Linear)), L1regularization(Dropout(Linear)), L2 inside L1."""
    replay(scenario)


@given(weights=bounded_arrays((4, 3), 1.0), coefficient=COEFFICIENTS, kind=st.sampled_from(["l2", "l1"]))
def test_penalty_matches_torch(weights, coefficient, kind):
    wrapper_class, penalty = {"l2": (toyframe.L2regularization, conventions.l2_penalty),
                              "l1": (toyframe.L1regularization, conventions.l1_penalty)}[kind]
    linear = toyframe.Linear(4, 3, rng=np.random.default_rng(0))
    linear.weights = weights
    model = toyframe.Model([wrapper_class(linear, coefficient=coefficient), toyframe.ReLU()])
    expected = penalty(conventions.torch_weight(weights), coefficient)
    assert_close(np.asarray(model.penalty()), conventions.to_numpy(expected), quantity=f"{kind} penalty",
                 tolerance=tolerances.FLOAT64)


@given(weights=bounded_arrays((4, 3), 1.0), bias=bounded_arrays((1, 3), 1.0), x=bounded_arrays((5, 4), 2.0),
       coefficient=COEFFICIENTS, lr=LEARNING_RATES)
def test_l2_step_equals_torch_weight_decay_of_twice_the_coefficient(weights, bias, x, coefficient, lr):
    """The convention: coefficient * sum(W**2) in the loss == SGD(weight_decay=2 * coefficient) on W alone."""
    linear = toyframe.Linear(4, 3, rng=np.random.default_rng(0))
    linear.weights, linear.bias = weights.copy(), bias.copy()
    model = toyframe.Model([toyframe.L2regularization(linear, coefficient=coefficient)])
    model.forward(x)
    model.update_parameters(model.backward(np.ones((5, 3))), lr)
    reference = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(conventions.torch_weight(weights))
        reference.bias.copy_(conventions.torch_bias(bias))
    optimizer = torch.optim.SGD([{"params": [reference.weight], "weight_decay": conventions.l2_weight_decay(coefficient)},
                                 {"params": [reference.bias]}], lr=lr)
    reference(conventions.to_torch(x)).sum().backward()
    optimizer.step()
    assert_close(linear.weights, conventions.toyframe_weights(reference.weight), quantity="W after one step",
                 tolerance=tolerances.FLOAT64)
    assert_close(linear.bias, conventions.toyframe_bias(reference.bias), quantity="b after one step",
                 tolerance=tolerances.FLOAT64)
