"""Bad arguments fail loudly and say why; backward passes never write into what they are given.

Each bad call must raise ValueError (TypeError where an object of the wrong kind is passed, such
as an rng that is not a numpy.random.Generator) with a message naming the argument and the
values allowed. The shapes used: a Linear(3, 2) fed x: (4, 3), so its output and in_gradient
are (4, 2); CrossEntropy on logits (2, 3).
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import BATCH_SIZES, WIDTHS, assert_identical, bounded, dtypes
from toyframe import (CrossEntropy, Dropout, L1regularization, L2regularization, LeakyReLU, Linear, Model, MSELoss,
                      ReLU, Sigmoid, Softmax, Tanh)

NAN, INF = float("nan"), float("inf")
X = np.ones((4, 3))     # the input of every Linear(3, 2) below
LOGITS = np.zeros((2, 3))


def called(component, x=X):
    """`component` after a forward pass on x, so that its grad can be called."""
    component(x)
    return component


def evaluated(dropout):
    dropout.training = False
    return dropout


def bad(call, match, error=ValueError, id=None):
    return pytest.param(call, error, match, id=id)


P_ALLOWED = r"\bp must be .*in \[0, 1\)"
COEFFICIENT_ALLOWED = r"\bcoefficient must be .*> 0"
SIZE_ALLOWED = r"{} must be an integer >= 1"
RNG_ALLOWED = r"\brng must be None or a numpy\.random\.Generator"
GRADIENT_OF_LINEAR = r"\bin_gradient must have shape \(4, 2\)"
GRADIENT_OF_ACTIVATION = r"\bin_gradient must have the shape of the last input \(4, 3\)"
TARGETS_ALLOWED = r"\btargets must be one-hot rows of shape \(2, 3\) or integer class indices of shape \(2,\)"
CLASS_INDICES_ALLOWED = r"\btargets as class indices must "
MSE_TARGET_ALLOWED = r"\btarget must have shape \(3, 2\) \(the shape of pred\)"
COMPONENT_ALLOWED = r"components\[1\] must be a layer or an activation \(get_type\(\) in \('layer', 'activation'\)\)"


class NotAComponent:
    def get_type(self):
        return "loss"


BAD_CALLS = [
    *(bad(lambda p=p: Dropout(Linear(3, 2), p=p), P_ALLOWED, id=f"Dropout-p={p!r}")
      for p in (1, 1.0, -0.1, 1.5, NAN, INF, True, "0.5", None)),
    bad(lambda: Dropout(Linear(3, 2), rng=42), RNG_ALLOWED, TypeError, id="Dropout-rng-int"),
    bad(lambda: Dropout(Linear(3, 2), rng=np.random.RandomState(0)), RNG_ALLOWED, TypeError,
        id="Dropout-rng-RandomState"),
    bad(lambda: Dropout("Linear(3, 2)"), r"\blayer must be a layer with __call__ and grad", TypeError,
        id="Dropout-layer-not-a-layer"),
    *(bad(lambda c=c, wrapper=wrapper: wrapper(Linear(3, 2), coefficient=c), COEFFICIENT_ALLOWED,
          id=f"{wrapper.__name__}-coefficient={c!r}")
      for wrapper in (L2regularization, L1regularization) for c in (0, 0.0, -0.01, NAN, INF, -INF, True, "0.01")),
    *(bad(lambda n=n: Linear(n, 2), SIZE_ALLOWED.format("in_features"), id=f"Linear-in_features={n!r}")
      for n in (0, -3, 2.5, True, "3", None)),
    *(bad(lambda n=n: Linear(3, n), SIZE_ALLOWED.format("out_features"), id=f"Linear-out_features={n!r}")
      for n in (0, -1, 2.0)),
    bad(lambda: Linear(3, 2, dtype=np.int32), r"\bdtype must be a floating-point dtype", id="Linear-dtype-int32"),
    bad(lambda: Linear(3, 2, rng=0), RNG_ALLOWED, TypeError, id="Linear-rng-int"),
    bad(lambda: Linear(3, 2)(np.ones((4, 5))), r"\bx must have shape \(N, 3\)", id="Linear-x-wrong-width"),
    bad(lambda: Linear(3, 2)(np.ones(3)), r"\bx must be 2-D", id="Linear-x-1d"),
    bad(lambda: Linear(3, 2)(np.ones((4, 3, 1))), r"\bx must be 2-D", id="Linear-x-3d"),
    bad(lambda: Linear(3, 2)(np.array([["a", "b", "c"]])), r"\bx must hold real numbers", id="Linear-x-strings"),
    bad(lambda: called(Linear(3, 2)).grad(np.ones((4, 3))), GRADIENT_OF_LINEAR, id="Linear.grad-wrong-width"),
    bad(lambda: called(Linear(3, 2)).grad(np.ones((3, 2))), GRADIENT_OF_LINEAR, id="Linear.grad-wrong-batch"),
    bad(lambda: called(Linear(3, 2)).grad(np.ones(2)), r"\bin_gradient must be 2-D", id="Linear.grad-1d"),
    bad(lambda: called(Dropout(Linear(3, 2))).grad(np.ones((4, 3))),
        r"\bin_gradient must have the shape of the last output \(4, 2\)", id="Dropout.grad-wrong-shape"),
    bad(lambda: called(evaluated(Dropout(Linear(3, 2)))).grad(np.ones((2, 4))), GRADIENT_OF_LINEAR,
        id="Dropout.grad-eval-mode-wrong-shape"),
    bad(lambda: called(L2regularization(Linear(3, 2))).grad(np.ones((4, 3))), GRADIENT_OF_LINEAR,
        id="L2regularization.grad-wrong-shape"),
    *(bad(lambda a=activation: called(a()).grad(np.ones((4, 2))), GRADIENT_OF_ACTIVATION,
          id=f"{activation.__name__}.grad-wrong-shape") for activation in (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax)),
    bad(lambda: LeakyReLU(alpha=NAN), r"\balpha must be a finite real number", id="LeakyReLU-alpha-nan"),
    bad(lambda: CrossEntropy()(LOGITS, np.eye(4)[[0, 1]]), TARGETS_ALLOWED, id="CrossEntropy-onehot-wrong-width"),
    bad(lambda: CrossEntropy()(LOGITS, np.eye(3)), TARGETS_ALLOWED, id="CrossEntropy-onehot-wrong-batch"),
    bad(lambda: CrossEntropy()(LOGITS, np.zeros((2, 1), dtype=np.int64)), TARGETS_ALLOWED,
        id="CrossEntropy-indices-as-column"),
    bad(lambda: CrossEntropy()(LOGITS, np.array([0., 1.])), TARGETS_ALLOWED, id="CrossEntropy-float-1d-targets"),
    bad(lambda: CrossEntropy()(LOGITS, np.array([0, 1, 2])), CLASS_INDICES_ALLOWED + r"have shape \(2,\)",
        id="CrossEntropy-indices-wrong-length"),
    *(bad(lambda t=t: CrossEntropy()(LOGITS, np.array(t)), CLASS_INDICES_ALLOWED + r"lie in \[0, 3\)",
          id=f"CrossEntropy-indices-{t}") for t in ([0, 3], [-1, 0])),
    bad(lambda: CrossEntropy(class_count=4)(LOGITS, np.array([0, 1])),
        r"\blogits must have 4 columns \(class_count\)", id="CrossEntropy-class_count-mismatch"),
    bad(lambda: CrossEntropy(class_count=0), SIZE_ALLOWED.format("class_count"), id="CrossEntropy-class_count-0"),
    bad(lambda: CrossEntropy()(np.zeros(3), np.array([0])), r"\blogits must be 2-D", id="CrossEntropy-logits-1d"),
    bad(lambda: MSELoss()(np.ones((3, 2)), np.ones((3, 1))), MSE_TARGET_ALLOWED, id="MSELoss-shape-mismatch"),
    bad(lambda: MSELoss()(np.ones((3, 2)), np.ones((2, 3))), MSE_TARGET_ALLOWED, id="MSELoss-transposed-target"),
    bad(lambda: MSELoss()(np.float64(1.0), np.float64(1.0)), r"\bpred must have a batch axis",
        id="MSELoss-scalar-pred"),
    *(bad(lambda c=c: Model([Linear(3, 2), c]), COMPONENT_ALLOWED, id=f"Model-component-{type(c).__name__}")
      for c in ("relu", CrossEntropy(), NotAComponent(), None)),
]


@pytest.mark.parametrize("call, error, match", BAD_CALLS)
def test_bad_argument_raises_naming_the_argument_and_allowed_values(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- backward passes leave their in_gradient (and the forward input) untouched --------------------

def model(n_in, n_out, dtype):
    return Model([Dropout(Linear(n_in, 4, dtype=dtype), p=0.5, rng=np.random.default_rng(0)), ReLU(),
                  L2regularization(L1regularization(Linear(4, n_out, dtype=dtype))), Sigmoid()])


BACKWARDS = {
    "Linear.grad": lambda n_in, n_out, dtype: Linear(n_in, n_out, dtype=dtype),
    "Dropout.grad": lambda n_in, n_out, dtype: Dropout(Linear(n_in, n_out, dtype=dtype), p=0.3,
                                                       rng=np.random.default_rng(0)),
    "L2regularization.grad": lambda n_in, n_out, dtype: L2regularization(Linear(n_in, n_out, dtype=dtype)),
    "L1regularization.grad": lambda n_in, n_out, dtype: L1regularization(Linear(n_in, n_out, dtype=dtype)),
    "Model.backward": model,
}


@st.composite
def backward_inputs(draw):
    """(dtype, x: (N, in), in_gradient: (N, out))."""
    dtype, n, n_in, n_out = draw(dtypes), draw(BATCH_SIZES), draw(WIDTHS), draw(WIDTHS)
    return dtype, draw(bounded((n, n_in), 2.0, dtype)), draw(bounded((n, n_out), 2.0, dtype))


@pytest.mark.parametrize("name", BACKWARDS)
@given(inputs=backward_inputs())
def test_backward_never_writes_into_its_in_gradient_or_the_input(name, inputs):
    dtype, x, g = inputs
    component = BACKWARDS[name](x.shape[1], g.shape[1], dtype)
    x_before, g_before = x.copy(), g.copy()
    component(x)
    (component.backward if isinstance(component, Model) else component.grad)(g)
    assert_identical(g, g_before, f"the in_gradient given to {name}")
    assert_identical(x, x_before, f"the x given to the forward pass before {name}")
