"""nnti-7.4 (ASSIGNMENT.md §A, seed 003): the Dropout and L2regularization wrappers of the toy framework.

A submission: DIR/layers/Dropout.py and DIR/layers/L2regularization.py (or both at DIR's top),
written against the course skeleton (`from layers import Linear` resolves to toyframe's).

Points: Dropout forward 1.0, Dropout backward 0.5, L2 regularization 1.5. Each part's scenarios use
only the graded class (so a bug costs the points of its own part alone, and the worker never needs
the model solution). Comparisons use the assignment's own tolerance (tolerances.ASSIGNMENT).
Checks are hypothesis properties: any correct implementation passes them however it draws its
masks, because the reference replays the masks the implementation drew.
"""
import numpy as np
from hypothesis import strategies as st

from ...core import masks, tolerances
from ...core.comparator import assert_close
from ...core.equivalence import check_trace, replay_code
from ...core.mask_studies import replay_code as mask_study_replay
from ...core.masks import attach_keep_masks
from ...core.notebook import NOTEBOOK_L2_LOSS, torch_l2_cell_loss_after_step
from ...core.properties import for_all
from ...core.scenario import LayerSpec, Wrap
from ...core.strategies import layer_stacks, scenarios, wrap_chains
from ...core.trace import StepRecord, Trace
from ...grading.mask_checks import mask_study_checks
from ...grading.parts import Check, Part, false_alarm_budget, implementation
from ...sandbox.runners import SubmissionFailure
from .worker import TASKS, load_submission  # noqa: F401 - the worker half, also run in process

NAME = "nnti-7.4"
SUBMISSION = "layers/Dropout.py and layers/L2regularization.py (or both files at the top)"


def model_solution():
    import toyframe
    return {"dropout": toyframe.Dropout, "l2": toyframe.L2regularization}


def trace(runner, scenario, graded):
    """The runner's Trace of `scenario` with its `graded` class ("dropout" or "l2"), keep masks attached."""
    steps = runner.call("observe", scenario=scenario, graded=graded)
    if not isinstance(steps, list):
        raise SubmissionFailure("the worker's reply is not a list of steps")
    return attach_keep_masks(Trace([StepRecord(**{
        section: _plain_dict(step.get(section) if isinstance(step, dict) else None, section)
        for section in ("forward", "backward", "update", "observations")}) for step in steps]))


def _plain_dict(value, what):
    if not isinstance(value, dict):
        raise SubmissionFailure(f"the worker's reply lacks {what!r}")
    return value


def _models_with(kind, steps):
    """Models where at least one layer has a `kind` wrapper, and no other kind: the worker running a
    submission must never need toyframe's own wrappers (the model solution)."""
    chains = wrap_chains(kinds=(kind,))  # for Dropout, p = 0 is among the drawn drop probabilities
    return scenarios(layers=lambda n_in: layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=chains, require=kind),
                     steps=steps)


def _compare(runner, graded, sections, observe=None):
    """A body for for_all: run a scenario on the runner's `graded` class, hand the trace to
    observe(scenario, trace) if given, and compare its `sections` with torch. Whatever the
    implementation raises fails the check with the scenario and the line that replays it."""
    def compare(scenario):
        replay = f"\nScenario: {scenario.describe()}\nReplay: " + replay_code(
            scenario, graded, sections, tolerances.ASSIGNMENT, check_dtype=False)
        observed = implementation(lambda: trace(runner, scenario, graded), replay)
        if observe:
            observe(scenario, observed)
        check_trace(scenario, observed, sections, tolerance=tolerances.ASSIGNMENT, check_dtype=False, graded=graded)
    return compare


# ---- Dropout forward -----------------------------------------------------------------------------

def dropout_forward_matches_torch(runner, settings):
    """With the masks the layer drew, every Dropout output and the model's output and loss match torch;
    and over all of the check's scenarios the masks drop the fraction their p asks for (a layer that
    draws right masks only where the mask studies look, and not in models, fails here)."""
    tally = masks.ScenarioMasks()
    for_all(_models_with("dropout", st.just(0)), settings,
            _compare(runner, "dropout", ("forward",), observe=lambda scenario, trace: tally.add(scenario, trace, 1)))
    tally.masks.assert_fraction_dropped("over this check's scenarios, the fraction of outputs the Dropouts dropped")


def p_zero_is_identity(runner, settings):
    """Dropout(layer, p=0) drops nothing: its output is the wrapped layer's, unchanged (the comparison
    of a forward pass fails wherever a Dropout with p = 0 set an output to 0)."""
    def stacks(n_in):
        return layer_stacks(n_in, n_layers=st.integers(1, 3), wraps=st.just(())).map(_zero_dropout)
    for_all(scenarios(layers=stacks, steps=st.just(0)), settings, _compare(runner, "dropout", ("forward",)))


def _zero_dropout(layers):
    return tuple(LayerSpec(layer.weights, layer.bias, (Wrap("dropout", 0.0),), layer.activation) for layer in layers)


# ---- Dropout backward ----------------------------------------------------------------------------

def dropout_backward_matches_torch(runner, settings):
    """Given the forward pass's masks, dL/dW, dL/db and dL/dx of every layer, and the parameters
    after each of 1-3 SGD steps, match torch.

    Only genuine masks earn credit: over all of the check's scenarios, the masks of Dropouts with
    0 < p < 1 at the steps that run backward must keep some outputs and drop some (counting the
    outputs whose wrapped layer gave a value other than 0, where the forward pass shows which). A forward that
    drops everything (or nothing) makes any backward agree with torch replaying its masks; a
    correct layer does so with probability below statistics.FALSE_ALARM, which is computed
    exactly from the p and the number of outputs, and the rule applies only when it is that small."""
    tally = masks.ScenarioMasks()
    for_all(_models_with("dropout", st.integers(1, 3)), settings,
            _compare(runner, "dropout", ("backward", "update"),
                     observe=lambda scenario, trace: tally.add(scenario, trace, scenario.steps)))
    degenerate = tally.masks.degenerate()
    if degenerate:
        raise AssertionError(
            f"Dropout backward earns credit only where the forward pass draws genuine masks, and over this "
            f"check's scenarios {degenerate}. Fix the forward pass first: 'Dropout forward' says what is wrong.")


# ---- L2 regularization ---------------------------------------------------------------------------

def l2_gradient_matches_torch(runner, settings):
    """dL/dW gains 2*coefficient*W of the current weights: every gradient and update over 1-3 steps."""
    for_all(_models_with("l2", st.integers(1, 3)), settings, _compare(runner, "l2", ("backward", "update")))


def l2_loss_matches_torch(runner, settings):
    """The forward pass is the wrapped layer's, and coefficient*sum(W**2) read from the wrapper's
    `weights` follows the updated weights at every step (no stale copy)."""
    for_all(_models_with("l2", st.integers(1, 3)), settings, _compare(runner, "l2", ("forward",)))


def notebook_l2_cell(runner, settings):
    """The notebook's L2 cell: the regularized loss, then one SGD step agrees with torch (atol 1e-3)."""
    context = ("\nReplay: from reference.core.notebook_cell import toy_l2_cell_losses; "
               "print(toy_l2_cell_losses(L2regularization))  # (the loss, the loss after one step)")
    reply = implementation(lambda: runner.call("notebook_l2"), context)
    if not isinstance(reply, list) or len(reply) != 2:
        raise AssertionError(f"the notebook's L2 cell did not give two losses{context}")
    first, after = reply
    assert_close(np.asarray(first), NOTEBOOK_L2_LOSS, quantity="the notebook's regularized loss",
                 tolerance=tolerances.ASSIGNMENT, context=context)
    assert_close(np.asarray(after), torch_l2_cell_loss_after_step(), tolerance=tolerances.ASSIGNMENT,
                 quantity="the notebook's regularized loss after one SGD step (lr 0.001)", context=context)


# ---- The parts -----------------------------------------------------------------------------------

PARTS = (
    Part("Dropout forward", 1.0, (
        Check("forward matches torch with the layer's own masks", dropout_forward_matches_torch, bounds=1),
        *mask_study_checks(mask_study_replay),
        Check("p = 0 is the identity", p_zero_is_identity),
    ), graded="dropout"),
    Part("Dropout backward", 0.5, (
        Check("gradients and SGD updates match torch", dropout_backward_matches_torch, bounds=2),
    ), graded="dropout"),
    Part("L2 regularization", 1.5, (
        Check("gradient and SGD updates match torch over several steps", l2_gradient_matches_torch),
        Check("regularized loss follows the weights", l2_loss_matches_torch),
        Check("the notebook's L2 cell", notebook_l2_cell),
    ), graded="l2"),
)
FALSE_ALARM_BUDGET = false_alarm_budget(PARTS)
