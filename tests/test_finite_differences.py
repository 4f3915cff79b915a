"""A third oracle: central finite differences agree with both toyframe's backward and torch's autograd."""
from hypothesis import given
from hypothesis import strategies as st

from reference import expected_trace, run
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.finite_differences import numerical_gradients
from reference.core.strategies import layer_stacks, scenarios, wrap_chains

SMOOTH_ACTIVATIONS = st.sampled_from(("sigmoid", "tanh", "softmax"))


def small_smooth_models():
    """1-2 layers of width <= 4, smooth activations, Dropout and L2 wrappers (no kinks), one step."""
    return scenarios(
        layers=lambda n_in: layer_stacks(n_in, n_layers=st.integers(1, 2), widths=st.integers(1, 4),
                                         wraps=wrap_chains(kinds=("dropout", "l2")), activations=SMOOTH_ACTIVATIONS),
        batch=st.integers(1, 4), n_in=st.integers(1, 4), steps=st.just(1))


@given(small_smooth_models())
def test_finite_differences_agree_with_toyframe_and_torch(scenario):
    toyframe_trace = run(scenario)
    torch_trace = expected_trace(scenario, toyframe_trace)
    numeric = numerical_gradients(scenario, torch_trace.steps[0].keep_masks)  # the masks read from toyframe's run
    for name, gradient in numeric.items():
        for oracle, trace in (("toyframe", toyframe_trace), ("torch autograd", torch_trace)):
            assert_close(trace.steps[0].backward[name], gradient, tolerance=tolerances.FINITE_DIFFERENCE,
                         quantity=f"{name} from {oracle} against finite differences",
                         context=f"\nScenario: {scenario.describe()}")
