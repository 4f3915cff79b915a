"""The equivalence core on convolutional models: drawn stacks of Conv2d, MaxPool2d and Flatten mixed with Linear,
Dropout, Dropout2d, L2 and L1 match PyTorch (forward values, every gradient, several SGD-momentum steps, given
the masks toyframe drew), seed 000's LeNet among them; finite differences as a third oracle; and the core fails
channel dropouts that are wrong. Every comparison is reference.replay, as for Linear stacks."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reference import replay, run
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.equivalence import check_trace
from reference.core.finite_differences import numerical_gradients
from reference.core.scenario import ConvSpec, FlattenSpec, LayerSpec, PoolSpec, Scenario, Wrap
from reference.core.strategies import SEEDS, conv_layers, conv_scenarios, designed_lenet, wrap_chains
from toyframe.layers import Dropout2d


@given(conv_scenarios())
def test_convolutional_stacks_match_torch_step_by_step(scenario):
    replay(scenario)


@given(conv_scenarios(batch=st.just(1), dtype="float32"))
def test_one_image_in_float32_matches_torch(scenario):
    replay(scenario)


@pytest.mark.parametrize("seed", [0, 1])
def test_seed_000s_lenet_matches_torch_for_three_momentum_steps(seed):
    scenario = designed_lenet(seed, passes=2)
    replay(scenario)
    assert repr(scenario) == f"designed_lenet(seed={seed}, steps=3, passes=2)"


@st.composite
def smooth_conv_scenarios(draw, activations=st.sampled_from(("sigmoid", "tanh"))):
    """Smooth activations, no L1, one plain SGD step, batch 1-2: the loss is differentiable where drawn (but
    at ties of a max pool, which the test rejects)."""
    scenario = draw(conv_scenarios(steps=st.just(1), momenta=st.just(0.0), dtype="float64", batch=st.integers(1, 2)))
    layers = tuple(_smoothed(layer, draw(activations)) for layer in scenario.layers)
    return Scenario(layers=layers, x=scenario.x, loss=scenario.loss, targets=scenario.targets, lr=scenario.lr,
                    steps=1, seed=scenario.seed)


def _smoothed(layer, activation):
    if isinstance(layer, (PoolSpec, FlattenSpec)):
        return layer
    wraps = tuple(wrap for wrap in layer.wraps if wrap.kind != "l1")
    if isinstance(layer, ConvSpec):
        return ConvSpec(layer.weights, layer.bias, layer.stride, layer.padding, wraps, activation)
    return LayerSpec(layer.weights, layer.bias, wraps, layer.activation and activation)


@pytest.mark.slow
@given(smooth_conv_scenarios())
def test_finite_differences_agree_with_toyframe_and_torch_on_convolutional_stacks(scenario):
    toyframe_trace = run(scenario)
    torch_trace = check_trace(scenario, toyframe_trace)
    # central differences with h = 1e-6 step over a pooling window's maximum only if its two largest values
    # are further apart than that
    assume(torch_trace.kink_distance > 1e-4)
    numeric = numerical_gradients(scenario, torch_trace.steps[0].keep_masks)
    for name, gradient in numeric.items():
        for oracle, trace in (("toyframe", toyframe_trace), ("torch autograd", torch_trace)):
            assert_close(trace.steps[0].backward[name], gradient, tolerance=tolerances.FINITE_DIFFERENCE,
                         quantity=f"{name} from {oracle} against finite differences",
                         context=f"\nScenario: {scenario.describe()}")


# ------------------------------------------------------------------ the core fails wrong channel dropouts

class DropsSingleElements(Dropout2d):
    """torch.nn.Dropout's mask on an image: elements, not feature maps."""

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p).astype(out.dtype) / (1 - self.p)
        return out * self.mask


class KeepsWithoutScaling(Dropout2d):
    def __call__(self, x):
        out = super().__call__(x)
        self.mask = self.mask * (1 - self.p)
        return out * (1 - self.p)


class DropsChannelsAcrossTheBatch(Dropout2d):
    """One mask per channel shared by every image: forward and backward agree, only the pooled statistics
    can tell (the core compares given the masks drawn); kept here to show replay does not claim that."""

    def __call__(self, x):
        out = self.layer(x)
        self.mask = np.broadcast_to((np.random.rand(1, out.shape[1], 1, 1) > self.p) / (1 - self.p),
                                    (*out.shape[:2], 1, 1)).astype(out.dtype)
        return out * self.mask


class ForgetsTheMaskInBackward(Dropout2d):
    def grad(self, in_gradient, input_grad=True):
        return self.inner_grad(in_gradient, input_grad)


def channel_dropout_scenario(seed):
    """Two images of 4 channels 5x5 through Dropout2d(Conv2d(2, 4, 3), p=0.5) - ReLU - MaxPool2d(2) - Flatten - Linear."""
    rng = np.random.default_rng(seed)
    conv = ConvSpec(rng.uniform(-0.5, 0.5, (4, 2, 3, 3)), rng.choice([-1, 1], 4) * rng.uniform(0.2, 1.0, 4),
                    wraps=(Wrap("dropout2d", 0.5),), activation="tanh")
    return Scenario(layers=(conv, PoolSpec(2, 2), FlattenSpec(), LayerSpec(rng.uniform(-0.5, 0.5, (4, 3)),
                                                                            rng.uniform(0.1, 0.5, (1, 3)))),
                    x=rng.uniform(-2, 2, (2, 2, 5, 5)), loss="cross_entropy", targets=np.array([0, 2]), lr=0.1,
                    steps=2, momentum=0.9, seed=seed)


def test_the_scenario_shows_both_kept_and_dropped_feature_maps():
    keep = check_trace(channel_dropout_scenario(3), run(channel_dropout_scenario(3))).steps[0].keep_masks
    (mask,) = keep.values()
    maps = mask[:, :, 0, 0]
    assert maps.any() and not maps.all() and np.array_equal(mask, np.broadcast_to(maps[:, :, None, None], mask.shape))


@pytest.mark.parametrize("wrong", [DropsSingleElements, KeepsWithoutScaling, ForgetsTheMaskInBackward])
def test_replay_fails_a_wrong_channel_dropout(wrong):
    with pytest.raises(AssertionError, match="differs from the PyTorch reference"):
        replay(channel_dropout_scenario(3), {"dropout2d": wrong})


def test_replay_compares_given_the_masks_drawn():
    """A mask shared across the batch is a statistical fault, not a computational one: replay passes it."""
    replay(channel_dropout_scenario(3), {"dropout2d": DropsChannelsAcrossTheBatch})


# ------------------------------------------------------------------------ scenarios as data

@given(conv_scenarios(steps=st.integers(1, 2)))
def test_a_convolutional_scenarios_replay_line_rebuilds_it(scenario):
    """What a failure's Replay line pastes: `from reference import *; import numpy as np; replay(...)`."""
    namespace = {}
    exec("from reference import *; import numpy as np", namespace)
    assert repr(eval(repr(scenario), namespace)) == repr(scenario)


@pytest.mark.parametrize("layers, x_shape, message", [
    ((ConvSpec(np.zeros((2, 3, 3, 3)), None), FlattenSpec()), (1, 2, 5, 5), r"takes \(N, 3, H, W\)"),
    ((ConvSpec(np.zeros((2, 1, 4, 4)), None), FlattenSpec()), (1, 1, 3, 3), "larger than its padded input"),
    ((ConvSpec(np.zeros((2, 1, 2, 2)), None),), (1, 1, 3, 3), "end with Flatten"),
    ((PoolSpec(3, 1), FlattenSpec()), (1, 1, 2, 2), "pools windows"),
    ((LayerSpec(np.zeros((4, 2)), np.zeros((1, 2))),), (1, 1, 2, 2), r"takes \(N, 4\)"),
])
def test_scenarios_that_torch_would_reject_are_refused_naming_the_layer(layers, x_shape, message):
    with pytest.raises(ValueError, match=message):
        Scenario(layers=layers, x=np.zeros(x_shape), loss="mse", targets=np.zeros((1, 2)))


def test_specs_refuse_bad_layouts():
    with pytest.raises(ValueError, match="Dropout2d wraps a Conv2d"):
        LayerSpec(np.zeros((2, 2)), np.zeros((1, 2)), (Wrap("dropout2d", 0.5),))
    with pytest.raises(ValueError, match=r"\(out, in, kh, kw\)"):
        ConvSpec(np.zeros((2, 2)), None)
    with pytest.raises(ValueError, match="bias"):
        ConvSpec(np.zeros((2, 1, 1, 1)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="momentum"):
        Scenario(layers=(LayerSpec(np.zeros((1, 1)), np.zeros((1, 1))),), x=np.zeros((1, 1)), loss="mse",
                 targets=np.zeros((1, 1)), momentum=1.0)


@given(st.data())
def test_drawn_conv_layers_fit_their_input(data):
    shape = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 6)),
             data.draw(st.integers(1, 6)))
    layer = data.draw(conv_layers(shape, wraps=wrap_chains(kinds=("dropout2d",))))
    assert all(size >= 1 for size in layer.output_shape(shape))
