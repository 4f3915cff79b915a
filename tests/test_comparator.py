"""The comparator's verdicts and messages, and the tolerance policy's invariants."""
import numpy as np
import pytest
from hypothesis import given

import toyframe
from reference import LayerSpec, Scenario, Wrap, replay
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import bounded_arrays


class DropoutWithoutRescaling(toyframe.Dropout):
    def __call__(self, x):
        out = super().__call__(x)
        self.mask = None if self.mask is None else (self.mask != 0).astype(out.dtype)
        return out * (1 - self.p)


def _scenario():
    return Scenario(layers=(LayerSpec(np.full((2, 3), 0.5), np.full((1, 3), 0.25), (Wrap("dropout", 0.25),), "tanh"),),
                    x=np.array([[1.0, -2.0], [0.5, 1.5]]), loss="mse", targets=np.zeros((2, 3)), lr=0.1, steps=1,
                    seed=3)


def test_failure_names_quantity_errors_index_tolerance_and_replay():
    with pytest.raises(AssertionError) as failure:
        replay(_scenario(), {"dropout": DropoutWithoutRescaling})
    message = str(failure.value)
    assert message.startswith("output of Dropout 1 on layer 1 at step 1 of 1 differs from the PyTorch reference.")
    for fragment in ("Greatest absolute difference:", "Greatest relative difference:", "at index (",
                     "Tolerance: rtol 1e-09", "Scenario: batch 2: Dropout(Linear(2->3), p=0.25) -> tanh; loss mse",
                     "Replay: reference.replay(Scenario("):
        assert fragment in message


def test_replay_line_rebuilds_the_scenario_exactly():
    scenario = _scenario()
    rebuilt = eval(repr(scenario), {"np": np, "Scenario": Scenario, "LayerSpec": LayerSpec, "Wrap": Wrap})
    assert rebuilt.describe() == scenario.describe()
    np.testing.assert_array_equal(rebuilt.layers[0].weights, scenario.layers[0].weights)
    np.testing.assert_array_equal(rebuilt.x, scenario.x)


@given(bounded_arrays((3, 2), 5.0))
def test_identical_arrays_pass_and_a_perturbed_one_fails(values):
    assert_close(values.copy(), values, quantity="q", tolerance=tolerances.FLOAT64)
    perturbed = values.copy()
    perturbed[1, 0] += 1e-3 * max(1.0, np.abs(values).max())
    with pytest.raises(AssertionError, match=r"q differs(.|\n)*index \(1, 0\)"):
        assert_close(perturbed, values, quantity="q", tolerance=tolerances.FLOAT64)


@pytest.mark.parametrize("actual, complaint", [
    (None, "was not produced"),
    ([[1.0, 2.0]], "must be a NumPy array, got list"),
    (np.array([[1, 2]]), "must hold floating-point numbers"),
    (np.array([[1.0, 2.0]], dtype=np.float32), "has dtype float32, expected float64"),
    (np.array([1.0, 2.0]), r"has shape \(2,\), expected \(1, 2\)"),
])
def test_malformed_results_are_named(actual, complaint):
    with pytest.raises(AssertionError, match=complaint):
        assert_close(actual, np.array([[1.0, 2.0]]), quantity="q", tolerance=tolerances.FLOAT64, dtype="float64")


def test_no_tolerance_is_looser_than_the_assignment():
    for tolerance in (tolerances.FLOAT64, tolerances.FLOAT32, tolerances.FINITE_DIFFERENCE):
        assert tolerance.rtol <= tolerances.ASSIGNMENT.rtol and tolerance.atol <= tolerances.ASSIGNMENT.atol
    assert tolerances.FLOAT64.rtol < tolerances.FLOAT32.rtol
    assert (tolerances.ASSIGNMENT.rtol, tolerances.ASSIGNMENT.atol) == (5e-3, 1e-3)


def test_only_float32_and_float64_have_a_policy():
    assert tolerances.for_dtype(np.float32) is tolerances.FLOAT32
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        tolerances.for_dtype(np.float16)
