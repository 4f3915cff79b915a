"""toyframe's Dropout: with its own masks it matches torch; its masks have inverted dropout's statistics."""
import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import toyframe
from reference import replay
from reference.assignments import nnti_7_4
from reference.core.mask_studies import PROBABILITIES, STUDIES
from reference.grading.in_process import InProcessRunner
from reference.core.strategies import DROP_PROBABILITIES, SEEDS, bounded_arrays, layer_stacks, scenarios, wrap_chains


def models_with_dropout():
    """Whole models (any dtype) in which at least one layer is wrapped in Dropout."""
    return scenarios(layers=lambda n_in: layer_stacks(n_in, wraps=wrap_chains(kinds=("dropout",)), require="dropout"),
                     steps=st.integers(0, 3), dtype="any")


@given(models_with_dropout())
def test_forward_gradients_and_updates_match_torch_with_its_own_masks(scenario):
    replay(scenario)


def _drawn_from(source, seed):
    """A Dropout class whose masks come from the global RNG or from a numpy Generator."""
    return toyframe.Dropout if source == "global RNG" else functools.partial(
        toyframe.Dropout, rng=np.random.default_rng(seed))


RANDOM_SOURCES = pytest.mark.parametrize("source", ["global RNG", "Generator"])


@RANDOM_SOURCES
@pytest.mark.parametrize("study", STUDIES, ids=[study.name for study in STUDIES])
@settings(max_examples=5)
@given(p=PROBABILITIES, seed=SEEDS, data=st.data())
def test_masks_pass_every_mask_study_of_grading(source, study, p, seed, data):
    """Fraction and number dropped, fresh and independent masks, the 1/(1-p) scaling (reference.core.mask_studies),
    on the masks nnti-7.4's grading reads from the study's scenario."""
    shape = data.draw(study.shapes(scale=1 / 16))
    runner = InProcessRunner({"dropout": _drawn_from(source, seed)}, nnti_7_4)
    study.run(lambda *args: nnti_7_4.sample_masks(runner, *args), p, shape, seed, nnti_7_4.study_pre_activations)


def _linear(n_in, n_out, dtype):
    return toyframe.Linear(n_in, n_out, rng=np.random.default_rng(0), dtype=dtype)


DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32])


@DTYPES
@given(x=bounded_arrays((5, 4), 2.0), p=DROP_PROBABILITIES)
def test_mask_output_and_gradients_keep_the_dtype(dtype, x, p):
    layer = toyframe.Dropout(_linear(4, 3, dtype), p=p)
    out = layer(x.astype(dtype))
    d_weights, d_x = layer.grad(np.ones((5, 3), dtype=dtype))
    assert {out.dtype, layer.mask.dtype, d_weights.dtype, d_x.dtype} == {np.dtype(dtype)}


@given(x=bounded_arrays((5, 4), 2.0), p=DROP_PROBABILITIES)
def test_mask_holds_zero_or_one_over_keep_probability(x, p):
    layer = toyframe.Dropout(_linear(4, 3, np.float64), p=p)
    layer(x)
    assert set(np.unique(layer.mask)) <= {0.0, 1.0 / (1.0 - p)}


@given(x=bounded_arrays((5, 4), 2.0), upstream=bounded_arrays((5, 3), 2.0), p=st.just(0.0) | DROP_PROBABILITIES,
       mode=st.sampled_from(["p = 0", "eval"]))
def test_p_zero_and_eval_mode_are_the_identity(x, upstream, p, mode):
    inner = _linear(4, 3, np.float64)
    layer = toyframe.Dropout(inner, p=0.0 if mode == "p = 0" else p)
    model = toyframe.Model([layer])
    if mode == "eval":
        model.eval()
    np.testing.assert_array_equal(model.forward(x), x @ inner.weights + inner.bias)
    d_weights, d_x = layer.grad(upstream)
    np.testing.assert_array_equal(d_weights, x.T @ upstream)
    np.testing.assert_array_equal(d_x, upstream @ inner.weights.T)


def test_train_mode_drops_again_after_eval():
    model = toyframe.Model([toyframe.Dropout(_linear(4, 300, np.float64), p=0.5)])
    x = np.ones((8, 4))
    model.eval()
    assert np.all(model.forward(x) != 0)
    model.train()
    assert np.any(model.forward(x) == 0)


def test_default_masks_follow_the_skeleton_stream():
    """With the global RNG the mask is rand(*out.shape) > p drawn at the call: the notebook's golden cell depends on it."""
    np.random.seed(7)
    layer = toyframe.Dropout(_linear(4, 3, np.float64), p=0.3)
    np.random.seed(7)
    expected_keep = np.random.rand(2, 3) > 0.3
    np.random.seed(7)
    layer(np.ones((2, 4)))
    np.testing.assert_array_equal(layer.mask != 0, expected_keep)
